"""The dashboards' pages: thin views over reports.dashboards.

Each view signs the user in (anonymous → the login page), checks they hold a role that reads
returns (``returns.view_return``: every role; signed in without a role → 403), reads the query
string through ``reports.filters.DashboardFilter`` (bad input → 400 with the messages), calls
one builder, and renders a template that loops over the rows the builder made. A sub-region or
an authority the user may not see (a programme manager's neighbours) is a 404, as for returns.

``DashboardView.build_context(request, **kwargs)`` returns the template and its context without
rendering it, so that bench/bench_dashboards.py can time rendering alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from django_tables2 import RequestConfig

from authorities.models import Authority, SubRegion
from returns.models import Basis
from returns.regions import against_regions, regions_side_by_side
from targets.models import Target
from targets.vocabulary import rating

from . import charts
from .dashboards import (
    NotVisible,
    authority_for_page,
    build_authority,
    build_comparison,
    build_overview,
    build_sub_region,
    build_target,
    target_for_page,
)
from .filters import (
    ALL_FIELDS,
    BadSelection,
    DashboardFilter,
    Selection,
    default_basis,
    load_options,
)
from .plans import commitment_facts
from .projects import projects_serving
from .tables import LineTable

PERMISSION = "returns.view_return"
LINES_PER_PAGE = 100


class DashboardView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Sign-in, role, filters, one builder, one template."""

    permission_required = PERMISSION
    template_name = ""
    fields: tuple[str, ...] = (
        "target_set",
        "period",
        "basis",
        "theme",
        "sub_region",
        "kind",
        "rating",
    )

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            template, context = self.build_context(request, **kwargs)
        except BadSelection as error:
            filters = self.filterset.filters
            errors = [
                (filters[name].label if name in filters else name, messages)
                for name, messages in error.errors.items()
            ]
            return TemplateResponse(
                request,
                "reports/dashboards/bad_request.html",
                {"errors": errors, "back": request.path},
                status=400,
            )
        return TemplateResponse(request, template, context)

    def build_context(self, request: HttpRequest, **kwargs) -> tuple[str, dict[str, Any]]:
        fixed = self.fixed_target_set(**kwargs)
        # The set is known before the options when fixed or named: only its quarters are read.
        named = (request.GET.get("target_set") or "").strip() if "target_set" in self.fields else ""
        options = load_options(request.user, target_set=fixed or named or None)
        self.filterset = DashboardFilter(
            request.GET,
            options=options,
            fields=self.fields,
            request=request,
            target_set=fixed,
        )
        selection = self.filterset.selection()
        context = {
            "filter": self.filterset,
            "selection": selection,
            "notes": selection.notes,
            "query": selection.query(),
            "basis_links": basis_links(selection),
            "chosen": chosen_words(self.filterset),
            **self.get_data(request, selection, **kwargs),
        }
        return self.template_name, context

    def get_data(self, request, selection: Selection, **kwargs) -> dict[str, Any]:
        raise NotImplementedError

    def fixed_target_set(self, **kwargs):
        """The target set the page is about whatever the query says (a target's own set)."""
        return None

    @staticmethod
    def query(selection: Selection, **extra) -> str:
        """The query string that keeps everything the reader chose (``Selection.query``)."""
        return selection.query(**extra)


def basis_links(selection: Selection) -> list[dict[str, Any]]:
    """The switch between approved returns only and every return (marked): links to this
    page with the other basis and every other choice kept."""
    return [
        {
            "label": label,
            "query": selection.query(basis=value),
            "current": selection.basis == value,
        }
        for value, label in (
            (Basis.APPROVED, "Approved returns only"),
            (Basis.ALL, "Include submitted and draft returns"),
        )
    ]


def chosen_words(filterset: DashboardFilter) -> str:
    """What the filters are set to, in words ("2009/10 Q3 · 12 stretch targets"), shown on
    the folded filters of a phone."""
    form = filterset.form
    words = []
    for name, field in form.fields.items():
        value = form.data.get(name)
        if name == "basis" or not value:
            continue
        choices = getattr(field, "choices", None) or getattr(field.widget, "choices", ())
        words.append(str(dict(choices).get(value, value)))
    return " · ".join(words)


class OverviewView(DashboardView):
    """The regional overview: targets by theme × the sub-regions and the region."""

    template_name = "reports/dashboards/overview.html"

    def get_data(self, request, selection, **kwargs):
        overview = build_overview(
            user=request.user,
            target_set=selection.target_set,
            quarter=selection.quarter,
            filters=selection.filters,
            basis=selection.basis,
        )
        return {
            "overview": overview,
            "compare_query": self.query(selection, against=selection.quarter.previous().label),
            "api_url": reverse("api-dashboard-overview") + "?" + self.query(selection),
            "summary_chart": overview_chart(overview),
        }


class SubRegionView(DashboardView):
    """One sub-region: authorities × targets, each cell opening its line."""

    template_name = "reports/dashboards/sub_region.html"
    fields = ("target_set", "period", "basis", "theme", "kind", "rating")

    def get_data(self, request, selection, *, slug: str, **kwargs):
        sub_region = get_object_or_404(SubRegion, slug=slug)
        try:
            view = build_sub_region(
                user=request.user,
                sub_region=sub_region,
                target_set=selection.target_set,
                quarter=selection.quarter,
                filters=selection.filters,
                basis=selection.basis,
            )
        except NotVisible as error:
            raise Http404("You may not see this sub-region's returns.") from error
        return {
            "view": view,
            "api_url": reverse("api-dashboard-sub-region", args=[slug])
            + "?"
            + self.query(selection),
        }


class TargetView(DashboardView):
    """One target: every authority's value, the distribution, the trend, the rule, lineage."""

    template_name = "reports/dashboards/target.html"
    fields = ("period", "basis", "sub_region", "kind", "rating")

    def fixed_target_set(self, *, code: str, **kwargs):
        try:
            self.target = target_for_page(code, user=self.request.user)
        except Target.DoesNotExist as error:
            raise Http404("No such target.") from error
        return self.target.target_set

    def get_data(self, request, selection, *, code: str, **kwargs):
        target = self.target
        view = build_target(
            user=request.user,
            target=target,
            quarter=selection.quarter,
            filters=selection.filters,
            basis=selection.basis,
        )
        table = LineTable(
            view.lines,
            caption=f"{view.target.label}: every authority's value against its target in "
            f"{view.quarter}, {view.scope}",
            query=self.query(selection),
        )
        # A region has about 50 authorities: one page. Nationally, pages of 100 rows keep the
        # page fast (tables2 costs about 2 ms a row; docs/benchmarks.md).
        RequestConfig(request, paginate={"per_page": LINES_PER_PAGE}).configure(table)
        distribution = charts.distribution_chart(
            view.distribution,
            chart_id="distribution",
            title=f"Ratings of target {view.target.number} in {view.quarter}",
            description=f"How the authorities are rated for {view.scope}.",
        )
        trend = charts.trend_chart(
            view.trend,
            chart_id="trend",
            title=f"Target {view.target.number} quarter by quarter",
            description=f"For {view.scope}.",
            overall_label=(
                "Region" if view.whole_region and not selection.filters.sub_region else "Overall"
            ),
        )
        api_query = self.query(selection, target_set=None, theme=None, against=None)
        against = against_regions(
            user=request.user, target=target, quarter=view.quarter, basis=selection.basis
        )
        return {
            "view": view,
            "table": table,
            "distribution_chart": distribution,
            "trend_chart": trend,
            # Targets of other sets: the quarter and the data basis follow, not the set's own
            # choices (a theme of this set means nothing there).
            "lineage_query": self.query(selection, target_set=None, theme=None),
            "api_url": reverse("api-dashboard-target", args=[code]) + "?" + api_query,
            # Issue 13: the projects that serve the target, and a plan commitment's facts.
            "projects": projects_serving(target),
            "commitment": commitment_facts(target),
            # Issue 13: the region against the other regions (an ordinal target; target 17).
            "against": against,
            "against_term": rating(against.rating) if against and against.rating else None,
        }


class AuthorityView(DashboardView):
    """One authority: every target of a set, quarter by quarter."""

    template_name = "reports/dashboards/authority.html"
    fields = ("target_set", "period", "basis", "theme", "rating")

    def get_data(self, request, selection, *, slug: str, **kwargs):
        try:
            authority = authority_for_page(slug)
        except Authority.DoesNotExist as error:
            raise Http404("No such authority.") from error
        try:
            view = build_authority(
                user=request.user,
                authority=authority,
                target_set=selection.target_set,
                filters=selection.filters,
                basis=selection.basis,
            )
        except NotVisible as error:
            raise Http404("You may not see this authority's returns.") from error
        return {
            "view": view,
            "api_url": reverse("api-dashboard-authority", args=[slug])
            + "?"
            + self.query(selection),
        }


class CompareView(DashboardView):
    """Two quarters side by side, with the movement of every rating."""

    template_name = "reports/dashboards/compare.html"
    fields = ALL_FIELDS  # every filter: the comparison has them all

    def get_data(self, request, selection, **kwargs):
        comparison = build_comparison(
            user=request.user,
            target_set=selection.target_set,
            quarter=selection.quarter,
            against=selection.against,
            filters=selection.filters,
            basis=selection.basis,
        )
        return {
            "comparison": comparison,
            "api_url": reverse("api-dashboard-compare") + "?" + self.query(selection),
        }


def overview_chart(overview) -> str:
    """The overview's summary chart: the targets by rating, for the region and each
    sub-region (a column resting on a return not yet approved says so in its label)."""
    rows = []
    if overview.whole_region:
        data = overview.region_data
        rows.append(
            (
                overview.region_label,
                overview.region_counts,
                f"incl. {data.word}" if data.marked else "",
            )
        )
    for column, counts in zip(overview.columns, overview.column_counts, strict=True):
        data = column.data(overview.basis)
        rows.append((column.name, counts, data.word))
    basis = "approved returns only" if overview.basis == "approved" else "all returns"
    return charts.ratings_chart(
        rows,
        chart_id="summary",
        title=f"Targets by overall rating, {overview.quarter}",
        description=f"{overview.target_set.title}, {overview.quarter}, on {basis}. "
        "One bar per column of the table: how many targets are rated each way.",
    )


class RegionsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The regions side by side (returns.regions): every region for a national user, the
    user's own otherwise. Five queries whatever the number of regions or sets."""

    permission_required = PERMISSION
    template_name = "reports/dashboards/regions.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        basis = request.GET.get("basis") or default_basis(request.user)
        if basis not in Basis.values:
            raise Http404("No such basis.")
        regions = [
            {
                "region": region,
                "sets": [
                    {"set": summary, "terms": rated_counts(summary.ratings)}
                    for summary in region.sets
                ],
            }
            for region in regions_side_by_side(user=request.user, basis=basis)
        ]
        context = {"regions": regions, "basis": basis, "bases": Basis.choices}
        return TemplateResponse(request, self.template_name, context)


def rated_counts(ratings: dict[str, int]) -> list[tuple]:
    """(display term, count) for each rating code, worst first (targets.vocabulary)."""
    return sorted(
        ((rating(code), count) for code, count in ratings.items()), key=lambda pair: pair[0].rank
    )
