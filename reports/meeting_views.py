"""A meeting's page: its agenda (items of every kind, and their papers), its minutes (numbered
decisions) and its actions log (the actions raised at it, and the open ones carried to it from
earlier meetings); the Director marks an action done or carries it to a later meeting.

Who may do what (reports/migrations/0002_roles.py, 0007_minutes_and_actions_roles.py): the
Director composes and sees every draft; Board members, administrators and programme managers
read a meeting that has an issued paper or minutes, its decisions and actions, and its issued
papers (never a draft).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from .meetings import (
    carry_action,
    mark_action_done,
    meeting_actions,
    record_action,
    record_decision,
)
from .models import Action, IssuedPaper
from .papers import services
from .papers.forms import ActionForm, AgendaItemForm, DecisionForm
from .papers.render import render_pdf
from .regions import meetings_of, papers_of

COMPOSE = "reports.change_paper"
CHANGE_ACTION = "reports.change_action"


def _refused(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class MeetingView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """A meeting's agenda, minutes and actions; the Director adds items and starts papers here.

    Seven queries whatever the number of items, papers, decisions or actions (besides the
    user's permissions): the meeting, its items with their papers, the papers' issues, the
    decisions, the actions raised, the actions carried, and the later meetings an action can
    be carried to.
    """

    permission_required = "reports.view_meeting"

    def get(self, request, pk, form=None, decision_form=None, action_form=None):
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        composer = request.user.has_perm(COMPOSE)
        issues = IssuedPaper.objects.defer("pdf", "snapshot").order_by("-number")
        items = []
        for item in meeting.items.select_related("paper").prefetch_related(
            Prefetch("paper__issues", queryset=issues)
        ):
            paper = getattr(item, "paper", None)
            issued = list(paper.issues.all()) if paper else []
            items.append(
                {"item": item, "paper": paper if (composer or issued) else None, "issues": issued}
            )
        decisions = list(meeting.decisions.select_related("agenda_item").order_by("number"))
        actions = meeting_actions(meeting)
        has_minutes = bool(decisions or actions.raised or actions.carried)
        if not composer and not has_minutes and not any(row["issues"] for row in items):
            raise PermissionDenied("This meeting has no issued paper or minutes yet.")
        if form is None and request.user.has_perm("reports.add_agendaitem"):
            next_number = max((row["item"].number for row in items), default=0) + 1
            form = AgendaItemForm(meeting=meeting, initial={"number": next_number})
        if decision_form is None and request.user.has_perm("reports.add_decision"):
            decision_form = DecisionForm(
                meeting=meeting,
                initial={"number": max((d.number for d in decisions), default=0) + 1},
            )
        if action_form is None and request.user.has_perm("reports.add_action"):
            action_form = ActionForm(
                meeting=meeting,
                initial={"number": max((a.number for a in actions.raised), default=0) + 1},
            )
        can_act = request.user.has_perm(CHANGE_ACTION)
        later = (
            list(
                meetings_of(request.user).filter(region_id=meeting.region_id, date__gt=meeting.date)
            )
            if can_act
            else []
        )
        return render(
            request,
            "reports/papers/meeting_detail.html",
            {
                "meeting": meeting,
                "items": items,
                "composer": composer,
                "form": form,
                "decisions": decisions,
                "raised": actions.raised,
                "carried": actions.carried,
                "can_act": can_act,
                "decision_form": decision_form,
                "action_form": action_form,
                # An action can be carried to a meeting after the one it was raised at; the
                # page offers the meetings after this one (each action's own check is the
                # service's).
                "later_meetings": sorted(later, key=lambda each: (each.date, each.body)),
            },
        )

    def post(self, request, pk):
        if not request.user.has_perm("reports.add_agendaitem"):
            raise PermissionDenied("Only the Director changes the agenda.")
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        form = AgendaItemForm(request.POST, meeting=meeting)
        if form.is_valid():
            try:
                item = services.add_agenda_item(
                    meeting=meeting, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, f"Item {item.number} added to the agenda.")
                return redirect(meeting)
        return self.get(request, pk, form=form)


class _MinuteCreateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: record something in the meeting's minutes through its service (``record``), then
    back to its part of the meeting page; an invalid form is shown there with its errors."""

    form_class: type
    form_name: str  # the meeting page's keyword for the form shown with its errors
    anchor: str
    what: str

    def record(self, meeting, form):
        raise NotImplementedError

    def post(self, request, pk):
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        form = self.form_class(request.POST, meeting=meeting)
        if form.is_valid():
            try:
                recorded = self.record(meeting, form)
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, f"{self.what} {recorded.number} recorded.")
                return redirect(f"{meeting.get_absolute_url()}#{self.anchor}")
        return MeetingView().get(request, pk, **{self.form_name: form})


class DecisionCreateView(_MinuteCreateView):
    """POST: record a numbered decision in the meeting's minutes."""

    permission_required = "reports.add_decision"
    form_class, form_name, anchor, what = DecisionForm, "decision_form", "minutes", "Decision"

    def record(self, meeting, form):
        return record_decision(meeting=meeting, actor=self.request.user, **form.cleaned_data)


class ActionCreateView(_MinuteCreateView):
    """POST: record an action raised at the meeting (open)."""

    permission_required = "reports.add_action"
    form_class, form_name, anchor, what = ActionForm, "action_form", "actions", "Action"

    def record(self, meeting, form):
        return record_action(raised_at=meeting, actor=self.request.user, **form.cleaned_data)


def _actions_of(user):
    """The actions of the user's region's meetings (reports.regions): any other is a 404."""
    return papers_of(user, Action.objects.select_related("raised_at"), "raised_at")


def _back(request, action: Action):
    """Back to the meeting page the Director acted from (a meeting's id), else the action's."""
    meeting_id = request.POST.get("meeting", "")
    if meeting_id.isdigit() and meetings_of(request.user).filter(pk=int(meeting_id)).exists():
        return redirect("papers:meeting", pk=int(meeting_id))
    return redirect(action.raised_at)


class ActionsLogPdfView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The meeting's actions log as a PDF for its pack: this meeting's actions and the open
    ones carried to it (a page or two: laid out in the request)."""

    permission_required = "reports.view_action"

    def get(self, request, pk):
        meeting = get_object_or_404(meetings_of(request.user), pk=pk)
        actions = meeting_actions(meeting)
        html = render_to_string(
            "reports/print/actions_log.html",
            {
                "meeting": meeting,
                "partnership": meeting.partnership,
                "now": timezone.localtime(),
                "tables": [
                    ("Raised at this meeting", actions.raised, False),
                    ("Carried from earlier meetings", actions.carried, True),
                ],
            },
        )
        pdf = render_pdf(html)
        response = HttpResponse(pdf.content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"board-{meeting.date:%Y-%m-%d}-actions-log.pdf"
        )
        return response


class ActionDoneView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: mark an open action done, saying what was done."""

    permission_required = CHANGE_ACTION

    def post(self, request, pk):
        action = get_object_or_404(_actions_of(request.user), pk=pk)
        try:
            mark_action_done(action=action, note=request.POST.get("note", ""), actor=request.user)
        except ValidationError as error:
            messages.error(request, f"Action {action.number}: {' '.join(error.messages)}")
        else:
            messages.success(request, f"Action {action.number} marked done.")
        return _back(request, action)


class ActionCarryView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST: carry an open action to a later meeting (it is due there)."""

    permission_required = CHANGE_ACTION

    def post(self, request, pk):
        action = get_object_or_404(_actions_of(request.user), pk=pk)
        to_id = request.POST.get("to", "")
        # A later meeting of the same Board (its region's), as the page offers.
        meetings = meetings_of(request.user).filter(region_id=action.raised_at.region_id)
        to = meetings.filter(pk=int(to_id)).first() if to_id.isdigit() else None
        if to is None:
            messages.error(request, f"Action {action.number}: choose the meeting to carry it to.")
            return _back(request, action)
        try:
            carry_action(action=action, to=to, actor=request.user)
        except ValidationError as error:
            messages.error(request, f"Action {action.number}: {' '.join(error.messages)}")
        else:
            messages.success(request, f"Action {action.number} carried to the {to}.")
        return _back(request, action)
