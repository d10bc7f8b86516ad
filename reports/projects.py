"""The projects' pages: the list, and a project with the current ratings of its targets.

A project (targets.projects, seed 002 item 5) serves targets of the partnership's sets. Its page
shows, for each target, the stored overall rating of the latest quarter the reader may see
(returns.selectors: the one visibility rule, the reader's basis), for the region and for the
project's own sub-region. The list is a django-tables2 table. A target's dashboard lists the
projects that serve it (``projects_serving``).

Views are thin: sign-in, ``targets.view_project``, one builder, one template.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import django_tables2 as tables
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views import View

from returns.models import Basis, ReturnStatus
from returns.periods import Quarter
from returns.selectors import quarter_ratings, quarters_with_returns
from targets.models import Project, ProjectAuthority, ProjectTarget, Target, TargetSet

from .dashboards import OverallCell
from .filters import default_basis
from .regions import projects_of

__all__ = [
    "ProjectDetailView",
    "ProjectListView",
    "ProjectPage",
    "ProjectTable",
    "build_project",
    "projects_serving",
]

PERMISSION = "targets.view_project"


# ------------------------------------------------------------------------------ the data


@dataclass(frozen=True)
class ServedTarget:
    """A target a project serves, with its current stored rating."""

    code: str
    number: str
    title: str
    target_set: str
    url: str
    words: str  # the paper's words naming it
    source: str
    quarter: Quarter | None  # the latest quarter with a return the reader may see
    region: OverallCell | None  # the region's rating then (None: no return)
    sub_region: OverallCell | None  # the project's SRP's rating then (None: none, or hidden)


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    leads: list[ProjectAuthority]
    partners: list[ProjectAuthority]
    targets: list[ServedTarget]
    basis: str
    scope_note: str


def _latest(user, target_set: TargetSet, basis: str) -> Quarter | None:
    """The newest quarter of the set with a return on the basis that the user may see."""
    status = ReturnStatus.APPROVED if basis == Basis.APPROVED else None
    quarters = quarters_with_returns(user=user, target_set_id=target_set.pk, status=status)
    return quarters[0] if quarters else None


def build_project(*, user, project: Project, basis: str) -> ProjectPage:
    """A project's page: its authorities, and each target it serves with the stored overall
    rating of the latest quarter (a handful of queries per target set served, whatever the
    number of targets or lines)."""
    links = list(
        project.target_links.select_related("target__target_set").order_by(
            "target__target_set__order", "target__theme__order", "target__priority"
        )
    )
    authorities = list(project.authorities.select_related("authority"))
    by_set: dict[int, list[ProjectTarget]] = defaultdict(list)
    sets: dict[int, TargetSet] = {}
    for link in links:
        by_set[link.target.target_set_id].append(link)
        sets[link.target.target_set_id] = link.target.target_set
    served: dict[int, ServedTarget] = {}
    notes = []
    for set_id, set_links in by_set.items():
        target_set = sets[set_id]
        quarter = _latest(user, target_set, basis)
        ratings = None
        if quarter is not None:
            ratings = quarter_ratings(
                user=user,
                target_set=target_set,
                quarter=quarter,
                basis=basis,
                targets=[link.target for link in set_links],
            )
            if ratings.scope_note and ratings.scope_note not in notes:
                notes.append(ratings.scope_note)
        for link in set_links:
            served[link.pk] = _served(link, quarter, ratings, project, basis)
    return ProjectPage(
        project=project,
        leads=[item for item in authorities if item.role == "lead"],
        partners=[item for item in authorities if item.role == "partner"],
        targets=[served[link.pk] for link in links],
        basis=basis,
        scope_note=" ".join(notes),
    )


def _served(link: ProjectTarget, quarter, ratings, project: Project, basis: str) -> ServedTarget:
    target = link.target
    region = sub_region = None
    if ratings is not None and ratings.regions:
        region = OverallCell.of(
            ratings.region(target.pk, ratings.regions[0]),
            basis=basis,
            where=ratings.regions[0].name,
        )
        own = [ref for ref in ratings.sub_regions if ref.pk == project.sub_region_id]
        if own:
            sub_region = OverallCell.of(
                ratings.sub_region(target.pk, own[0]), basis=basis, where=own[0].name
            )
    return ServedTarget(
        code=target.code,
        number=target.number,
        title=target.title,
        target_set=target.target_set.title,
        url=reverse("reports:target", args=[target.code]),
        words=link.words,
        source=link.source,
        quarter=quarter,
        region=region,
        sub_region=sub_region,
    )


@dataclass(frozen=True)
class ProjectLink:
    """A project that serves a target, as the target's page lists it."""

    slug: str
    title: str
    sub_region: str
    status: str
    amount_bid: Decimal | None
    words: str
    url: str


def projects_serving(target: Target) -> list[ProjectLink]:
    """The projects that serve ``target``, with the paper's words (one query)."""
    links = (
        ProjectTarget.objects.filter(target=target)
        .select_related("project__sub_region")
        .order_by("project__order", "project__title")
    )
    return [
        ProjectLink(
            slug=link.project.slug,
            title=link.project.title,
            sub_region=link.project.sub_region.name if link.project.sub_region else "Regional",
            status=link.project.get_status_display(),
            amount_bid=link.project.amount_bid,
            words=link.words,
            url=reverse("projects:detail", args=[link.project.slug]),
        )
        for link in links
    ]


def pounds(amount: Decimal | None) -> str:
    """£160,000; "not given" where the paper gives no amount."""
    if amount is None:
        return "not given"
    return f"£{amount:,.0f}" if amount == amount.to_integral_value() else f"£{amount:,.2f}"


# ------------------------------------------------------------------------------ the list


class ProjectTable(tables.Table):
    """One row per project: who bid, kind, status, money, the targets it serves."""

    title = tables.Column(verbose_name="Project", attrs={"th": {"scope": "col"}})
    sub_region = tables.Column(
        verbose_name="Bid by",
        accessor="sub_region__name",
        default="The partnership (regional)",
        attrs={"th": {"scope": "col"}},
    )
    kind = tables.Column(verbose_name="Kind", attrs={"th": {"scope": "col"}})
    status = tables.Column(verbose_name="Status", attrs={"th": {"scope": "col"}})
    amount_bid = tables.Column(
        verbose_name="Bid", attrs={"th": {"scope": "col"}, "td": {"class": "num"}}, empty_values=()
    )
    amount_approved = tables.Column(
        verbose_name="Approved",
        attrs={"th": {"scope": "col"}, "td": {"class": "num"}},
        empty_values=(),
    )
    targets = tables.Column(
        verbose_name="Targets served",
        accessor="target_links",
        orderable=False,
        empty_values=(),
        attrs={"th": {"scope": "col"}},
    )

    class Meta:
        model = Project
        fields = ["title", "sub_region", "kind", "status", "amount_bid", "amount_approved"]
        attrs = {"class": "data-table project-table"}
        empty_text = "No project is recorded."
        order_by = ("sub_region",)

    def render_title(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("projects:detail", args=[record.slug]), record.title
        )

    def render_amount_bid(self, record):
        return pounds(record.amount_bid)

    def render_amount_approved(self, record):
        return pounds(record.amount_approved)

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return record.get_status_display()

    def render_targets(self, record):
        links = list(record.target_links.all())
        if not links:
            return "None named in the papers"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("reports:target", args=[link.target.code]), link.target.number)
                for link in links
            ),
        )


class ProjectMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = PERMISSION


class ProjectListView(ProjectMixin, tables.SingleTableView):
    """Every project, sortable (3 queries: the projects with their SRP, the target links)."""

    template_name = "reports/projects/list.html"
    table_class = ProjectTable
    table_pagination = False

    def get_queryset(self):
        projects = projects_of(self.request.user, Project.objects.all())
        return projects.select_related("sub_region").prefetch_related(
            Prefetch(
                "target_links",
                queryset=ProjectTarget.objects.select_related("target").order_by(
                    "target__target_set__order", "target__priority"
                ),
            )
        )


class ProjectDetailView(ProjectMixin, View):
    """A project: who bid and takes part, money, decision, and its targets' current ratings."""

    template_name = "reports/projects/detail.html"

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        projects = projects_of(request.user, Project.objects.select_related("sub_region"))
        project = get_object_or_404(projects, slug=slug)
        basis = request.GET.get("basis") or default_basis(request.user)
        if basis not in Basis.values:
            raise Http404("No such basis.")
        page = build_project(user=request.user, project=project, basis=basis)
        context = {
            "page": page,
            "amount_bid": pounds(project.amount_bid),
            "amount_approved": pounds(project.amount_approved),
            "other_basis": Basis.ALL if basis == Basis.APPROVED else Basis.APPROVED,
            "basis_label": Basis(basis).label,
        }
        return TemplateResponse(request, self.template_name, context)
