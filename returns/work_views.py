"""The deadlines page (the Director sets them; everyone sees them) and each person's notices
(with their reminder settings)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from authorities.scope import regions_of

from .access import scope_of
from .deadlines import (
    NOT_SUBMITTED,
    DueReturn,
    deadline_words,
    due_returns,
    remove_deadline,
    set_deadline,
)
from .forms_work import DeadlineForm, NoticeSettingsForm
from .models import Deadline, NoticeSettings, Notification

NOTICES_SHOWN = 100


def visible_deadlines(user):
    """The deadlines of the user's region (authorities.scope): its general ones and its sets'."""
    return regions_of(user).filter(Deadline.objects.all(), "region_id")


class DeadlineListView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Every quarter's deadline, with the returns each makes due; the Director sets them."""

    permission_required = "returns.view_deadline"
    template_name = "returns/deadlines.html"

    def may_set(self) -> bool:
        return self.request.user.has_perm("returns.add_deadline") and self.request.user.has_perm(
            "returns.change_deadline"
        )

    def get(self, request, *args, **kwargs):
        initial = {}
        edit = request.GET.get("edit", "")
        if edit.isdigit():
            found = self.deadlines().filter(pk=edit).first()
            if found is not None:
                initial = DeadlineForm.initial_from(found)
        form = DeadlineForm(initial=initial, user=request.user) if self.may_set() else None
        return self.render(form)

    def post(self, request, *args, **kwargs):
        if not self.may_set():
            raise PermissionDenied("Only the Director sets the returns' deadlines.")
        form = DeadlineForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        quarter, target_set = data["quarter"], data["target_set"]
        try:
            deadline, created = set_deadline(
                quarter=quarter,
                target_set=target_set,
                due=data["due"],
                note=data["note"],
                region=data.get("region"),
                actor=request.user,
            )
        except IntegrityError:  # two Directors at once: the other one's stands
            messages.error(request, "Someone set this deadline at the same moment: check it.")
            return redirect("returns:deadlines")
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render(form, status=400)
        which = (
            target_set.title
            if target_set
            else f"every target set of {deadline.region.name} in force"
        )
        messages.success(
            request,
            f"{'Set' if created else 'Moved'} the deadline of {quarter.label} returns "
            f"({which}) to {deadline.due:%-d %B %Y}.",
        )
        return redirect("returns:deadlines")

    def deadlines(self):
        return visible_deadlines(self.request.user)

    def render(self, form, *, status: int = 200):
        today = timezone.localdate()
        deadlines = list(self.deadlines().select_related("region", "target_set", "set_by"))
        owed = due_returns(visibility=scope_of(self.request.user))
        rows = []
        for deadline in deadlines:
            mine = [
                {"item": item, "timeliness": timeliness(item, today)}
                for item in owed
                if item.deadline.pk == deadline.pk
            ]
            rows.append(
                {
                    "deadline": deadline,
                    "words": deadline_words(deadline.due, today),
                    "owed": mine,
                    "submitted": sum(1 for row in mine if row["item"].status not in NOT_DONE),
                    "overdue": sum(1 for row in mine if row["item"].overdue(today)),
                }
            )
        context = {
            "rows": rows,
            "form": form,
            "today": today,
            "days_before": settings.RETURN_REMINDER_DAYS_BEFORE,
        }
        return render(self.request, self.template_name, context, status=status)


NOT_DONE = (None, *NOT_SUBMITTED)


def timeliness(item: DueReturn, today) -> tuple[str, bool]:
    """How a due return stands against its deadline, and whether to mark it."""
    return_obj = item.return_obj
    if return_obj is not None and return_obj.submitted_on_time is not None:
        return ("On time", False) if return_obj.submitted_on_time else ("Late", True)
    if item.overdue(today):
        return "Overdue", True
    if item.status not in NOT_DONE:
        return "Submitted before any deadline was set", False
    return deadline_words(item.due, today), False


class DeadlineDeleteView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "returns.delete_deadline"
    http_method_names = ["post"]

    def post(self, request, deadline_pk: int):
        deadline = get_object_or_404(visible_deadlines(request.user), pk=deadline_pk)
        label = remove_deadline(deadline=deadline, actor=request.user)
        messages.success(request, f"Removed the deadline {label}.")
        return redirect("returns:deadlines")


class NoticeListView(LoginRequiredMixin, View):
    """The signed-in person's notices, newest first; opening the page marks them read."""

    template_name = "returns/notices.html"

    def get(self, request, *args, **kwargs):
        notices = list(
            Notification.objects.filter(recipient=request.user)
            .select_related("return_obj")
            .order_by("-created_at", "-id")[:NOTICES_SHOWN]
        )
        unread = [notice.pk for notice in notices if notice.read_at is None]
        settings_row = NoticeSettings.objects.filter(user=request.user).first()
        context = {
            "notices": notices,
            "unread": set(unread),
            "settings_form": NoticeSettingsForm(instance=settings_row),
        }
        response = render(request, self.template_name, context)
        if unread:
            Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
        return response


class NoticeSettingsView(LoginRequiredMixin, View):
    """POST which reminders the person wants (sign-off notices cannot be turned off)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        row, _ = NoticeSettings.objects.get_or_create(user=request.user)
        form = NoticeSettingsForm(request.POST, instance=row)
        if form.is_valid():
            form.save()
            messages.success(request, "Saved your reminder settings.")
        else:
            messages.error(request, "Nothing was saved.")
        return redirect("returns:notices")
