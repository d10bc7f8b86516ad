"""The dashboards' filters (django-filter): target set, quarter, theme, SRP, authority kind, rating.

One FilterSet, ``DashboardFilter``, serves every dashboard page and the JSON API; each page
shows only the fields it uses (``fields=``). It validates the query string and turns it into
a ``Selection`` (the target set, the quarter, the quarter compared with, and the plain
``reports.dashboards.Filters``) that the builders take. The filters do not narrow a queryset:
the dashboards are built from ``returns.overall`` in a constant number of queries, and the
builders apply the filters to the rows they built (see ``reports.dashboards.Filters``).

What the filters offer is loaded once per request by ``load_options`` (4 queries whatever the
amount of data: the target sets, the quarters with returns the user may see, the themes, the
sub-regions), and the choices offered are limited to what the user may see: a programme
manager is offered their own sub-region only.

Defaults (chosen)
-----------------
* Target set: the one of the newest approved return; with none approved yet, the one of the
  newest return the user may see; with no return at all, the first adopted set (in the sets'
  order). A programme manager's draft of a new quarter never moves the Board's dashboards.
* Quarter (``period``): the latest quarter with at least one approved return of that set; with
  none approved yet, the newest with a return the user may see; with none, the quarter of
  today. Any well-formed quarter is accepted, with or without returns.
* Data (``basis``): ``default_basis(user)``: approved returns only for the Board (unless the
  deployment's ``BOARD_SEES_UNAPPROVED``), every return, marked, for the Director, programme
  managers and administrators.
* Compared with (``against``, the comparison page): the quarter before ``period``.
* A theme of another target set (left over when the set was changed in the form) is dropped
  with a note, rather than refused.

Bad input gives ``BadSelection`` with one clear message per parameter; the pages answer 400
with them, the API 400 ``{"detail", "errors"}``.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.http import urlencode

from authorities.models import AuthorityKind, SubRegion
from authorities.scope import RegionScope, regions_of
from returns.models import Basis, Return, ReturnLine, ReturnStatus
from returns.periods import Quarter
from returns.selectors import visible_sub_regions
from targets.models import TargetSet, TargetSetStatus, Theme
from targets.stamp import ReferenceMemo, read_with_token

from .dashboards import Filters

__all__ = [
    "RATING_CHOICES",
    "BadSelection",
    "DashboardFilter",
    "DashboardOptions",
    "Selection",
    "load_options",
]

RATING_CHOICES = [
    ("R", "Red"),
    ("A", "Amber"),
    ("G", "Green"),
    ("ACH", "Achieved"),
    ("NYD", "Not yet due"),
    ("GREY", "Grey (not yet known)"),
    ("NA", "Not applicable"),
]
ALL_FIELDS = (
    "target_set",
    "period",
    "against",
    "basis",
    "theme",
    "sub_region",
    "kind",
    "rating",
)
BASIS_CHOICES = [
    (Basis.APPROVED, "Approved returns only"),
    (Basis.ALL, "Include submitted and draft returns (marked)"),
]


def default_basis(user) -> str:
    """What a dashboard rests on unless the user chooses: the Board sees approved returns only
    (unless the deployment's ``BOARD_SEES_UNAPPROVED`` says otherwise); the Director,
    programme managers and administrators see every return, marked by its status."""
    from django.conf import settings

    if user.has_perm("returns.approve_return") or user.has_perm("returns.change_returnline"):
        return Basis.ALL
    if user.is_staff:
        return Basis.ALL
    return Basis.ALL if getattr(settings, "BOARD_SEES_UNAPPROVED", False) else Basis.APPROVED


@dataclass
class DashboardOptions:
    """What the dashboards' filters may offer this user (see ``load_options``)."""

    target_sets: list[TargetSet]
    quarters_by_set: dict[int, list[Quarter]]  # target set pk → quarters with returns, newest first
    #: target set pk → quarters with at least one approved return, newest first
    approved_by_set: dict[int, list[Quarter]]
    themes_by_set: dict[int, list[tuple[int, str]]]  # target set pk → (theme pk, name), in order
    sub_regions: list[SubRegion]  # the sub-regions the user may see, in the region's order

    def set_by_slug(self, slug: str) -> TargetSet | None:
        return next((ts for ts in self.target_sets if ts.slug == slug), None)

    def default_set(self) -> TargetSet | None:
        """The set of the newest approved return; else of the newest return the user may see;
        else the first adopted set."""
        for by_set in (self.approved_by_set, self.quarters_by_set):
            newest: tuple[Quarter, int] | None = None
            for position, target_set in enumerate(self.target_sets):
                quarters = by_set.get(target_set.pk)
                if quarters and (newest is None or quarters[0] > newest[0]):
                    newest = (quarters[0], position)
            if newest is not None:
                return self.target_sets[newest[1]]
        adopted = [ts for ts in self.target_sets if ts.status == TargetSetStatus.ADOPTED]
        return (adopted or self.target_sets or [None])[0]

    def quarters(self, target_set: TargetSet | None) -> list[Quarter]:
        return self.quarters_by_set.get(target_set.pk, []) if target_set else []

    def latest_quarter(self, target_set: TargetSet | None) -> Quarter | None:
        """The dashboards' default quarter: the latest with at least one approved return of
        the set; with none approved yet, the latest with any return the user may see."""
        approved = self.approved_by_set.get(target_set.pk, []) if target_set else []
        if approved:
            return approved[0]
        quarters = self.quarters(target_set)
        return quarters[0] if quarters else None

    def themes(self, target_set: TargetSet | None) -> list[tuple[int, str]]:
        return self.themes_by_set.get(target_set.pk, []) if target_set else []

    def sub_region_by_slug(self, slug: str) -> SubRegion | None:
        return next((sr for sr in self.sub_regions if sr.slug == slug), None)


def load_options(user, *, target_set: TargetSet | str | None = None) -> DashboardOptions:
    """The target sets, the quarters with returns the user may see, the themes and the visible
    sub-regions: 4 queries (plus the user's permissions and membership, cached on the user).

    ``target_set``: the set the page shows when it is known before the options (a target's own
    set, or the slug the query string names). Then only that set's quarters and themes are read:
    the page asks no other set's (the default set is not needed), and the read is bounded by
    that set's returns rather than by every set's (ten times the sets made it ten times
    longer)."""
    # The user's region's sets (a national user: every region's), as the one rule says.
    target_sets, token = _target_sets(regions_of(user))
    if isinstance(target_set, str):
        only = next((ts.pk for ts in target_sets if ts.slug == target_set), None)
    else:
        only = target_set.pk if target_set is not None else None
    quarters: dict[int, set[Quarter]] = defaultdict(set)
    approved: dict[int, set[Quarter]] = defaultdict(set)
    periods = _PERIODS.for_user(user)
    if only is not None:
        periods = periods.filter(target_set_id=only)
    for target_set_id, year, quarter, status in periods:
        quarters[target_set_id].add(Quarter(year, quarter))
        if status == ReturnStatus.APPROVED:
            approved[target_set_id].add(Quarter(year, quarter))
    themes: dict[int, list[tuple[int, str]]] = defaultdict(list)
    kept_themes = _OPTIONS.get(("themes", only), lambda: _themes(only), token=token)
    for pk, name, target_set_id in kept_themes:
        themes[target_set_id].append((pk, name))
    sub_regions = visible_sub_regions(user)
    return DashboardOptions(
        target_sets=target_sets,
        quarters_by_set={pk: sorted(found, reverse=True) for pk, found in quarters.items()},
        approved_by_set={pk: sorted(found, reverse=True) for pk, found in approved.items()},
        themes_by_set=dict(themes),
        sub_regions=sub_regions,
    )


#: The options that are reference data alone (the sets a scope sees, the sets' themes), kept
#: per state of the reference data (``targets.stamp``): two queries fewer a page.
_OPTIONS = ReferenceMemo()
#: The quarters and statuses of the returns (narrowed per request: the user's, the set's),
#: made once: its columns and ordering are resolved once rather than on every page.
_PERIODS = (
    Return.objects.order_by().values_list("target_set_id", "year", "quarter", "status").distinct()
)


def _target_sets(scope: RegionScope) -> tuple[list[TargetSet], str | None]:
    """The sets ``scope`` sees, in order, each caller with its own copies, and the reference
    data's token they were read under (None: not known). A programme manager's scope is found
    through their sub-region, which is not reference data: read each time."""

    def ordered():
        return scope.filter(TargetSet.objects.order_by("order", "slug"))

    if scope.sub_region_ids:
        return list(ordered()), None
    kept, token = _OPTIONS.fetch(("target_sets", scope), lambda: read_with_token(ordered()))
    return [copy.copy(target_set) for target_set in kept], token


def _themes(target_set_id: int | None) -> list[tuple[int, str, int]]:
    rows = (
        Theme.objects.all()
        if target_set_id is None
        else Theme.objects.filter(target_set_id=target_set_id)
    )
    return list(
        rows.order_by("target_set", "order", "name").values_list("pk", "name", "target_set_id")
    )


# ----------------------------------------------------------------------------- the filter set


class QuarterField(forms.CharField):
    """A financial-year quarter, "2009/10 Q3", read with ``Quarter.parse``; offered as a list."""

    widget = forms.Select

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return Quarter.parse(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error


class QuarterFilter(django_filters.Filter):
    field_class = QuarterField


class _Selecting:
    """A filter that selects what a dashboard shows: it narrows no queryset, and each filter
    set copies it cheaply (django-filter deep-copies every declared filter per request, its
    choices and all; ``_offer_choices`` replaces a copy's choices, never changes them)."""

    def filter(self, qs, value):
        return qs

    def __deepcopy__(self, memo):
        clone = copy.copy(self)
        clone.extra = dict(self.extra)
        clone.__dict__.pop("_field", None)  # the form field is made from the copy's settings
        return clone


class SelectionFilter(_Selecting, django_filters.ChoiceFilter):
    """A choice that selects what a dashboard shows."""


class SelectionQuarterFilter(_Selecting, QuarterFilter):
    """A quarter that selects what a dashboard shows."""


class BadSelection(Exception):
    """The query string cannot be read: ``errors`` maps each parameter to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


@dataclass
class Selection:
    """What a dashboard shows: built by ``DashboardFilter.selection()``."""

    target_set: TargetSet
    quarter: Quarter
    against: Quarter | None
    filters: Filters
    notes: list[str] = field(default_factory=list)
    has_returns: bool = True  # the user may see a return of this set for this quarter
    basis: str = Basis.ALL  # approved returns only, or all of them (marked)
    #: Every filter the reader chose, as query parameters (see ``DashboardFilter.carried``).
    carried: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: str | None) -> str:
        """The query string that keeps everything the reader chose, with ``changes`` (a None
        value drops a parameter): every link and drill-down between the dashboards uses it."""
        params = dict(self.carried)
        for key, value in changes.items():
            if value:
                params[key] = value
            else:
                params.pop(key, None)
        return urlencode([(key, params[key]) for key in ALL_FIELDS if params.get(key)])


def _option_label(quarter: Quarter, with_returns: set[Quarter]) -> str:
    return quarter.label if quarter in with_returns else f"{quarter.label} (no return)"


class DashboardFilter(django_filters.FilterSet):
    """The query string of a dashboard page or API call, validated; see the module docstring."""

    target_set = SelectionFilter(label="Target set", empty_label=None)
    period = SelectionQuarterFilter(label="Quarter")
    against = SelectionQuarterFilter(label="Compared with")
    basis = SelectionFilter(label="Data", choices=BASIS_CHOICES, empty_label=None)
    theme = SelectionFilter(label="Theme", empty_label="All themes")
    sub_region = SelectionFilter(label="Sub-region", empty_label="All sub-regions")
    kind = SelectionFilter(
        label="Authority kind", choices=AuthorityKind.choices, empty_label="All kinds"
    )
    rating = SelectionFilter(label="Rating", choices=RATING_CHOICES, empty_label="Any rating")

    def __init__(
        self,
        data: QueryDict | dict | None,
        *,
        options: DashboardOptions,
        fields: tuple[str, ...] = (
            "target_set",
            "period",
            "basis",
            "theme",
            "sub_region",
            "kind",
            "rating",
        ),
        request=None,
        target_set: TargetSet | None = None,
        today: date | None = None,
    ):
        self.options = options
        self.fixed_set = target_set
        self.notes: list[str] = []
        self.request_user = request
        data = self._with_defaults(data, fields, today or date.today())
        super().__init__(data=data, queryset=ReturnLine.objects.none(), request=request)
        self.filters = {name: self.filters[name] for name in ALL_FIELDS if name in fields}
        self._offer_choices()

    # The data, completed with the defaults, so that the form shows what the page shows.
    def _with_defaults(self, data, fields, today: date) -> dict[str, str]:
        given = {
            key: (data.get(key) or "").strip()
            for key in ALL_FIELDS
            if key in fields and data is not None
        }
        options = self.options
        slug = given.get("target_set") or ""
        if self.fixed_set is not None:
            target_set = self.fixed_set
        else:
            target_set = options.set_by_slug(slug) if slug else options.default_set()
        if not slug and target_set is not None and "target_set" in fields:
            given["target_set"] = target_set.slug
        self.target_set = target_set
        if "period" in fields:
            period = given.get("period") or ""
            quarter = _parse(period)
            if not period:
                quarter = options.latest_quarter(target_set) or Quarter.containing(today)
            if quarter is not None:
                given["period"] = quarter.label
            if "against" in fields:
                against = given.get("against") or ""
                if not against and quarter is not None:
                    given["against"] = quarter.previous().label
                elif _parse(against) is not None:
                    given["against"] = _parse(against).label
        if "basis" in fields and not given.get("basis"):
            user = getattr(self.request_user, "user", None)
            given["basis"] = default_basis(user) if user is not None else Basis.ALL
        theme = given.get("theme")
        if theme and target_set is not None:
            names = dict(options.themes(target_set))
            if not theme.isdigit() or int(theme) not in names:
                given.pop("theme")
                self.notes.append(
                    f"The theme filter was cleared: that theme is not in {target_set.title}."
                )
        return given

    def _offer_choices(self) -> None:
        options = self.options
        target_set = self.target_set
        known = ", ".join(ts.slug for ts in options.target_sets) or "none yet"
        if "target_set" in self.filters:
            extra = self.filters["target_set"].extra
            extra["choices"] = [(ts.slug, ts.title) for ts in options.target_sets]
            extra["error_messages"] = {
                "invalid_choice": f'No target set "%(value)s"; the target sets are: {known}.'
            }
        with_returns = set(options.quarters(target_set))
        for name in ("period", "against"):
            if name in self.filters:
                current = _parse(self.data.get(name))
                offered = with_returns | ({current} if current else set())
                choices = [
                    (quarter.label, _option_label(quarter, with_returns))
                    for quarter in sorted(offered, reverse=True)
                ]
                self.filters[name].extra["widget"] = forms.Select(choices=choices)
        if "theme" in self.filters:
            self.filters["theme"].extra["choices"] = [
                (str(pk), name) for pk, name in options.themes(target_set)
            ]
        if "sub_region" in self.filters:
            visible = ", ".join(sr.slug for sr in options.sub_regions) or "none"
            self.filters["sub_region"].extra["choices"] = [
                (sr.slug, sr.name) for sr in options.sub_regions
            ]
            self.filters["sub_region"].extra["error_messages"] = {
                "invalid_choice": f'No sub-region "%(value)s" you may see; they are: {visible}.'
            }
        if "kind" in self.filters:
            kinds = ", ".join(AuthorityKind.values)
            self.filters["kind"].extra["error_messages"] = {
                "invalid_choice": f'No authority kind "%(value)s"; the kinds are: {kinds}.'
            }
        if "rating" in self.filters:
            self.filters["rating"].extra["error_messages"] = {
                "invalid_choice": (
                    'No rating "%(value)s"; the ratings are: R, A, G, ACH, NYD, GREY, NA.'
                )
            }

    def selection(self) -> Selection:
        """The validated selection; ``BadSelection`` when the query string cannot be read."""
        form = self.form
        if self.target_set is None and not self.options.target_sets and not self.fixed_set:
            # Issue 13: a region may have no set at all (the demo's second region: no paper
            # gives its targets).
            raise BadSelection(
                {
                    "target_set": [
                        "No target set of your region has been loaded yet: there are no "
                        "targets, returns or ratings to show."
                    ]
                }
            )
        if not form.is_valid():
            errors = form.errors.items()
            raise BadSelection({name: [str(text) for text in texts] for name, texts in errors})
        data = form.cleaned_data
        target_set = self.target_set
        if target_set is None:  # pragma: no cover - an unknown slug fails validation above
            raise BadSelection({"target_set": ["Choose a target set."]})
        quarter = data.get("period") or self.options.latest_quarter(target_set)
        quarter = quarter or Quarter.containing(date.today())
        against = data.get("against") if "against" in self.filters else None
        if against is not None and against == quarter:
            raise BadSelection({"against": ["Choose two different quarters to compare."]})
        theme = data.get("theme")
        filters = Filters(
            theme=int(theme) if theme else None,
            sub_region=data.get("sub_region") or None,
            kind=data.get("kind") or None,
            rating=data.get("rating") or None,
        )
        basis = data.get("basis") or Basis.ALL
        chosen = {
            "target_set": target_set.slug,
            "period": quarter.label,
            "against": against.label if against else "",
            "basis": basis,
            "theme": theme or "",
            "sub_region": filters.sub_region or "",
            "kind": filters.kind or "",
            "rating": filters.rating or "",
        }
        return Selection(
            target_set=target_set,
            quarter=quarter,
            against=against,
            filters=filters,
            notes=list(self.notes),
            has_returns=quarter in set(self.options.quarters(target_set)),
            basis=basis,
            carried=self.carried(chosen),
        )

    def carried(self, chosen: dict[str, str]) -> dict[str, str]:
        """What the next page's links keep: this page's own filters as validated (defaults
        filled in), and any other dashboard filter of the query string as it came (the
        comparison's ``against`` on the overview, a theme on a target's page...), so that a
        drill-down and the way back keep everything the reader chose. The next page
        validates what it uses."""
        given = getattr(self.request_user, "GET", None) or {}
        carried = {}
        for name in ALL_FIELDS:
            if name in self.filters or (name == "target_set" and self.fixed_set is not None):
                value = chosen.get(name) or ""
            else:
                value = (given.get(name) or "").strip()[:100]
            if value:
                carried[name] = value
        return carried


def _parse(text: str | None) -> Quarter | None:
    try:
        return Quarter.parse(text or "")
    except ValueError:
        return None
