"""The administrators' page of recent changes (/admin/changes/): who changed what, when, from
what, with filters; and links to the sign-in records. See riep/audit.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from authorities.roles import is_national

from .audit import SCAN_LIMIT, recent_changes, visible_kinds

PAGE_SIZE = 50


class ChangesFilter(forms.Form):
    kind = forms.ChoiceField(label="What", required=False)
    field = forms.CharField(
        label="Field", required=False, max_length=100, help_text='e.g. "threshold"'
    )
    who = forms.CharField(label="Changed by (username)", required=False, max_length=150)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput({"type": "date"}))
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"), *[(k.key, k.label) for k in kinds]]


def changes(request):
    """Staff only (the admin's own sign-in); each user sees the history of what they may view.
    The history spans every region: a national user's only (issue 13), until it is scoped."""
    if not is_national(request.user):
        raise PermissionDenied("The changes of every region are for national users only.")
    kinds = visible_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    form = ChangesFilter(request.GET or None, kinds=kinds)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    number = values.get("page") or 1
    page = recent_changes(
        user=request.user,
        kind=values.get("kind", ""),
        who=values.get("who", ""),
        since=values.get("since"),
        until=values.get("until"),
        field_name=values.get("field", ""),
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    sign_ins = [
        (label, reverse(f"admin:axes_{model}_changelist"))
        for label, model, permission in (
            ("Successful sign-ins", "accesslog", "axes.view_accesslog"),
            ("Failed sign-ins", "accessfailurelog", "axes.view_accessfailurelog"),
            ("Locked out (unlock here)", "accessattempt", "axes.view_accessattempt"),
        )
        if request.user.has_perm(permission)
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Changes to the reference data, roles and Board papers",
        "form": form,
        "page": page,
        "number": number,
        "query": query.urlencode(),
        "sign_ins": sign_ins,
        "scan_limit": f"{SCAN_LIMIT:,}",
    }
    return render(request, "riep/changes.html", context)
