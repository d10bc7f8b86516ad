"""A return's page and its sign-off: the header with its deadline, the steps the user may take
(submit, with the lines awaiting data; approve, send back, reopen), what changed since the
last approval, the sign-off history and the read-only grid."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from . import services, workflow
from .changes import changes_since_baseline
from .forms import TransitionForm
from .forms_work import SubmitForm
from .models import Return, ReturnStatus
from .submission import awaiting_lines
from .tables import build_grid
from .views import ReturnMixin, deadline_context, io_links


def allowed_transitions(user, return_obj: Return) -> list[str]:
    """The sign-off steps this user may take on this return now (returns.workflow)."""
    return workflow.available(
        status=return_obj.status,
        actor=services.actor_of(user, return_obj),
        submitted_by=services.submitted_by(return_obj),
    )


def may_take(user, return_obj: Return, name: str) -> bool:
    """Whether the user holds the role of the step (its status and four eyes are the
    service's to refuse, with the reason)."""
    role = workflow.STEPS[name].role
    return role in services.actor_of(user, return_obj).roles


def _step_form(name: str, data=None, *, return_obj: Return):
    step = workflow.STEPS[name]
    if name == "submit":
        return SubmitForm(data, awaiting=awaiting_lines(return_obj), auto_id="id_submit_%s")
    return TransitionForm(
        data, required=step.needs_comment, label=step.label, auto_id=f"id_{name}_%s"
    )


class ReturnDetailView(ReturnMixin, View):
    """Header, sign-off history and buttons, and the read-only grid with the overall row."""

    template_name = "returns/return_detail.html"

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return self.render()

    def render(self, *, forms: dict | None = None, status: int = 200):
        user = self.request.user
        return_obj = self.return_obj
        actions = []
        for name in allowed_transitions(user, return_obj):
            form = (forms or {}).get(name) or _step_form(name, return_obj=return_obj)
            url = reverse(f"returns:{name}", args=[return_obj.pk])
            actions.append({"name": name, "step": workflow.STEPS[name], "form": form, "url": url})
        transitions = list(return_obj.transitions.select_related("actor").order_by("at", "id"))
        submissions = [t for t in transitions if t.to_status == ReturnStatus.SUBMITTED]
        context = {
            "return_obj": return_obj,
            "grid": build_grid(return_obj, user=user),
            "transitions": transitions,
            "actions": actions,
            "can_edit": self.can_edit() and return_obj.is_editable,
            "changes": changes_since_baseline(return_obj)
            if return_obj.status == ReturnStatus.SUBMITTED
            else None,
            "awaiting_at_submission": submissions[-1].awaiting if submissions else [],
            **deadline_context(return_obj),
            **io_links(return_obj),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class TransitionView(ReturnDetailView):
    """POST one sign-off step (submit, approve, send back, reopen) through its service."""

    action = ""
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        step = workflow.STEPS[self.action]
        if not may_take(request.user, self.return_obj, self.action):
            raise PermissionDenied("You may not take this step.")
        form = _step_form(self.action, request.POST, return_obj=self.return_obj)
        if not form.is_valid():
            messages.error(request, "Nothing was done: " + _form_errors(form))
            return self.render(forms={self.action: form})
        try:
            services.take_step(
                return_obj=self.return_obj,
                step=self.action,
                actor=request.user,
                comment=form.cleaned_data["comment"],
                awaiting_reasons=form.reasons() if isinstance(form, SubmitForm) else None,
            )
        except ValidationError as error:
            messages.error(request, "Nothing was done: " + " ".join(error.messages))
        else:
            messages.success(request, step.done)
        return redirect("returns:detail", pk=self.return_obj.pk)


def _form_errors(form) -> str:
    return " ".join(str(message) for errors in form.errors.values() for message in errors)
