"""The returns list (django-tables2) and the return grid (plain rows for a template loop).

The grid is authorities (rows) × targets (columns, grouped by theme, in priority order). It is
built from one query for the targets (with their themes, measures and levels) and one for the
lines (with their authorities), then laid out in Python; the template only loops over rows and
cells, so a 46 × 26 grid costs no more queries than a 2 × 2 one. The sub-region's overall row
comes from returns.overall (the same figures the dashboards and Board papers show).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html

from authorities.models import Authority, AuthorityKind
from targets.models import Target, level_labels
from targets.rules import format_value
from targets.vocabulary import RATINGS

from .models import Basis, LineState, Rating, Return, ReturnLine
from .selectors import StoredOverall, quarter_ratings

if TYPE_CHECKING:
    from django.forms import BoundField, Form

# ------------------------------------------------------------------------------ returns list


class ReturnTable(tables.Table):
    period = tables.Column(
        verbose_name="Quarter",
        order_by=("year", "quarter"),
        linkify=("returns:detail", [tables.A("pk")]),
    )
    sub_region = tables.Column(verbose_name="Sub-region", order_by=("sub_region__order",))
    target_set = tables.Column(verbose_name="Target set", order_by=("target_set__order",))
    status = tables.Column()
    progress = tables.Column(verbose_name="Values given", accessor="line_count", orderable=False)
    deadline = tables.Column(verbose_name="Deadline", empty_values=(), orderable=False)
    updated_at = tables.DateTimeColumn(verbose_name="Last changed", format="j M Y, H:i")

    #: Return id → (the deadline as text, whether it is overdue or was late): set by the view
    #: for the returns of the page (returns.deadlines.deadline_texts).
    deadline_of: dict[int, tuple[str, bool]] = {}

    class Meta:
        model = Return
        fields = [
            "period",
            "sub_region",
            "target_set",
            "status",
            "progress",
            "deadline",
            "updated_at",
        ]
        attrs = {"class": "data-table"}
        empty_text = "No return matches these filters."

    def render_status(self, record):
        return format_html(
            '<span class="badge badge--status-{}">{}</span>',
            record.status,
            record.get_status_display(),
        )

    def render_progress(self, record):
        return f"{record.value_count} of {record.line_count}"

    def render_deadline(self, record):
        text, marked = self.deadline_of.get(record.pk, ("", False))
        if not marked:
            return text
        word = "Late" if text.startswith("late") else "Overdue"
        return format_html(
            '<span class="badge badge--overdue">{}</span> <span class="small">{}</span>', word, text
        )


# --------------------------------------------------------------------------------- the grid

#: Rows in the order the papers list councils: the county, the unitaries, then the districts.
KIND_ORDER = {
    AuthorityKind.COUNTY: 0,
    AuthorityKind.UNITARY: 1,
    AuthorityKind.DISTRICT: 2,
    AuthorityKind.NATIONAL_PARK: 3,
    AuthorityKind.FIRE_RESCUE: 4,
}

#: The letter a cell prints for each stored rating: the one vocabulary's (targets.vocabulary).
_RAG_TEXT = {Rating(code): term.letter for code, term in RATINGS.items() if code != "none"}


@dataclass(frozen=True)
class Rag:
    """A rating as the page shows it: a letter (never colour alone), a label and a CSS class."""

    code: str
    text: str
    label: str

    @property
    def css(self) -> str:
        return f"rag rag--{self.code}"


_STATE_TEXT = {
    LineState.AWAITING: "awaiting",
    LineState.NO_RETURN: "no return",
    LineState.NOT_APPLICABLE: "n/a",
    LineState.VALUE: "no value",
    LineState.MET: "met",
    LineState.NOT_MET: "not met",
    LineState.PROGRESS: "by hand",
    LineState.NOT_YET_DUE: "not yet due",
}

NOT_RATED = Rag(code="NA", text="–", label="Not rated")


def rag(code: str | None) -> Rag:
    """The display of a stored rating code ("R", "A", "G", "GREY", "NA"); "" or None: not rated."""
    if not code:
        return NOT_RATED
    rating = Rating(code)
    return Rag(code=rating.value, text=_RAG_TEXT[rating], label=rating.label)


@dataclass
class Cell:
    authority: Authority
    target: Target
    line: ReturnLine | None
    field: BoundField | None = None
    changed_meanwhile: bool = False  # by someone else, since this person's page was loaded
    kept: bool = False  # ... and this person's own entry for it is shown again

    @property
    def applies(self) -> bool:
        return self.line is not None

    @property
    def rag(self) -> Rag:
        return rag(self.line.effective_rating if self.line else None)

    @property
    def value_text(self) -> str:
        """The value as the papers write it, or the state when there is none."""
        line = self.line
        if line is None:
            return "n/a"
        if line.actual is None:
            return _STATE_TEXT.get(line.state, "")
        measure = self.target.measure
        return format_value(
            line.actual, measure_kind=measure.kind, unit=measure.unit, levels=self.target.levels
        )

    @property
    def has_comment(self) -> bool:
        return bool(self.line and self.line.comment.strip())

    @property
    def label(self) -> str:
        """The input's accessible name: "Amber Valley – target 3 actual"."""
        return cell_label(self.authority, self.target)

    @property
    def name(self) -> str:
        return f"{self.authority.short_name} – target {self.target.number}"

    @property
    def url(self) -> str:
        if self.line is None:
            return ""
        return reverse("returns:line", args=[self.line.return_obj_id, self.line.pk])


@dataclass
class Row:
    authority: Authority
    cells: list[Cell]


@dataclass
class ThemeHeader:
    name: str
    span: int


@dataclass
class OverallCell:
    """The sub-region's overall rating of a target: the rule's, and the sub-region's own."""

    target: Target
    result: StoredOverall

    @property
    def rag(self) -> Rag:
        return rag(self.result.rating.value if self.result.rating else None)

    @property
    def reported_rag(self) -> Rag | None:
        reported = self.result.reported
        return rag(reported.value) if reported else None


@dataclass
class Grid:
    return_obj: Return
    targets: list[Target]
    themes: list[ThemeHeader]
    rows: list[Row]
    overall: list[OverallCell]
    lines: list[ReturnLine] = field(default_factory=list)

    @property
    def cells(self):
        for row in self.rows:
            yield from row.cells

    def bind(self, form: Form, field_name) -> None:
        """Give each cell with a line its bound field of `form` (named by `field_name(line)`)."""
        for cell in self.cells:
            if cell.line is not None:
                cell.field = form[field_name(cell.line)]


def cell_label(authority: Authority, target: Target) -> str:
    return f"{authority.short_name} – target {target.number} actual"


def grid_targets(return_obj: Return) -> list[Target]:
    """The return's target set's targets, by theme then priority, with what rating needs."""
    targets = list(
        Target.objects.filter(target_set_id=return_obj.target_set_id)
        .select_related("theme", "measure")
        .prefetch_related("measure__levels")
        .order_by("theme__order", "theme__name", "priority", "id")
    )
    for target in targets:
        target.levels = level_labels(target.measure)
    return targets


def build_grid(return_obj: Return, *, user) -> Grid:
    """The grid of a return: two queries (targets with their levels, lines with authorities),
    and the sub-region's stored overall row (returns.selectors: a constant handful more)."""
    targets = grid_targets(return_obj)
    by_id = {target.pk: target for target in targets}
    lines = list(
        ReturnLine.objects.filter(return_obj=return_obj)
        .select_related("authority")
        .order_by("authority__name", "target_id")
    )
    cells: dict[tuple[int, int], ReturnLine] = {}
    authorities: dict[int, Authority] = {}
    for line in lines:
        line.target = by_id[line.target_id]
        line.return_obj = return_obj
        cells[(line.authority_id, line.target_id)] = line
        authorities.setdefault(line.authority_id, line.authority)

    ordered = sorted(authorities.values(), key=lambda a: (KIND_ORDER.get(a.kind, 9), a.name))
    rows = [
        Row(
            authority=authority,
            cells=[
                Cell(authority=authority, target=target, line=cells.get((authority.pk, target.pk)))
                for target in targets
            ],
        )
        for authority in ordered
    ]
    themes: list[ThemeHeader] = []
    for target in targets:
        if themes and themes[-1].name == target.theme.name:
            themes[-1].span += 1
        else:
            themes.append(ThemeHeader(name=target.theme.name, span=1))
    ratings = quarter_ratings(
        user=user,
        target_set=return_obj.target_set,
        quarter=return_obj.period,
        basis=Basis.ALL,
        sub_region=return_obj.sub_region,
        targets=targets,
    )
    refs = ratings.sub_regions
    overall = [
        OverallCell(
            target=target,
            result=ratings.sub_region(target.pk, refs[0])
            if refs
            else StoredOverall.none_made(who=return_obj.sub_region.name),
        )
        for target in targets
    ]
    return Grid(
        return_obj=return_obj,
        targets=targets,
        themes=themes,
        rows=rows,
        overall=overall,
        lines=lines,
    )


# ----------------------------------------------------------------------------- line history

#: The fields a line's history shows, in this order, with their labels.
HISTORY_FIELDS = {
    "state": "State",
    "actual": "Value",
    "target_value": "Target value",
    "date_of_data": "Date of data",
    "manual_rating": "The sub-region's own rating",
    "manual_reason": "Reason for the rating",
    "state_reason": "Why it does not apply",
    "scope": "Scope",
    "comment": "Comment",
    "source": "Source",
    "effective_rating": "Rating",
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    channel: str
    created: bool
    changes: list[FieldChange]


def field_text(line: ReturnLine, name: str, value: object) -> str:
    if value is None or value == "":
        return "(empty)" if name not in {"manual_rating"} else "none"
    if name in {"actual", "target_value"}:
        measure = line.target.measure
        return format_value(
            Decimal(value),
            measure_kind=measure.kind,
            unit=measure.unit,
            levels=level_labels(measure),
        )
    if name == "state":
        return LineState(value).label
    if name == "scope":
        return "outside the target's scope" if value == "outside" else "in the target's scope"
    if name in {"manual_rating", "effective_rating"}:
        return Rating(value).label
    if name == "date_of_data":
        return date_format(value, "j M Y")
    return str(value)


def line_history(line: ReturnLine) -> list[HistoryEntry]:
    """The line's history, newest first: who, when, through which channel (the change reason),
    and each field's old → new value (simple-history's diff against the record before).
    One query, with the users."""
    records = list(
        line.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        if previous is None:
            changes = [
                FieldChange(label, "", field_text(line, name, getattr(record, name)))
                for name, label in HISTORY_FIELDS.items()
                if getattr(record, name) not in (None, "")
            ]
        else:
            delta = record.diff_against(previous, included_fields=list(HISTORY_FIELDS))
            by_field = {change.field: change for change in delta.changes}
            changes = [
                FieldChange(
                    label,
                    field_text(line, name, by_field[name].old),
                    field_text(line, name, by_field[name].new),
                )
                for name, label in HISTORY_FIELDS.items()
                if name in by_field
            ]
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "unknown",
                channel=record.history_change_reason or "",
                created=previous is None,
                changes=changes,
            )
        )
    return entries
