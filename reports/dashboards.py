"""The dashboards' data: plain dataclasses, built once, handed to every renderer.

The HTML pages (reports/views.py), the JSON API (riep/api/dashboards.py) and the PDF Board
papers all take what these builders return, so that they show the same figures with the same
explanations. The builders know nothing of requests or HTTP: they take a user (whose access
decides what they may see), model instances and a ``Filters``, and return dataclasses.

* ``build_overview``   — the regional overview: targets by theme × the sub-regions and the
  region, counts, completeness and a one-line headline.
* ``build_sub_region`` — one sub-region: authorities × targets, each cell a ``LineCell``.
* ``build_target``     — one target: every authority's line, the distribution of ratings,
  the trend across quarters, the rule in words and the lineage across target sets.
* ``build_authority``  — one authority: all the targets of a set, quarter by quarter.
* ``build_comparison`` — two quarters side by side, with the movement of each rating.

Where the figures come from
---------------------------
Every rating is ``returns.overall``'s: lines are rated afresh by the target's current rule and
overall ratings by ``targets.rating.overall_rating``. The overview, the sub-region view and the
comparison call ``returns.overall.overall_ratings``; the target page and the authority page
need several quarters at once, so they read every quarter's lines in one query and hand them
to the same per-target function of ``returns.overall`` (``_target_overall``, ``_row_from_line``)
that ``overall_ratings`` uses, quarter by quarter: the figures are the same as the overview's.

Access (chosen; issue 3's rule kept for raw lines)
-------------------------------------------------
What a user sees is what ``Return.objects.for_user`` lets them read: the Board, the Director and
administrators see the whole region; a programme manager sees their own sub-region only, in
every view and in the "region" figures (which then say they are over that sub-region only, and
the pages hide the region column). Another sub-region's page, or an authority of another
sub-region, is ``NotVisible`` (the views answer 404). Aggregates are not shown over lines the
user may not read: an overall rating of "Red" tells that some line is Red.

Filters (``Filters``)
---------------------
* ``theme`` keeps the targets of one theme; ``sub_region`` keeps one sub-region's column (the
  overview and comparison; the region column stays the region's), or its authorities (target).
* ``kind`` keeps the authorities of one kind, and the overall ratings are **recomputed over
  them** by the engine ("Region, district councils only"); a target that does not apply to the
  kind is "not applicable".
* ``rating`` keeps: on the overview, the targets whose region (or chosen sub-region) rating is
  it; on a sub-region, the authorities with at least one line so rated; on a target, the lines
  so rated; on an authority, the targets so rated in the latest quarter shown; on the
  comparison, the targets so rated in the later quarter.

Queries: a constant number per builder, whatever the amount of data (the pages' tests assert
them): the overview 7, a sub-region 7, a target 6 (+2 for ``target_for_page``), an authority 5
(+1 for ``authority_for_page``), a comparison 13; plus the user's permissions and membership
(cached on the user).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.db.models import Exists, OuterRef
from django.urls import reverse

from authorities.models import Authority, AuthorityKind, LAAArea, SubRegion
from returns.models import LineState, Return, ReturnLine, ReturnStatus
from returns.overall import (
    _LINE_FIELDS,
    LineRow,
    SubRegionRef,
    TargetOverall,
    _row_from_line,
    _scope_note,
    _sub_region_refs,
    _target_overall,
    overall_ratings,
    visible_sub_regions,
)
from returns.periods import Quarter
from targets.models import Target, TargetSet, Theme, level_labels, rating_rule, rule_in_words
from targets.rating import OverallRating, Rating, overall_rating
from targets.rules import KIND_LABELS, format_value, target_applies

__all__ = [
    "AuthorityView",
    "Comparison",
    "Counts",
    "Filters",
    "LineCell",
    "Mark",
    "Movement",
    "NotVisible",
    "Overview",
    "SubRegionView",
    "TargetView",
    "build_authority",
    "build_comparison",
    "build_overview",
    "build_sub_region",
    "build_target",
    "headline",
]

#: How many quarters a trend or an authority's page shows at most (the latest ones).
MAX_QUARTERS = 16

_KIND_ORDER = {kind: index for index, kind in enumerate(AuthorityKind.values)}


class NotVisible(Exception):
    """The user may not see this sub-region or authority (the pages answer 404)."""


# ------------------------------------------------------------------------------- ratings shown

_MARKS = {
    # code: (text shown, label for screen readers and legends, sort rank)
    "R": ("R", "Red", 0),
    "A": ("A", "Amber", 1),
    "G": ("G", "Green", 2),
    "GREY": ("Grey", "Grey: not yet known", 3),
    "NA": ("n/a", "Not applicable", 4),
    "none": ("–", "Not rated: the returns alone cannot rate this target", 5),
}
_RAG_RANK = {"R": 0, "A": 1, "G": 2}


@dataclass(frozen=True)
class Mark:
    """A rating as every dashboard shows it: a letter or word, never colour alone.

    ``code`` is "R", "A", "G", "GREY" (not yet known: awaiting data or no return), "NA" (not
    applicable) or "none" (not rated: a rule the returns alone cannot rate).
    """

    code: str

    @property
    def text(self) -> str:
        return _MARKS[self.code][0]

    @property
    def label(self) -> str:
        return _MARKS[self.code][1]

    @property
    def rank(self) -> int:
        return _MARKS[self.code][2]

    @property
    def css(self) -> str:
        return f"rag rag--{self.code}"

    @property
    def is_rag(self) -> bool:
        return self.code in _RAG_RANK

    @property
    def rating(self) -> str | None:
        """The API's value: "R", "A", "G", "GREY", "NA", or None when not rated."""
        return None if self.code == "none" else self.code

    @classmethod
    def of(cls, rating: Rating | str | None) -> Mark:
        return _MARK_OF[str(rating) if rating else "none"]


_MARK_OF = {code: Mark(code) for code in _MARKS}
MARKS = [_MARK_OF[code] for code in _MARKS]


@dataclass
class Counts:
    """How many of something (lines, targets, cells) have each rating."""

    red: int = 0
    amber: int = 0
    green: int = 0
    grey: int = 0
    not_applicable: int = 0
    not_rated: int = 0

    _FIELDS = {"R": "red", "A": "amber", "G": "green", "GREY": "grey", "NA": "not_applicable"}

    def add(self, mark: Mark, count: int = 1) -> None:
        name = self._FIELDS.get(mark.code, "not_rated")
        setattr(self, name, getattr(self, name) + count)

    @classmethod
    def of(cls, marks: Iterable[Mark]) -> Counts:
        counts = cls()
        for mark in marks:
            counts.add(mark)
        return counts

    @classmethod
    def of_lines(cls, engine_counts: dict[str, int]) -> Counts:
        """From an ``OverallRating.counts`` (Grey = awaiting data + no return)."""
        return cls(
            red=engine_counts.get("R", 0),
            amber=engine_counts.get("A", 0),
            green=engine_counts.get("G", 0),
            grey=engine_counts.get("GREY", 0) + engine_counts.get("missing", 0),
            not_applicable=engine_counts.get("NA", 0),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )

    @property
    def total(self) -> int:
        return sum(getattr(self, name) for name in self.__dataclass_fields__)

    @property
    def items(self) -> list[tuple[Mark, int]]:
        """(mark, count) for R, A, G, Grey, then n/a and not rated when there are any."""
        pairs = [
            (_MARK_OF["R"], self.red),
            (_MARK_OF["A"], self.amber),
            (_MARK_OF["G"], self.green),
            (_MARK_OF["GREY"], self.grey),
        ]
        if self.not_applicable:
            pairs.append((_MARK_OF["NA"], self.not_applicable))
        if self.not_rated:
            pairs.append((_MARK_OF["none"], self.not_rated))
        return pairs

    @property
    def text(self) -> str:
        """ "3 Red, 1 Amber, 0 Green, 2 Grey" (for screen readers and print)."""
        return ", ".join(f"{count} {mark.label.split(':')[0]}" for mark, count in self.items)


@dataclass(frozen=True)
class Movement:
    """How a rating moved from one quarter to the next: a symbol and a word, never colour."""

    code: str  # "improved", "same", "worse", "unknown"

    @property
    def symbol(self) -> str:
        return {"improved": "▲", "same": "=", "worse": "▼", "unknown": "–"}[self.code]

    @property
    def text(self) -> str:
        return {
            "improved": "improved",
            "same": "no change",
            "worse": "worse",
            "unknown": "cannot compare",
        }[self.code]

    @property
    def css(self) -> str:
        return f"move move--{self.code}"


def movement(before: Mark, after: Mark) -> Movement:
    """Improved / same / worse between two R, A or G ratings (Red < Amber < Green). Anything
    involving Grey, n/a or not rated cannot be compared (Grey to Grey is no news either)."""
    if before.is_rag and after.is_rag:
        difference = _RAG_RANK[after.code] - _RAG_RANK[before.code]
        return Movement("improved" if difference > 0 else "worse" if difference < 0 else "same")
    return Movement("unknown")


# --------------------------------------------------------------------------------- references


def _path(name: str, *args) -> Callable[..., str]:
    """A fast path maker for ``name``: reverse once with placeholders, then format (pages have
    hundreds of links; ``reverse`` per link would cost more than the rest of the cell)."""
    placeholders = [f"{index}0919283746" for index in range(len(args))]
    pattern = reverse(name, args=placeholders)
    for index, placeholder in enumerate(placeholders):
        pattern = pattern.replace(placeholder, "{" + str(index) + "}")
    return pattern.format


@dataclass(frozen=True)
class SetInfo:
    slug: str
    title: str

    @classmethod
    def of(cls, target_set: TargetSet) -> SetInfo:
        return cls(slug=target_set.slug, title=target_set.title)


@dataclass(frozen=True)
class TargetInfo:
    """What a dashboard says about a target (no model instance: nothing can query later)."""

    pk: int
    code: str
    number: str
    title: str
    text: str
    indicator: str
    theme_id: int
    theme: str
    priority: int
    is_placeholder: bool
    measure: str
    measure_kind: str
    direction: str
    unit: str
    levels: tuple[tuple[int, str], ...]
    threshold: Decimal | None
    rule_text: str
    deadline: date | None
    scope: str
    applies_to: tuple[str, ...]
    target_set: SetInfo
    url: str

    @classmethod
    def of(cls, target: Target, *, theme: str, target_set: SetInfo, url: str) -> TargetInfo:
        measure = target.measure
        return cls(
            pk=target.pk,
            code=target.code,
            number=target.number,
            title=target.title,
            text=target.text,
            indicator=target.indicator,
            theme_id=target.theme_id,
            theme=theme,
            priority=target.priority,
            is_placeholder=target.is_placeholder,
            measure=measure.name,
            measure_kind=measure.kind,
            direction=measure.direction,
            unit=measure.unit,
            levels=tuple(level_labels(measure).items()),
            threshold=target.threshold,
            rule_text=rule_in_words(target),
            deadline=target.deadline,
            scope=target.scope,
            applies_to=tuple(target.applies_to or ()),
            target_set=target_set,
            url=url,
        )

    @property
    def label(self) -> str:
        return f"Target {self.number}: {self.title}"

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"

    def format(self, value: Decimal | None) -> str:
        return format_value(
            value, measure_kind=self.measure_kind, unit=self.unit, levels=dict(self.levels)
        )

    def applies_to_kind(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to


@dataclass(frozen=True)
class AuthorityInfo:
    slug: str
    name: str
    short_name: str
    kind: str
    url: str

    @property
    def kind_label(self) -> str:
        return AuthorityKind(self.kind).label

    @property
    def sort_key(self) -> tuple[int, str]:
        return (_KIND_ORDER.get(self.kind, 99), self.name)


@dataclass(frozen=True)
class SubRegionInfo:
    """A sub-region with the status of its return for the quarter."""

    slug: str
    name: str
    return_id: int | None
    return_status: str | None
    url: str

    @property
    def has_return(self) -> bool:
        return self.return_id is not None

    @property
    def status_label(self) -> str:
        return ReturnStatus(self.return_status).label if self.return_status else "No return"

    @property
    def signed_off(self) -> bool:
        return self.return_status in {ReturnStatus.SUBMITTED, ReturnStatus.APPROVED}


# ------------------------------------------------------------------------------------ cells

_STATUS_TEXT = {
    "worse": "▲ worse than tolerance",
    "within": "● within tolerance",
    "better": "★ better than tolerance",
}
_STATE_TEXT = {
    LineState.VALUE: "value given",
    LineState.AWAITING: "awaiting data",
    LineState.NOT_APPLICABLE: "not applicable",
    LineState.NO_RETURN: "no return",
    "no_line": "no line in the return",
    "does_not_apply": "does not apply",
}


@dataclass(frozen=True)
class LineCell:
    """One authority against one target in one quarter, as a cell shows it and opens it.

    ``state`` is the line's ("value", "awaiting", "not_applicable", "no_return"), or
    "no_line" (a return was made but has no line for the authority) or "does_not_apply" (the
    target does not apply to the authority: it has no line and needs none).
    """

    state: str
    mark: Mark
    computed: Mark
    manual: Mark | None
    value_text: str
    target_text: str
    date_of_data: date | None
    comment: str
    explanation: str
    manual_reason: str
    status: str | None  # "worse", "within", "better" or None
    source: str
    line_url: str  # the line's page (value, history), "" when there is no line
    actual: Decimal | None = None
    target_value: Decimal | None = None
    where: str = ""  # "Amber Valley, target 5" (for screen readers)

    @property
    def overridden(self) -> bool:
        """A manual rating that differs from the computed one."""
        return self.manual is not None and self.manual != self.computed

    @property
    def state_text(self) -> str:
        return _STATE_TEXT.get(self.state, self.state)

    @property
    def status_text(self) -> str:
        return _STATUS_TEXT.get(self.status or "", "")

    @property
    def short_text(self) -> str:
        """What the closed cell shows beside its mark: the value, or why there is none."""
        return self.value_text if self.actual is not None else self.state_text

    @property
    def is_not_applicable(self) -> bool:
        return self.state in {LineState.NOT_APPLICABLE, "does_not_apply"}

    @property
    def css(self) -> str:
        return f"lc lc--{self.state}"


def _line_cell(
    row: LineRow,
    target: TargetInfo,
    line_url: Callable[..., str],
    return_id: int | None,
    where: str = "",
) -> LineCell:
    rating = row.rating
    target_value = row.target_value if row.target_value is not None else target.threshold
    if target_value is None:
        target_text = "its own target (none given)"
    elif row.target_value is None:
        target_text = f"{target.format(target_value)} (the target's threshold)"
    else:
        target_text = target.format(target_value)
    return LineCell(
        state=row.state,
        mark=Mark.of(rating.effective),
        computed=Mark.of(rating.computed),
        manual=Mark.of(rating.manual) if rating.manual is not None else None,
        value_text=target.format(row.actual) if row.actual is not None else "",
        target_text=target_text,
        date_of_data=row.date_of_data,
        comment=row.comment,
        explanation=rating.explanation,
        manual_reason=row.manual_reason,
        status=str(rating.status) if rating.status is not None else None,
        source=row.source,
        line_url=line_url(return_id, row.line_id) if row.line_id and return_id else "",
        actual=row.actual,
        target_value=row.target_value,
        where=where,
    )


def _empty_cell(state: str, target: TargetInfo, explanation: str, where: str = "") -> LineCell:
    mark = _MARK_OF["NA"] if state == "does_not_apply" else _MARK_OF["GREY"]
    return LineCell(
        state=state,
        mark=mark,
        computed=mark,
        manual=None,
        value_text="",
        target_text=target.format(target.threshold) if target.threshold is not None else "",
        date_of_data=None,
        comment="",
        explanation=explanation,
        manual_reason="",
        status=None,
        source="",
        line_url="",
        where=where,
    )


def _does_not_apply(target: TargetInfo, authority_kind: str) -> str:
    if not target.applies_to_kind(authority_kind):
        return f"Target {target.number} does not apply to {KIND_LABELS[authority_kind]}."
    if target.scope == "laa":
        return (
            f"Target {target.number} is about LAAs: each LAA's lead council answers for it, "
            "so this authority has no line."
        )
    return f"Target {target.number} does not apply to this authority."


@dataclass(frozen=True)
class OverallCell:
    """An overall rating (of a sub-region or the region) for one target, and its reason."""

    mark: Mark
    explanation: str
    counts: Counts  # the lines behind it, by rating
    url: str = ""
    value: Decimal | None = None
    where: str = ""  # whose rating: "Derbyshire", "the region" (for screen readers)

    @classmethod
    def of(cls, result: OverallRating, *, url: str = "", where: str = "") -> OverallCell:
        return cls(
            mark=Mark.of(result.rating),
            explanation=result.explanation,
            counts=Counts.of_lines(result.counts),
            url=url,
            value=result.value,
            where=where,
        )


# ------------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """What a dashboard narrows to (see the module docstring for what each one does)."""

    theme: int | None = None
    sub_region: str | None = None  # a sub-region's slug
    kind: str | None = None  # an AuthorityKind value
    rating: str | None = None  # "R", "A", "G", "GREY" or "NA"

    @property
    def active(self) -> bool:
        return any((self.theme, self.sub_region, self.kind, self.rating))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind or "", "")


def _rows_of_kind(rows: Sequence[LineRow], kind: str | None) -> list[LineRow]:
    return list(rows) if kind is None else [row for row in rows if row.authority_kind == kind]


def _overall_of(item: TargetOverall, rows: Sequence[LineRow], kind: str | None) -> OverallRating:
    """The engine's overall rating of ``rows`` (already narrowed to ``kind``)."""
    applies_to = item.target.applies_to
    if not rows and kind is not None and applies_to and kind not in applies_to:
        return OverallRating(
            rating=Rating.NOT_APPLICABLE,
            explanation=f"Target {item.target.number} does not apply to {KIND_LABELS[kind]}.",
            parameters={},
            counts={},
        )
    return overall_rating(item.rule, [row.rating for row in rows])


def _overalls(
    item: TargetOverall, *, kind: str | None, scope_note: str
) -> tuple[dict[str, OverallRating], OverallRating]:
    """Per sub-region and region overall ratings, recomputed over one kind of authority."""
    if kind is None:
        return item.sub_regions, item.region
    kept = {slug: _rows_of_kind(rows, kind) for slug, rows in item.lines_by_sub_region.items()}
    sub_regions = {slug: _overall_of(item, rows, kind) for slug, rows in kept.items()}
    region = _overall_of(item, [row for rows in kept.values() for row in rows], kind)
    if scope_note:
        region = replace(region, explanation=f"{scope_note} {region.explanation}")
    return sub_regions, region


# ------------------------------------------------------------------------------- headline


def headline(
    counts: Counts,
    *,
    where: str,
    quarter: Quarter,
    what: str = "target",
    whats: str = "targets",
) -> str:
    """ "Of 12 targets, 3 green, 4 amber and 5 red for the region in 2009/10 Q3." """
    total = counts.total
    if not total:
        return f"No {whats} to show for {where} in {quarter}."
    parts = [
        (counts.green, "green"),
        (counts.amber, "amber"),
        (counts.red, "red"),
        (counts.grey, "not yet known"),
        (counts.not_applicable, "not applicable"),
        (counts.not_rated, "not rated from the returns"),
    ]
    words = [f"{count} {word}" for count, word in parts if count]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Of {total} {what if total == 1 else whats}, {listed} for {where} in {quarter}."


# ============================================================================== the overview


@dataclass(frozen=True)
class TargetRow:
    """One target's row of the overview: its region cell, its sub-region cells, its counts."""

    target: TargetInfo
    region: OverallCell
    cells: list[OverallCell]  # one per column of ``Overview.columns``, in order

    @property
    def counts(self) -> Counts:
        """The authorities' lines behind the region's rating, by rating."""
        return self.region.counts


@dataclass(frozen=True)
class ThemeGroup:
    name: str
    rows: list


@dataclass(frozen=True)
class Completeness:
    """How complete a sub-region's return is for the quarter (over all the set's targets)."""

    sub_region: SubRegionInfo | None  # None: the total of the region
    lines: int  # authority-target pairs the return should cover
    values: int  # lines with a value given
    awaiting: int  # lines awaiting data
    not_applicable: int  # lines marked not applicable
    missing: int  # pairs without a line (no return, or no line in it)

    @property
    def without_data(self) -> int:
        return self.awaiting + self.missing


@dataclass
class Overview:
    target_set: SetInfo
    quarter: Quarter
    columns: list[SubRegionInfo]
    themes: list[ThemeGroup]
    target_counts: Counts  # the targets by the region's (or chosen sub-region's) rating
    line_counts: Counts  # the authorities' lines behind them, in all
    column_counts: list[Counts]  # targets by rating, per column
    region_counts: Counts  # targets by the region's rating
    completeness: list[Completeness]
    completeness_total: Completeness
    headline: str
    whole_region: bool
    scope_note: str
    filters: Filters
    region_label: str = "Region"

    @property
    def rows(self) -> list[TargetRow]:
        return [row for group in self.themes for row in group.rows]

    @property
    def returns_signed_off(self) -> int:
        return sum(1 for column in self.columns if column.signed_off)

    @property
    def returns_approved(self) -> int:
        return sum(1 for column in self.columns if column.return_status == ReturnStatus.APPROVED)

    @property
    def returns_made(self) -> int:
        return sum(1 for column in self.columns if column.has_return)


def _theme_names(target_set: TargetSet) -> dict[int, str]:
    return dict(Theme.objects.filter(target_set=target_set).values_list("pk", "name"))


def _sub_region_info(ref: SubRegionRef, url: Callable[..., str]) -> SubRegionInfo:
    return SubRegionInfo(
        slug=ref.slug,
        name=ref.name,
        return_id=ref.return_id,
        return_status=ref.return_status,
        url=url(ref.slug),
    )


def _group(rows: Iterable, theme_of: Callable) -> list[ThemeGroup]:
    groups: list[ThemeGroup] = []
    for row in rows:
        name = theme_of(row)
        if not groups or groups[-1].name != name:
            groups.append(ThemeGroup(name=name, rows=[]))
        groups[-1].rows.append(row)
    return groups


def _completeness(
    data_targets: Sequence[TargetOverall], columns: Sequence[SubRegionInfo]
) -> tuple[list[Completeness], Completeness]:
    tallies = {column.slug: defaultdict(int) for column in columns}
    for item in data_targets:
        for slug, rows in item.lines_by_sub_region.items():
            if slug not in tallies:
                continue
            tally = tallies[slug]
            for row in rows:
                tally["lines"] += 1
                tally["missing" if row.missing else row.state] += 1
    per = [
        Completeness(
            sub_region=column,
            lines=tallies[column.slug]["lines"],
            values=tallies[column.slug][LineState.VALUE],
            awaiting=tallies[column.slug][LineState.AWAITING],
            not_applicable=tallies[column.slug][LineState.NOT_APPLICABLE],
            missing=tallies[column.slug]["missing"] + tallies[column.slug][LineState.NO_RETURN],
        )
        for column in columns
    ]
    total = Completeness(
        sub_region=None,
        lines=sum(c.lines for c in per),
        values=sum(c.values for c in per),
        awaiting=sum(c.awaiting for c in per),
        not_applicable=sum(c.not_applicable for c in per),
        missing=sum(c.missing for c in per),
    )
    return per, total


def _where(*, whole_region: bool, columns: Sequence[SubRegionInfo], filters: Filters) -> str:
    if filters.sub_region:
        names = [column.name for column in columns if column.slug == filters.sub_region]
        place = names[0] if names else filters.sub_region
    elif whole_region:
        place = "the region"
    else:
        place = " and ".join(column.name for column in columns) or "no sub-region"
    if filters.kind:
        return f"{filters.kind_label} in {place}"
    return place


def build_overview(
    *, user, target_set: TargetSet, quarter: Quarter, filters: Filters | None = None
) -> Overview:
    """The regional overview (7 queries: ``overall_ratings``' 6 and the themes)."""
    filters = filters or Filters()
    data = overall_ratings(user=user, target_set=target_set, quarter=quarter)
    themes = _theme_names(target_set)
    set_info = SetInfo.of(target_set)
    target_url = _path("reports:target", "code")
    sub_region_url = _path("reports:sub-region", "slug")
    all_columns = [_sub_region_info(ref, sub_region_url) for ref in data.sub_regions]
    columns = [c for c in all_columns if not filters.sub_region or c.slug == filters.sub_region]

    region_where = "the region" if data.whole_region else "what you may see"
    rows: list[TargetRow] = []
    for item in data.targets:
        if filters.theme and item.target.theme_id != filters.theme:
            continue
        info = TargetInfo.of(
            item.target,
            theme=themes.get(item.target.theme_id, ""),
            target_set=set_info,
            url=target_url(item.target.code),
        )
        sub_overalls, region = _overalls(item, kind=filters.kind, scope_note=data.scope_note)
        region_cell = OverallCell.of(region, url=info.url, where=region_where)
        cells = [
            OverallCell.of(sub_overalls[column.slug], url=column.url, where=column.name)
            for column in columns
        ]
        if filters.rating:
            judged = cells[0] if filters.sub_region and cells else region_cell
            if judged.mark.code != filters.rating:
                continue
        rows.append(TargetRow(target=info, region=region_cell, cells=cells))

    region_counts = Counts.of(row.region.mark for row in rows)
    column_counts = [
        Counts.of(row.cells[index].mark for row in rows) for index in range(len(columns))
    ]
    one_column = bool(filters.sub_region and columns)
    judged_counts = column_counts[0] if one_column else region_counts
    line_counts = Counts()
    for row in rows:
        line_counts = line_counts + (row.cells[0].counts if one_column else row.counts)
    completeness, total = _completeness(data.targets, columns)
    where = _where(whole_region=data.whole_region, columns=columns, filters=filters)
    region_label = "Region" if data.whole_region else "Over what you may see"
    if filters.kind:
        region_label += f" ({filters.kind_label} only)"
    return Overview(
        target_set=set_info,
        quarter=quarter,
        columns=columns,
        themes=_group(rows, lambda row: row.target.theme),
        target_counts=judged_counts,
        line_counts=line_counts,
        column_counts=column_counts,
        region_counts=region_counts,
        completeness=completeness,
        completeness_total=total,
        headline=headline(judged_counts, where=where, quarter=quarter),
        whole_region=data.whole_region,
        scope_note=data.scope_note,
        filters=filters,
        region_label=region_label,
    )


# ============================================================================ a sub-region


@dataclass(frozen=True)
class ThemeSpan:
    name: str
    span: int


@dataclass(frozen=True)
class AuthorityRow:
    authority: AuthorityInfo
    cells: list[LineCell]  # one per target (or per quarter on an authority's page)


@dataclass
class SubRegionView:
    target_set: SetInfo
    quarter: Quarter
    sub_region: SubRegionInfo
    targets: list[TargetInfo]
    themes: list[ThemeSpan]
    rows: list[AuthorityRow]
    overall: list[OverallCell]  # one per target
    target_counts: Counts  # the targets by the sub-region's rating
    line_counts: Counts  # the cells shown, by rating
    completeness: Completeness
    headline: str
    filters: Filters
    return_url: str  # the return's page, "" when there is no return

    @property
    def overridden(self) -> int:
        return sum(1 for row in self.rows for cell in row.cells if cell.overridden)


def _spans(targets: Sequence[TargetInfo]) -> list[ThemeSpan]:
    spans: list[ThemeSpan] = []
    for target in targets:
        if spans and spans[-1].name == target.theme:
            spans[-1] = ThemeSpan(target.theme, spans[-1].span + 1)
        else:
            spans.append(ThemeSpan(target.theme, 1))
    return spans


def build_sub_region(
    *,
    user,
    sub_region: SubRegion,
    target_set: TargetSet,
    quarter: Quarter,
    filters: Filters | None = None,
) -> SubRegionView:
    """One sub-region: authorities × targets (7 queries). ``NotVisible`` if the user may not
    see the sub-region's returns."""
    filters = filters or Filters()
    data = overall_ratings(user=user, target_set=target_set, quarter=quarter, sub_region=sub_region)
    if not data.sub_regions:
        raise NotVisible(sub_region.slug)
    ref = data.sub_regions[0]
    themes = _theme_names(target_set)
    set_info = SetInfo.of(target_set)
    target_url = _path("reports:target", "code")
    authority_url = _path("reports:authority", "slug")
    line_url = _path("returns:line", 1, 2)
    info = _sub_region_info(ref, _path("reports:sub-region", "slug"))

    items = [
        item for item in data.targets if not filters.theme or item.target.theme_id == filters.theme
    ]
    targets = [
        TargetInfo.of(
            item.target,
            theme=themes.get(item.target.theme_id, ""),
            target_set=set_info,
            url=target_url(item.target.code),
        )
        for item in items
    ]
    authorities: dict[str, AuthorityInfo] = {}
    by_target: list[dict[str, LineRow]] = []
    for item in items:
        rows = item.lines_by_sub_region.get(ref.slug, [])
        by_target.append({row.authority_slug: row for row in rows})
        for row in rows:
            if row.authority_slug not in authorities:
                authorities[row.authority_slug] = AuthorityInfo(
                    slug=row.authority_slug,
                    name=row.authority_name,
                    short_name=row.authority_short_name,
                    kind=row.authority_kind,
                    url=authority_url(row.authority_slug),
                )
    ordered = sorted(authorities.values(), key=lambda authority: authority.sort_key)
    if filters.kind:
        ordered = [authority for authority in ordered if authority.kind == filters.kind]

    table: list[AuthorityRow] = []
    for authority in ordered:
        cells = []
        for target, rows in zip(targets, by_target, strict=True):
            row = rows.get(authority.slug)
            where = f"{authority.short_name}, target {target.number}"
            if row is None:
                why = _does_not_apply(target, authority.kind)
                cells.append(_empty_cell("does_not_apply", target, why, where))
            else:
                cells.append(_line_cell(row, target, line_url, ref.return_id, where))
        if filters.rating and not any(cell.mark.code == filters.rating for cell in cells):
            continue
        table.append(AuthorityRow(authority=authority, cells=cells))

    overall = []
    for item, target in zip(items, targets, strict=True):
        if filters.kind:
            rows = _rows_of_kind(item.lines_by_sub_region.get(ref.slug, []), filters.kind)
            result = _overall_of(item, rows, filters.kind)
        else:
            result = item.sub_regions[ref.slug]
        overall.append(OverallCell.of(result, url=target.url, where=f"target {target.number}"))
    target_counts = Counts.of(cell.mark for cell in overall)
    line_counts = Counts.of(
        cell.mark for row in table for cell in row.cells if cell.state != "does_not_apply"
    )
    completeness, _ = _completeness(data.targets, [info])
    where = _where(
        whole_region=False, columns=[info], filters=replace(filters, sub_region=info.slug)
    )
    return SubRegionView(
        target_set=set_info,
        quarter=quarter,
        sub_region=info,
        targets=targets,
        themes=_spans(targets),
        rows=table,
        overall=overall,
        target_counts=target_counts,
        line_counts=line_counts,
        completeness=completeness[0],
        headline=headline(target_counts, where=where, quarter=quarter),
        filters=filters,
        return_url=reverse("returns:detail", args=[ref.return_id]) if ref.return_id else "",
    )


# ================================================================================= a target


@dataclass(frozen=True)
class LinkedTarget:
    """A target in another set, earlier or later in a target's lineage."""

    code: str
    number: str
    title: str
    target_set: str
    url: str
    depth: int  # 1: replaced (or replaces) it directly; 2: one step further...


@dataclass(frozen=True)
class AuthorityLine:
    authority: AuthorityInfo
    sub_region: str
    cell: LineCell


@dataclass(frozen=True)
class TrendPoint:
    quarter: Quarter
    counts: Counts  # the lines, by rating
    overall: OverallCell  # the overall rating of the scope shown (region, or one sub-region)
    has_returns: bool


@dataclass
class TargetView:
    target: TargetInfo
    quarter: Quarter
    lines: list[AuthorityLine]
    overall: OverallCell  # the region's (or the chosen sub-region's) for the quarter
    sub_regions: list[tuple[SubRegionInfo, OverallCell]]
    distribution: Counts
    trend: list[TrendPoint]
    earlier: list[LinkedTarget]
    later: list[LinkedTarget]
    headline: str
    scope: str  # "the region", "Derbyshire", "district councils in the region"...
    whole_region: bool
    scope_note: str
    filters: Filters


def target_for_page(code: str) -> Target:
    """The target with what its page needs (2 queries: the target, its measure's levels)."""
    return (
        Target.objects.select_related("measure", "theme", "target_set")
        .prefetch_related("measure__levels")
        .get(code=code)
    )


def lineage(target: Target) -> tuple[list[LinkedTarget], list[LinkedTarget]]:
    """The targets this one replaces (earlier) and that replace it (later), transitively,
    across the target sets: 2 queries (the links, and the targets they name)."""
    through = Target.replaces.through
    links = list(through.objects.values_list("from_target_id", "to_target_id"))
    earlier_of: dict[int, list[int]] = defaultdict(list)  # target → the targets it replaces
    later_of: dict[int, list[int]] = defaultdict(list)  # target → the targets replacing it
    for later, earlier in links:
        earlier_of[later].append(earlier)
        later_of[earlier].append(later)

    def walk(start: int, step: dict[int, list[int]]) -> dict[int, int]:
        depth: dict[int, int] = {}
        frontier, level = [start], 0
        while frontier:
            level += 1
            following = []
            for pk in frontier:
                for other in step.get(pk, []):
                    if other not in depth and other != start:
                        depth[other] = level
                        following.append(other)
            frontier = following
        return depth

    earlier, later = walk(target.pk, earlier_of), walk(target.pk, later_of)
    wanted = set(earlier) | set(later)
    if not wanted:
        return [], []
    url = _path("reports:target", "code")
    found = {
        row["pk"]: row
        for row in Target.objects.filter(pk__in=wanted).values(
            "pk", "code", "number", "title", "target_set__title", "target_set__order"
        )
    }

    def linked(depths: dict[int, int]) -> list[LinkedTarget]:
        rows = sorted(
            (found[pk] for pk in depths if pk in found),
            key=lambda row: (depths[row["pk"]], row["target_set__order"], row["number"]),
        )
        return [
            LinkedTarget(
                code=row["code"],
                number=row["number"],
                title=row["title"],
                target_set=row["target_set__title"],
                url=url(row["code"]),
                depth=depths[row["pk"]],
            )
            for row in rows
        ]

    return linked(earlier), linked(later)


def _quarter_range(quarters: Iterable[Quarter], also: Quarter | None = None) -> list[Quarter]:
    """Every quarter from the first to the last (gaps filled): the latest MAX_QUARTERS of
    them, or, when ``also`` is older than those, the MAX_QUARTERS from ``also`` on."""
    found = set(quarters) | ({also} if also else set())
    if not found:
        return []
    first, last = min(found).index, max(found).index
    first = max(first, last - MAX_QUARTERS + 1)
    if also is not None and also.index < first:
        first, last = also.index, also.index + MAX_QUARTERS - 1
    return [Quarter.from_index(index) for index in range(first, last + 1)]


def _authorities_for_rating(sub_region_ids: list[int]) -> list[dict]:
    """The active authorities of the sub-regions, as ``returns.overall`` reads them."""
    return list(
        Authority.objects.active()
        .filter(sub_region__in=sub_region_ids)
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .values("id", "slug", "name", "short_name", "kind", "sub_region_id", "leads_laa")
    )


def target_series(
    *, user, target: Target, quarters: Sequence[Quarter] | None = None, also: Quarter | None = None
) -> tuple[dict[Quarter, tuple[TargetOverall, list[SubRegionRef]]], bool, str]:
    """One target's overall ratings quarter by quarter, as ``overall_ratings`` gives them for
    each quarter, in 4 queries whatever the number of quarters: the sub-regions, the returns,
    the target's lines, the authorities. Returns ({quarter: (TargetOverall, sub-region refs)},
    whole_region, scope_note); the quarters are ``quarters``, or those with returns (gaps
    filled, at most MAX_QUARTERS) and ``also``."""
    all_sub_regions = list(SubRegion.objects.order_by("order", "name"))
    visible = visible_sub_regions(user, all_sub_regions)
    whole_region = bool(visible) and len(visible) == len(all_sub_regions)
    scope_note = _scope_note(visible, whole_region=whole_region)
    visible_ids = [sub_region.pk for sub_region in visible]
    returns = Return.objects.for_user(user).filter(
        target_set_id=target.target_set_id, sub_region__in=visible_ids
    )
    by_quarter: dict[Quarter, dict[int, dict]] = defaultdict(dict)
    for row in returns.values("id", "sub_region_id", "status", "version", "year", "quarter"):
        by_quarter[Quarter(row["year"], row["quarter"])][row["sub_region_id"]] = row
    if quarters is None:
        quarters = _quarter_range(by_quarter, also)
    wanted = set(quarters)
    lines_by_quarter: dict[Quarter, list[dict]] = defaultdict(list)
    lines = ReturnLine.objects.filter(return_obj__in=returns, target=target).values(
        *_LINE_FIELDS, "return_obj__year", "return_obj__quarter"
    )
    for line in lines:
        quarter = Quarter(line["return_obj__year"], line["return_obj__quarter"])
        if quarter in wanted:
            lines_by_quarter[quarter].append(line)
    authorities = _authorities_for_rating(visible_ids)
    series = {}
    for quarter in quarters:
        returned = by_quarter.get(quarter, {})
        refs = _sub_region_refs(visible, returned)
        item = _target_overall(
            target,
            lines=lines_by_quarter.get(quarter, []),
            authorities=authorities,
            refs=refs,
            slug_of={ref.pk: ref.slug for ref in refs},
            scope_note=scope_note,
        )
        series[quarter] = (item, refs)
    return series, whole_region, scope_note


def build_target(
    *, user, target: Target, quarter: Quarter, filters: Filters | None = None
) -> TargetView:
    """One target's page (``target`` from ``target_for_page``): 6 queries more than it."""
    filters = filters or Filters()
    series, whole_region, scope_note = target_series(user=user, target=target, also=quarter)
    set_info = SetInfo.of(target.target_set)
    info = TargetInfo.of(
        target,
        theme=target.theme.name,
        target_set=set_info,
        url=reverse("reports:target", args=[target.code]),
    )
    authority_url = _path("reports:authority", "slug")
    sub_region_url = _path("reports:sub-region", "slug")
    line_url = _path("returns:line", 1, 2)
    chosen = filters.sub_region

    def scoped(item: TargetOverall) -> tuple[list[LineRow], OverallRating]:
        """The rows and the overall rating of the scope shown: a sub-region or the region."""
        subs, region = _overalls(item, kind=filters.kind, scope_note=scope_note)
        if chosen:
            rows = _rows_of_kind(item.lines_by_sub_region.get(chosen, []), filters.kind)
            return rows, subs.get(chosen) or overall_rating(item.rule, [])
        rows = [
            row
            for sub_region_rows in item.lines_by_sub_region.values()
            for row in _rows_of_kind(sub_region_rows, filters.kind)
        ]
        return rows, region

    item, refs = series[quarter]
    infos = {ref.slug: _sub_region_info(ref, sub_region_url) for ref in refs}
    returns_by_slug = {ref.slug: ref.return_id for ref in refs}
    rows, overall = scoped(item)
    lines = []
    for row in rows:
        return_id = returns_by_slug.get(row.sub_region_slug)
        cell = _line_cell(row, info, line_url, return_id, row.authority_short_name)
        if filters.rating and cell.mark.code != filters.rating:
            continue
        lines.append(
            AuthorityLine(
                authority=AuthorityInfo(
                    slug=row.authority_slug,
                    name=row.authority_name,
                    short_name=row.authority_short_name,
                    kind=row.authority_kind,
                    url=authority_url(row.authority_slug),
                ),
                sub_region=infos[row.sub_region_slug].name,
                cell=cell,
            )
        )
    subs, _ = _overalls(item, kind=filters.kind, scope_note=scope_note)
    sub_regions = [
        (
            infos[ref.slug],
            OverallCell.of(subs[ref.slug], url=infos[ref.slug].url, where=infos[ref.slug].name),
        )
        for ref in refs
        if not chosen or ref.slug == chosen
    ]
    trend = []
    for point_quarter, (point_item, point_refs) in series.items():
        point_rows, point_overall = scoped(point_item)
        trend.append(
            TrendPoint(
                quarter=point_quarter,
                counts=Counts.of(Mark.of(row.effective) for row in point_rows),
                overall=OverallCell.of(point_overall),
                has_returns=any(ref.has_return for ref in point_refs),
            )
        )
    earlier, later = lineage(target)
    distribution = Counts.of(line.cell.mark for line in lines)
    scope = _where(whole_region=whole_region, columns=list(infos.values()), filters=filters)
    return TargetView(
        target=info,
        quarter=quarter,
        lines=lines,
        overall=OverallCell.of(overall),
        sub_regions=sub_regions,
        distribution=distribution,
        trend=trend,
        earlier=earlier,
        later=later,
        headline=headline(
            distribution, where=scope, quarter=quarter, what="authority", whats="authorities"
        ),
        scope=scope,
        whole_region=whole_region,
        scope_note=scope_note,
        filters=filters,
    )


# ============================================================================== an authority


@dataclass
class AuthorityView:
    authority: AuthorityInfo
    sub_region: SubRegionInfo
    laa: str
    target_set: SetInfo
    quarters: list[Quarter]
    returns: list[SubRegionInfo]  # the sub-region's return of each quarter (status), in order
    targets: list[TargetInfo]
    themes: list[ThemeGroup]  # groups of AuthorityTargetRow
    latest_counts: Counts  # the targets by this authority's rating in the latest quarter shown
    headline: str
    filters: Filters

    @property
    def columns(self) -> list[tuple[Quarter, SubRegionInfo]]:
        """Each quarter with the sub-region's return for it (its status)."""
        return list(zip(self.quarters, self.returns, strict=True))


@dataclass(frozen=True)
class AuthorityTargetRow:
    target: TargetInfo
    cells: list[LineCell]  # one per quarter of AuthorityView.quarters

    @property
    def latest(self) -> LineCell | None:
        return self.cells[-1] if self.cells else None


def authority_for_page(slug: str) -> Authority:
    """The authority with its sub-region, LAA and whether it leads an LAA (1 query)."""
    return (
        Authority.objects.select_related("sub_region", "laa_area")
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .get(slug=slug)
    )


def build_authority(
    *,
    user,
    authority: Authority,
    target_set: TargetSet,
    quarters: Sequence[Quarter] | None = None,
    filters: Filters | None = None,
) -> AuthorityView:
    """One authority (from ``authority_for_page``), all the set's targets quarter by quarter:
    5 queries. ``quarters``: those of the set's returns the user may see (gaps filled, at most
    MAX_QUARTERS) when not given. ``NotVisible`` if the user may not see its sub-region."""
    filters = filters or Filters()
    sub_region = authority.sub_region
    if not visible_sub_regions(user, [sub_region]):
        raise NotVisible(authority.slug)
    set_info = SetInfo.of(target_set)
    target_url = _path("reports:target", "code")
    line_url = _path("returns:line", 1, 2)
    themes = _theme_names(target_set)
    targets = list(
        Target.objects.filter(target_set=target_set)
        .select_related("measure")
        .prefetch_related("measure__levels")
        .order_by("theme__order", "priority", "id")
    )
    visible_returns = Return.objects.for_user(user).filter(target_set=target_set)
    own: dict[Quarter, dict] = {}
    seen: set[Quarter] = set()
    for row in visible_returns.values("id", "sub_region_id", "status", "year", "quarter"):
        quarter = Quarter(row["year"], row["quarter"])
        seen.add(quarter)
        if row["sub_region_id"] == sub_region.pk:
            own[quarter] = row
    quarters = list(quarters) if quarters is not None else _quarter_range(seen)
    lines: dict[tuple[int, Quarter], dict] = {}
    for line in ReturnLine.objects.filter(
        return_obj__in=visible_returns.filter(sub_region=sub_region), authority=authority
    ).values(*_LINE_FIELDS, "return_obj__year", "return_obj__quarter"):
        quarter = Quarter(line["return_obj__year"], line["return_obj__quarter"])
        lines[(line["target_id"], quarter)] = line

    leads_laa = getattr(authority, "leads_laa", None)
    if leads_laa is None:
        leads_laa = LAAArea.objects.filter(lead_authority=authority).exists()
    rows = []
    for target in targets:
        if filters.theme and target.theme_id != filters.theme:
            continue
        info = TargetInfo.of(
            target,
            theme=themes.get(target.theme_id, ""),
            target_set=set_info,
            url=target_url(target.code),
        )
        rule = rating_rule(target)
        applies = target_applies(
            scope=target.scope,
            applies_to=target.applies_to,
            kind=authority.kind,
            leads_laa=leads_laa,
        )
        cells = []
        for quarter in quarters:
            line = lines.get((target.pk, quarter))
            returned = own.get(quarter)
            where = f"target {target.number}, {quarter}"
            if line is not None:
                row = _row_from_line(line, sub_region.slug, rule)
                return_id = returned["id"] if returned else None
                cells.append(_line_cell(row, info, line_url, return_id, where))
            elif not applies:
                why = _does_not_apply(info, authority.kind)
                cells.append(_empty_cell("does_not_apply", info, why, where))
            elif returned is None:
                why = f"{sub_region.name} made no return of {set_info.title} for {quarter}."
                cells.append(_empty_cell(LineState.NO_RETURN, info, why, where))
            else:
                why = f"{sub_region.name}'s return for {quarter} has no line for this authority."
                cells.append(_empty_cell("no_line", info, why, where))
        row = AuthorityTargetRow(target=info, cells=cells)
        if filters.rating and (row.latest is None or row.latest.mark.code != filters.rating):
            continue
        rows.append(row)
    sub_region_url = _path("reports:sub-region", "slug")
    returns = [
        SubRegionInfo(
            slug=sub_region.slug,
            name=sub_region.name,
            return_id=own[quarter]["id"] if quarter in own else None,
            return_status=own[quarter]["status"] if quarter in own else None,
            url=sub_region_url(sub_region.slug),
        )
        for quarter in quarters
    ]
    latest_counts = Counts.of(row.latest.mark for row in rows if row.latest is not None)
    info = AuthorityInfo(
        slug=authority.slug,
        name=authority.name,
        short_name=authority.short_name,
        kind=authority.kind,
        url=reverse("reports:authority", args=[authority.slug]),
    )
    return AuthorityView(
        authority=info,
        sub_region=SubRegionInfo(
            slug=sub_region.slug,
            name=sub_region.name,
            return_id=None,
            return_status=None,
            url=sub_region_url(sub_region.slug),
        ),
        laa=authority.laa_area.name if authority.laa_area_id else "",
        target_set=set_info,
        quarters=quarters,
        returns=returns,
        targets=[row.target for row in rows],
        themes=_group(rows, lambda row: row.target.theme),
        latest_counts=latest_counts,
        headline=(
            headline(latest_counts, where=authority.name, quarter=quarters[-1])
            if quarters
            else f"No return of {set_info.title} yet."
        ),
        filters=filters,
    )


# ============================================================================ a comparison


@dataclass(frozen=True)
class CompareCell:
    before: OverallCell
    after: OverallCell

    @cached_property
    def movement(self) -> Movement:
        return movement(self.before.mark, self.after.mark)


@dataclass(frozen=True)
class CompareRow:
    target: TargetInfo
    region: CompareCell
    cells: list[CompareCell]  # one per column
    improved: int  # authorities whose line's rating improved
    worse: int  # ... got worse
    same: int  # ... stayed the same R, A or G


@dataclass
class Comparison:
    target_set: SetInfo
    quarter: Quarter  # the later quarter
    against: Quarter  # the earlier quarter
    columns: list[SubRegionInfo]
    themes: list[ThemeGroup]  # groups of CompareRow
    movements: dict[str, int]  # the region's movements: improved, same, worse, unknown
    headline: str
    whole_region: bool
    scope_note: str
    filters: Filters
    region_label: str = "Region"

    @property
    def rows(self) -> list[CompareRow]:
        return [row for group in self.themes for row in group.rows]


def build_comparison(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    against: Quarter,
    filters: Filters | None = None,
) -> Comparison:
    """Two quarters side by side (13 queries: twice ``overall_ratings``, and the themes).
    ``against`` is the quarter compared with; the movement reads from it to ``quarter``."""
    filters = filters or Filters()
    earlier_q, later_q = sorted([quarter, against])
    before = overall_ratings(user=user, target_set=target_set, quarter=earlier_q)
    after = overall_ratings(user=user, target_set=target_set, quarter=later_q)
    themes = _theme_names(target_set)
    set_info = SetInfo.of(target_set)
    target_url = _path("reports:target", "code")
    sub_region_url = _path("reports:sub-region", "slug")
    columns = [
        _sub_region_info(ref, sub_region_url)
        for ref in after.sub_regions
        if not filters.sub_region or ref.slug == filters.sub_region
    ]
    earlier_by_target = {item.target.pk: item for item in before.targets}
    rows = []
    tally = {"improved": 0, "same": 0, "worse": 0, "unknown": 0}
    for item in after.targets:
        if filters.theme and item.target.theme_id != filters.theme:
            continue
        old = earlier_by_target[item.target.pk]
        info = TargetInfo.of(
            item.target,
            theme=themes.get(item.target.theme_id, ""),
            target_set=set_info,
            url=target_url(item.target.code),
        )
        subs_after, region_after = _overalls(item, kind=filters.kind, scope_note=after.scope_note)
        subs_before, region_before = _overalls(old, kind=filters.kind, scope_note=before.scope_note)
        cells = [
            CompareCell(
                before=OverallCell.of(subs_before[column.slug], where=column.name),
                after=OverallCell.of(subs_after[column.slug], where=column.name),
            )
            for column in columns
        ]
        region_where = "the region" if after.whole_region else "what you may see"
        region = CompareCell(
            before=OverallCell.of(region_before, where=region_where),
            after=OverallCell.of(region_after, where=region_where),
        )
        judged = cells[0] if filters.sub_region and cells else region
        if filters.rating and judged.after.mark.code != filters.rating:
            continue
        moves = {"improved": 0, "same": 0, "worse": 0}
        slugs = [column.slug for column in columns]
        earlier_rows = {
            row.authority_slug: row
            for slug in slugs
            for row in _rows_of_kind(old.lines_by_sub_region.get(slug, []), filters.kind)
        }
        for slug in slugs:
            for row in _rows_of_kind(item.lines_by_sub_region.get(slug, []), filters.kind):
                previous = earlier_rows.get(row.authority_slug)
                if previous is None:
                    continue
                moved = movement(Mark.of(previous.effective), Mark.of(row.effective))
                if moved.code in moves:
                    moves[moved.code] += 1
        tally[judged.movement.code] += 1
        rows.append(
            CompareRow(
                target=info,
                region=region,
                cells=cells,
                improved=moves["improved"],
                worse=moves["worse"],
                same=moves["same"],
            )
        )
    where = _where(whole_region=after.whole_region, columns=columns, filters=filters)
    total = sum(tally.values())
    if total:
        parts = [
            (tally["improved"], "improved"),
            (tally["same"], "stayed the same"),
            (tally["worse"], "got worse"),
            (tally["unknown"], "cannot be compared"),
        ]
        words = [f"{count} {word}" for count, word in parts if count]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        target_word = "target" if total == 1 else "targets"
        text = f"From {earlier_q} to {later_q}, of {total} {target_word} for {where}: {listed}."
    else:
        text = f"No targets to compare for {where}."
    region_label = "Region" if after.whole_region else "Over what you may see"
    if filters.kind:
        region_label += f" ({filters.kind_label} only)"
    return Comparison(
        target_set=set_info,
        quarter=later_q,
        against=earlier_q,
        columns=columns,
        themes=_group(rows, lambda row: row.target.theme),
        movements=tally,
        headline=text,
        whole_region=after.whole_region,
        scope_note=after.scope_note,
        filters=filters,
        region_label=region_label,
    )
