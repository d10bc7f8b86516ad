"""The improvement plans' pages: the plans and their quarters, and a quarter's progress page,
where the Director (or the council's sub-region's programme manager) records each
commitment's progress on the plan's key with its comment (returns.progress), like the returns
grid: every commitment at once, saved with the version it was read at.

Views are thin: sign-in and role (``returns.view_return``), the return through
``Return.objects.for_user``, the edit right through ``permissions.can_edit_return_of``, a form,
then returns.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views import View

from authorities.models import Authority
from authorities.scope import regions_of
from targets.models import MeasureKind, TargetSet, TargetSetKind
from targets.rules import format_value
from targets.vocabulary import rating

from . import permissions, services
from .errors import InvalidLines, ReturnLocked, StaleReturn
from .forms import FIRST_QUARTER, LAST_QUARTER, cell_field
from .models import MAX_TEXT, Return, ReturnLine
from .periods import Quarter
from .progress import PROGRESS_CHOICES, ProgressProblem, current_progress, progress_fields
from .views import ReturnMixin

__all__ = ["PlanListView", "PlanProgressForm", "PlanProgressView"]

CHANNEL = "web: progress"
_NUMBER_KINDS = {
    MeasureKind.PERCENTAGE,
    MeasureKind.MONEY,
    MeasureKind.DAYS,
    MeasureKind.COUNT,
}


@dataclass
class ProgressRow:
    """One commitment on the page: its line, what it shows, and its fields."""

    line: ReturnLine
    progress: forms.BoundField | None = None
    comment: forms.BoundField | None = None
    value: forms.BoundField | None = None
    target_value: forms.BoundField | None = None
    problem: str = ""

    @property
    def target(self):
        return self.line.target

    @property
    def mark(self):
        return rating(self.line.effective_rating or None)

    @property
    def computed(self):
        return rating(self.line.computed_rating or None)

    @property
    def shown_progress(self) -> str:
        choice, _ = current_progress(self.line)
        return dict(PROGRESS_CHOICES).get(choice, choice)

    @property
    def shown_comment(self) -> str:
        return current_progress(self.line)[1]

    @property
    def numbers(self) -> bool:
        return self.line.target.measure.kind in _NUMBER_KINDS

    def _format(self, value) -> str:
        measure = self.line.target.measure
        return format_value(value, measure_kind=measure.kind, unit=measure.unit)

    @property
    def value_text(self) -> str:
        return self._format(self.line.actual)

    @property
    def target_text(self) -> str:
        return self._format(self.line.target_value)


class PlanProgressForm(forms.Form):
    """Every commitment's progress, comment and (where it has numbers) figure and trajectory
    point, posted at once with the return's version. Only the commitments this person changed
    are written (``changed_rows``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, lines: list[ReturnLine], version: int, **kwargs: Any):
        super().__init__(*args, initial={"version": version}, **kwargs)
        self.lines = lines
        for line in lines:
            choice, comment = current_progress(line)
            number = line.target.number
            self.fields[f"progress-{line.pk}"] = forms.ChoiceField(
                choices=PROGRESS_CHOICES,
                required=False,
                initial=choice,
                label=f"Progress of {number}",
            )
            self.fields[f"comment-{line.pk}"] = forms.CharField(
                required=False,
                max_length=MAX_TEXT,
                initial=comment,
                label=f"Comments on progress of {number}",
                widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
            )
            if line.target.measure.kind in _NUMBER_KINDS:
                self.fields[f"value-{line.pk}"] = cell_field(
                    line.target, initial=line.actual, label=f"Figure for {number}"
                )
                self.fields[f"target-{line.pk}"] = cell_field(
                    line.target,
                    initial=line.target_value,
                    label=f"Trajectory point for {number}",
                )
        for name, field in self.fields.items():
            if name != "version":
                field.widget.attrs.setdefault("aria-label", field.label)
        self.problems: dict[int, str] = {}

    def rows(self) -> list[ProgressRow]:
        rows = []
        for line in self.lines:
            row = ProgressRow(line=line, problem=self.problems.get(line.pk, ""))
            row.progress = self[f"progress-{line.pk}"]
            row.comment = self[f"comment-{line.pk}"]
            if f"value-{line.pk}" in self.fields:
                row.value = self[f"value-{line.pk}"]
                row.target_value = self[f"target-{line.pk}"]
            return_errors = [
                str(error)
                for name in ("progress", "comment", "value", "target")
                for error in self.errors.get(f"{name}-{line.pk}", [])
            ]
            if return_errors and not row.problem:
                row.problem = " ".join(return_errors)
            rows.append(row)
        return rows

    def changed_rows(self) -> list[ReturnLine]:
        changed = set(self.changed_data)
        return [
            line
            for line in self.lines
            if any(
                f"{name}-{line.pk}" in changed
                for name in ("progress", "comment", "value", "target")
            )
        ]

    def changes(self) -> dict[tuple[int, int], dict[str, Any]]:
        """The services.update_lines changes of the changed commitments; a commitment whose
        progress lacks what it needs is named in ``problems`` (and the form is invalid)."""
        changes = {}
        for line in self.changed_rows():
            data = self.cleaned_data
            try:
                fields = progress_fields(
                    progress=data[f"progress-{line.pk}"],
                    comment=data[f"comment-{line.pk}"],
                    value=data.get(f"value-{line.pk}"),
                    target_value=data.get(f"target-{line.pk}"),
                )
            except ProgressProblem as problem:
                name = {"value": "value", "progress": "progress"}.get(problem.field, "comment")
                self.add_error(f"{name}-{line.pk}", str(problem))
                self.problems[line.pk] = f"{line.target.number}: {problem}"
                continue
            changes[(line.authority_id, line.target_id)] = fields
        return changes


def plan_lines(return_obj: Return) -> list[ReturnLine]:
    """A plan's return's lines in the paper's order, with what the page shows (3 queries)."""
    return list(
        ReturnLine.objects.filter(return_obj=return_obj)
        .select_related("authority", "target", "target__measure", "target__theme")
        .prefetch_related("target__year_targets", "target__measure__levels")
        .order_by("target__theme__order", "target__priority", "target__id")
    )


class PlanProgressView(ReturnMixin, View):
    """A plan's quarter: every commitment's progress on the plan's key, with its comment."""

    template_name = "returns/plan_progress.html"

    def get_return(self) -> Return:
        return_obj = super().get_return()
        if not return_obj.target_set.is_plan:
            raise Http404("Not an improvement plan's return.")
        return return_obj

    def can_edit(self) -> bool:
        # Asked twice per request (the form, the page): one query, not two.
        if not hasattr(self, "_can_edit"):
            self._can_edit = permissions.can_edit_return_of(
                self.request.user, self.return_obj.sub_region_id, self.return_obj.target_set_id
            )
        return self._can_edit

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        lines = plan_lines(self.return_obj)
        form = None
        if self.can_edit() and self.return_obj.is_editable:
            form = PlanProgressForm(lines=lines, version=self.return_obj.version)
        return self.render(lines, form)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not self.can_edit():
            raise PermissionDenied("You may not record this plan's progress.")
        if not self.return_obj.is_editable:
            messages.error(request, "The return is signed off: ask the Director to reopen it.")
            return redirect("returns:progress", pk=self.return_obj.pk)
        lines = plan_lines(self.return_obj)
        form = PlanProgressForm(request.POST, lines=lines, version=self.return_obj.version)
        changes = form.changes() if form.is_valid() else {}
        if not form.is_valid():
            count = len({name.split("-", 1)[1] for name in form.errors if "-" in name})
            messages.error(
                request,
                f"Nothing was saved: {count} commitment{'s' if count != 1 else ''} need "
                "correcting (marked below).",
            )
            return self.render(lines, form, status=400)
        try:
            result = services.update_lines(
                return_obj=self.return_obj,
                changes=changes,
                actor=request.user,
                channel=CHANNEL,
                base_version=form.cleaned_data["version"],
            )
        except ReturnLocked as error:
            messages.error(request, " ".join(error.messages))
            return redirect("returns:progress", pk=self.return_obj.pk)
        except StaleReturn as error:
            return self.conflict(error, request)
        except InvalidLines as error:
            for problem in error.problems:
                line = next((x for x in lines if x.target_id == problem.target_id), None)
                if line is not None:
                    form.problems[line.pk] = f"{line.target.number}: {problem.message}"
            messages.error(request, "Nothing was saved: " + " ".join(error.messages))
            return self.render(lines, form, status=400)
        except ValidationError as error:
            messages.error(request, "Nothing was saved: " + " ".join(error.messages))
            return self.render(lines, form, status=400)
        count = len(result.changed)
        if count:
            messages.success(request, f"Saved the progress of {count} commitment(s).")
        else:
            messages.info(request, "Nothing had changed: nothing to save.")
        return redirect("returns:progress", pk=self.return_obj.pk)

    def conflict(self, error: StaleReturn, request: HttpRequest) -> HttpResponse:
        """Refused: someone saved meanwhile. Today's version, with this person's entries kept
        in the form to save again."""
        self.return_obj = self.get_return()
        lines = plan_lines(self.return_obj)
        data = request.POST.copy()
        data["version"] = str(self.return_obj.version)
        form = PlanProgressForm(data, lines=lines, version=self.return_obj.version)
        form.is_valid()
        names = ", ".join(line.target.number for line in error.changed)
        messages.error(request, f"{error.messages[0]} Changed meanwhile: {names}.")
        return self.render(lines, form, status=409)

    def render(self, lines, form, *, status: int = 200) -> HttpResponse:
        rows = form.rows() if form is not None else [ProgressRow(line=line) for line in lines]
        themes: list[tuple[str, list[ProgressRow]]] = []
        for row in rows:
            name = row.target.theme.name
            if not themes or themes[-1][0] != name:
                themes.append((name, []))
            themes[-1][1].append(row)
        context = {
            "return_obj": self.return_obj,
            "form": form,
            "themes": themes,
            "problems": [row.problem for row in rows if row.problem],
            "can_edit": self.can_edit(),
            "council": self.return_obj.target_set.council,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class StartPlanQuarterForm(forms.Form):
    quarter = forms.ChoiceField(label="Quarter")

    def __init__(self, *args: Any, target_set: TargetSet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        quarters = [
            Quarter.from_index(index)
            for index in range(FIRST_QUARTER.index, LAST_QUARTER.index + 1)
        ]
        start = target_set.in_force_from
        end = target_set.in_force_to
        if start and end:
            quarters = [q for q in quarters if q.end >= start and q.start <= end] or quarters
        self.fields["quarter"].choices = [(q.label, q.label) for q in quarters]

    def clean_quarter(self) -> Quarter:
        return Quarter.parse(self.cleaned_data["quarter"])


class PlanListView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The improvement plans, each with its quarters' returns; the Director (or the council's
    sub-region's programme manager) starts a quarter's monitoring here."""

    permission_required = "returns.view_return"
    template_name = "returns/plan_list.html"

    def plans(self):
        # The plans of the user's region's councils (authorities.scope).
        return list(
            regions_of(self.request.user)
            .filter(TargetSet.objects.filter(kind=TargetSetKind.IMPROVEMENT_PLAN))
            .select_related("council__sub_region")
            .order_by("order", "slug")
        )

    def get(self, request: HttpRequest, *args, forms_by_plan=None, **kwargs) -> HttpResponse:
        plans = self.plans()
        returns = (
            Return.objects.for_user(request.user)
            .filter(target_set__in=plans)
            .select_related("sub_region")
            .order_by("-year", "-quarter")
        )
        by_plan: dict[int, list[Return]] = {}
        for return_obj in returns:
            by_plan.setdefault(return_obj.target_set_id, []).append(return_obj)
        rows = []
        for plan in plans:
            may_record = self.may_record(plan)
            form = (forms_by_plan or {}).get(plan.pk)
            if form is None and may_record:
                form = StartPlanQuarterForm(target_set=plan, auto_id=f"id_{plan.slug}_%s")
            rows.append({"plan": plan, "returns": by_plan.get(plan.pk, []), "form": form})
        return TemplateResponse(request, self.template_name, {"rows": rows})

    def may_record(self, plan: TargetSet) -> bool:
        council: Authority | None = plan.council
        return council is not None and permissions.can_edit_return_of(
            self.request.user, council.sub_region_id, plan.pk
        )

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        plan = get_object_or_404(
            regions_of(request.user)
            .filter(TargetSet.objects.all())
            .select_related("council__sub_region"),
            slug=request.POST.get("plan", ""),
            kind=TargetSetKind.IMPROVEMENT_PLAN,
        )
        if not self.may_record(plan):
            raise PermissionDenied("You may not record this plan's progress.")
        form = StartPlanQuarterForm(request.POST, target_set=plan, auto_id=f"id_{plan.slug}_%s")
        if not form.is_valid():
            return self.get(request, forms_by_plan={plan.pk: form})
        return_obj, created = services.open_return(
            sub_region=plan.council.sub_region,
            target_set=plan,
            quarter=form.cleaned_data["quarter"],
            actor=request.user,
        )
        if created:
            messages.success(request, f"Started {plan.title}, {return_obj.period.label}.")
        return redirect("returns:progress", pk=return_obj.pk)
