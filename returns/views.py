"""The returns pages: the list, a return with its sign-off, the grid, a line, copy forward.

Views are thin: sign-in, a permission check (returns.permissions), a form, then a service of
returns.services (or returns.copy_forward). Returns are always looked up through
``Return.objects.for_user``, so another sub-region's return is a 404 for a programme manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from authorities.roles import sub_region_of
from targets.models import Target, level_labels
from targets.rules import format_value

from . import permissions, services
from .copy_forward import NoPreviousReturn, copy_forward
from .deadlines import deadline_for, deadline_texts, deadline_words, is_overdue
from .errors import InvalidLines, ReturnLocked, StaleReturn
from .filters import ReturnFilter
from .forms import (
    LineForm,
    ReportedRatingsForm,
    ReturnGridForm,
    StartReturnForm,
    grid_form_after_conflict,
)
from .models import LineState, Return, ReturnLine, ReturnStatus
from .selectors import reported_ratings
from .tables import Grid, ReturnTable, build_grid, line_history, rag

WEB = "web"


def can_start(user) -> bool:
    """Programme managers start their own sub-region's returns."""
    return user.has_perm("returns.add_return") and sub_region_of(user) is not None


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def deadline_context(return_obj: Return) -> dict[str, Any]:
    """A return's deadline as its pages show it: the date, the days left or overdue, and
    whether it was submitted on time (returns.deadlines). One query."""
    deadline = deadline_for(return_obj.target_set_id, return_obj.period)
    today = timezone.localdate()
    submitted = return_obj.status not in (ReturnStatus.DRAFT, ReturnStatus.RETURNED)
    return {
        "deadline": deadline,
        "deadline_words": deadline_words(deadline.due, today, submitted=submitted)
        if deadline
        else "",
        "overdue": bool(deadline)
        and is_overdue(status=return_obj.status, due=deadline.due, today=today),
    }


def io_links(return_obj: Return) -> dict[str, str]:
    """The import page (naming the return) and the export of this return's lines."""
    query = urlencode(
        {
            "target_set": return_obj.target_set.slug,
            "period": return_obj.period.label,
            "sub_region": return_obj.sub_region.slug,
        }
    )
    return {
        "import_url": f"{reverse('returns:import')}?return={return_obj.pk}",
        "export_url": f"{reverse('returns:export')}?{query}",
    }


# ------------------------------------------------------------------------------ returns list


class ReturnListView(LoginRequiredMixin, PermissionRequiredMixin, SingleTableMixin, FilterView):
    """The returns the user may see, filtered; programme managers also start a return here."""

    permission_required = "returns.view_return"
    table_class = ReturnTable
    filterset_class = ReturnFilter
    template_name = "returns/return_list.html"
    table_pagination = {"per_page": 50}  # the table paginates; the list view does not again
    start_form: StartReturnForm | None = None

    def get_queryset(self):
        return (
            Return.objects.for_user(self.request.user)
            .select_related("sub_region", "target_set")
            .annotate(
                line_count=Count("lines"),
                value_count=Count("lines", filter=Q(lines__state=LineState.VALUE)),
            )
            .order_by("-year", "-quarter", "sub_region__order", "target_set__order", "pk")
        )

    def get_table(self, **kwargs):
        """The table, with the deadlines of the returns on its page (one query)."""
        table = super().get_table(**kwargs)
        records = [row.record for row in table.page.object_list] if table.page else []
        table.deadline_of = deadline_texts(records, today=timezone.localdate())
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if can_start(self.request.user):
            context["start_form"] = self.start_form or StartReturnForm(
                initial=StartReturnForm.initial_for(sub_region_of(self.request.user)),
                user=self.request.user,
            )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Start a return: services.open_return, then on to its grid."""
        if not can_start(request.user):
            raise PermissionDenied("Only a sub-region's programme manager starts its returns.")
        form = StartReturnForm(request.POST, user=request.user)
        if not form.is_valid():
            self.start_form = form
            return self.get(request, *args, **kwargs)
        return_obj, created = services.open_return(
            sub_region=sub_region_of(request.user),
            target_set=form.cleaned_data["target_set"],
            quarter=form.cleaned_data["quarter"],
            actor=request.user,
        )
        if created:
            messages.success(request, f"Started the {return_obj} return as a draft.")
        else:
            messages.info(request, f"The {return_obj} return already exists: here it is.")
        return redirect("returns:edit", pk=return_obj.pk)


# --------------------------------------------------------------------------- one return


class ReturnMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """A return the user may see (404 otherwise), with its sub-region and target set."""

    permission_required = "returns.view_return"
    return_obj: Return

    def get_return(self) -> Return:
        queryset = Return.objects.for_user(self.request.user).select_related(
            "sub_region", "target_set"
        )
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        # Sign-in and role first (302 / 403), then the return itself (404).
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_permission():
            return self.handle_no_permission()
        self.return_obj = self.get_return()
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        return permissions.can_edit_return_of(
            self.request.user, self.return_obj.sub_region_id, self.return_obj.target_set_id
        )

    def require_edit(self) -> None:
        if not self.can_edit():
            raise PermissionDenied("Only the sub-region's programme manager changes its return.")


# ------------------------------------------------------------------------------- the grid


class ReturnEditView(ReturnMixin, View):
    """The grid: every line's value at once, saved as a draft with the version it was read at.

    A locked (submitted or approved) return is shown read-only; a stale save is refused with
    what changed meanwhile, and what this person typed is shown again to save once more.
    """

    template_name = "returns/return_edit.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        grid = build_grid(self.return_obj, user=request.user)
        form = None
        if self.return_obj.is_editable:
            form = ReturnGridForm(lines=grid.lines, version=self.return_obj.version)
            grid.bind(form, ReturnGridForm.field_name)
        return self.render(grid, form)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        if not self.return_obj.is_editable:
            messages.error(request, locked_message(self.return_obj))
            return redirect("returns:edit", pk=self.return_obj.pk)
        grid = build_grid(self.return_obj, user=request.user)
        form = ReturnGridForm(request.POST, lines=grid.lines, version=self.return_obj.version)
        if not form.is_valid():
            grid.bind(form, ReturnGridForm.field_name)
            return self.render(grid, form, errors=cell_errors(grid, form))
        try:
            result = services.update_lines(
                return_obj=self.return_obj,
                changes=form.changes(),
                actor=request.user,
                channel=WEB,
                base_version=form.cleaned_data["version"],
            )
        except ReturnLocked as error:
            messages.error(request, _error_text(error))
            return redirect("returns:edit", pk=self.return_obj.pk)
        except StaleReturn as error:
            return self.conflict(error, kept=form.kept_entries())
        except InvalidLines as error:
            grid.bind(form, ReturnGridForm.field_name)
            return self.render(grid, form, errors=problem_cells(grid, error))
        except ValidationError as error:
            grid.bind(form, ReturnGridForm.field_name)
            messages.error(request, "Nothing was saved: " + _error_text(error))
            return self.render(grid, form)
        count = len(result.changed)
        if count:
            messages.success(
                request,
                f"Saved {count} change{'s' if count != 1 else ''}. "
                f"The return is still {self.return_obj.get_status_display().lower()}.",
            )
        else:
            messages.info(request, "Nothing had changed: nothing to save.")
        return redirect("returns:edit", pk=self.return_obj.pk)

    def conflict(self, error: StaleReturn, *, kept: dict[str, str]) -> HttpResponse:
        """Refused: show what others changed, today's values, and this person's entries."""
        self.return_obj = self.get_return()
        grid = build_grid(self.return_obj, user=self.request.user)
        form = grid_form_after_conflict(
            lines=grid.lines, version=self.return_obj.version, kept=kept
        )
        grid.bind(form, ReturnGridForm.field_name)
        changed_ids = {line.pk for line in error.changed}
        for cell in grid.cells:
            if cell.line is not None and cell.line.pk in changed_ids:
                cell.changed_meanwhile = True
                cell.kept = ReturnGridForm.field_name(cell.line) in kept
        messages.error(self.request, error.messages[0])
        targets = {target.pk: target for target in grid.targets}
        conflict = conflict_rows(error.changed, targets)
        return self.render(grid, form, conflict=conflict, status=409)

    def render(
        self,
        grid: Grid,
        form,
        *,
        conflict=None,
        status: int = 200,
        reported_form=None,
        errors: list[CellError] | None = None,
    ) -> HttpResponse:
        return_obj = self.return_obj
        if reported_form is None and form is not None:
            reported_form = ReportedRatingsForm(
                targets=grid.targets,
                current=reported_ratings(return_obj),
                version=return_obj.version,
            )
        context = {
            "return_obj": return_obj,
            "grid": grid,
            "form": form,
            "reported_form": reported_form,
            "conflict": conflict,
            "locked_message": None if form is not None else locked_message(return_obj),
            "previous_quarter": return_obj.period.previous(),
            "cell_errors": errors or [],
            "copied_count": sum(1 for line in grid.lines if line.copied_forward),
            **deadline_context(return_obj),
            **io_links(return_obj),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class ReportedRatingsView(ReturnEditView):
    """POST the sub-region's own overall ratings (services.set_reported_ratings)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        if not self.return_obj.is_editable:
            messages.error(request, locked_message(self.return_obj))
            return redirect("returns:edit", pk=self.return_obj.pk)
        grid = build_grid(self.return_obj, user=request.user)
        form = ReportedRatingsForm(
            request.POST,
            targets=grid.targets,
            current=reported_ratings(self.return_obj),
            version=self.return_obj.version,
        )
        grid_form = ReturnGridForm(lines=grid.lines, version=self.return_obj.version)
        grid.bind(grid_form, ReturnGridForm.field_name)
        if not form.is_valid():
            messages.error(request, "Nothing was saved: each rating needs its reason.")
            return self.render(grid, grid_form, reported_form=form)
        try:
            count = services.set_reported_ratings(
                return_obj=self.return_obj,
                ratings=form.ratings(),
                actor=request.user,
                channel=WEB,
                base_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            messages.error(request, "Nothing was saved: " + _error_text(error))
            return self.render(grid, grid_form, reported_form=form, status=409)
        messages.success(
            request,
            f"Saved {count} of the sub-region's own rating{'s' if count != 1 else ''}."
            if count
            else "Nothing had changed: nothing to save.",
        )
        return redirect("returns:edit", pk=self.return_obj.pk)


@dataclass(frozen=True)
class CellError:
    """A cell in error, as the error banner lists it: a link to its input."""

    anchor: str  # the input's id
    name: str  # "Amber Valley – target 3"
    message: str


def cell_errors(grid: Grid, form: ReturnGridForm) -> list[CellError]:
    """Each cell whose value the form refused, in the grid's order."""
    found = []
    for cell in grid.cells:
        if cell.field is not None and cell.field.errors:
            found.append(CellError(cell.field.auto_id, cell.name, " ".join(cell.field.errors)))
    return found


def problem_cells(grid: Grid, error: InvalidLines) -> list[CellError]:
    """Each cell a service refused (returns.errors.LineProblem), in the grid's order."""
    by_key: dict[tuple[int, int], list[str]] = {}
    for problem in error.problems:
        by_key.setdefault((problem.authority_id, problem.target_id), []).append(problem.message)
    found = []
    for cell in grid.cells:
        said = by_key.get((cell.authority.pk, cell.target.pk))
        if said and cell.field is not None:
            found.append(CellError(cell.field.auto_id, cell.name, " ".join(said)))
    return found


def locked_message(return_obj: Return) -> str:
    status = return_obj.get_status_display().lower()
    if return_obj.status == ReturnStatus.APPROVED:
        return (
            f"This return is {status} and locked. To change it, the Director must reopen it, "
            "giving the reason."
        )
    return f"This return is {status}: it cannot change until the Director approves or returns it."


def conflict_rows(changed: list[ReturnLine], targets: dict[int, Target]) -> list[dict[str, Any]]:
    """What someone else changed meanwhile: authority, target, new value and rating, who."""
    rows = []
    for line in changed:
        target = targets.get(line.target_id, line.target)
        user = line.updated_by
        rows.append(
            {
                "authority": line.authority.short_name,
                "target": f"{target.number}. {target.title}",
                "value": value_text(target, line.actual, state=line.get_state_display()),
                "rag": rag(line.effective_rating),
                "who": (user.get_full_name() or user.username) if user else "unknown",
                "when": line.updated_at,
            }
        )
    return rows


def value_text(target: Target, value: Decimal | None, *, state: str = "—") -> str:
    """A value as the papers write it (95%, level 3 (Performing well)), else `state`."""
    if value is None:
        return state
    measure = target.measure
    levels = getattr(target, "levels", None) or level_labels(measure)
    return format_value(value, measure_kind=measure.kind, unit=measure.unit, levels=levels)


# --------------------------------------------------------------------------------- a line


class LineView(ReturnMixin, View):
    """Every field of one line, and its history; editable by the sub-region's programme
    manager while the return is a draft (or returned)."""

    template_name = "returns/line_detail.html"

    def get_line(self) -> ReturnLine:
        queryset = ReturnLine.objects.select_related(
            "authority", "target__measure", "target__theme"
        ).prefetch_related("target__measure__levels")
        line = get_object_or_404(queryset, return_obj=self.return_obj, pk=self.kwargs["line_pk"])
        line.return_obj = self.return_obj
        return line

    def editable(self) -> bool:
        return self.can_edit() and self.return_obj.is_editable

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        line = self.get_line()
        form = LineForm(line=line, version=self.return_obj.version) if self.editable() else None
        return self.render(line, form)

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        line = self.get_line()
        if not self.return_obj.is_editable:
            messages.error(request, locked_message(self.return_obj))
            return redirect("returns:line", pk=self.return_obj.pk, line_pk=line.pk)
        form = LineForm(request.POST, line=line, version=self.return_obj.version)
        if not form.is_valid():
            messages.error(request, "Nothing was saved: correct the fields marked below.")
            return self.render(line, form)
        try:
            services.update_lines(
                return_obj=self.return_obj,
                changes={(line.authority_id, line.target_id): form.changes()},
                actor=request.user,
                channel=WEB,
                base_version=form.cleaned_data["version"],
            )
        except ReturnLocked as error:
            messages.error(request, _error_text(error))
            return redirect("returns:line", pk=self.return_obj.pk, line_pk=line.pk)
        except StaleReturn as error:
            self.return_obj = self.get_return()
            line = self.get_line()
            data = request.POST.copy()
            data["version"] = str(self.return_obj.version)
            form = LineForm(data, line=line, version=self.return_obj.version)
            form.is_valid()
            messages.error(request, error.messages[0])
            conflict = conflict_rows(error.changed, {line.target_id: line.target})
            return self.render(line, form, conflict=conflict, status=409)
        except ValidationError as error:
            messages.error(request, "Nothing was saved: " + _error_text(error))
            return self.render(line, form)
        messages.success(
            request, f"Saved {line.authority.short_name} – target {line.target.number}."
        )
        return HttpResponseRedirect(reverse("returns:edit", args=[self.return_obj.pk]))

    def render(self, line: ReturnLine, form, *, conflict=None, status: int = 200):
        context = {
            "return_obj": self.return_obj,
            "line": line,
            "value_text": value_text(line.target, line.actual, state=line.get_state_display()),
            "target_text": value_text(
                line.target,
                line.target_value if line.target_value is not None else line.target.threshold,
            ),
            "rag": rag(line.effective_rating),
            "computed_rag": rag(line.computed_rating),
            "form": form,
            "history": line_history(line),
            "conflict": conflict,
            "locked_message": None
            if form is not None or not self.can_edit()
            else locked_message(self.return_obj),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


# --------------------------------------------------------------------------- copy forward


class CopyForwardView(ReturnMixin, View):
    """Fill the empty lines from the previous quarter's return (returns.copy_forward)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.require_edit()
        previous = self.return_obj.period.previous()
        try:
            result = copy_forward(return_obj=self.return_obj, actor=request.user)
        except (NoPreviousReturn, ReturnLocked, StaleReturn) as error:
            messages.error(request, "Nothing was copied: " + error.messages[0])
        else:
            count = len(result.changed)
            if count:
                messages.success(
                    request,
                    f"Copied {count} line{'s' if count != 1 else ''} forward from "
                    f"{previous.label} into lines that were still empty, and saved them. They "
                    "are marked “copied” until you edit them: check each one.",
                )
            else:
                messages.info(
                    request,
                    f"Nothing to copy: no empty line has anything in the {previous.label} return.",
                )
        return redirect("returns:edit", pk=self.return_obj.pk)
