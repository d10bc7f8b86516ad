"""The rule pages: change what a target's (or a measure's) ratings rest on, with a reason, and
re-rate every line (returns.rerating). Linked from the admin's change forms and the target's
dashboard page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from authorities.scope import regions_of
from targets.models import MEASURE_RULE_FIELDS, TARGET_RULE_FIELDS, Measure, Target

from .models import MAX_TEXT, Rerating
from .rerating import (
    RULE_PERMISSION,
    SHARED_MEASURE,
    change_measure_rule,
    change_target_rule,
    may_change_measure,
)


class _RuleForm(forms.ModelForm):
    reason = forms.CharField(
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with the change, shown on the target's page and in each line's "
        "history, and listed among the restatements of issued Board papers.",
    )

    def rule_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class TargetRuleForm(_RuleForm):
    class Meta:
        model = Target
        fields = list(TARGET_RULE_FIELDS)


class MeasureRuleForm(_RuleForm):
    class Meta:
        model = Measure
        fields = list(MEASURE_RULE_FIELDS)


class _RuleView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = RULE_PERMISSION
    model = Target
    form_class = TargetRuleForm
    template_name = "returns/rule_form.html"

    def get_object(self, pk: int):
        if self.model is Target:
            # Another region's target is a 404 (authorities.scope).
            targets = regions_of(self.request.user).filter(
                Target.objects.all(), "target_set__region_id"
            )
            return get_object_or_404(targets, pk=pk)
        # A measure is shared by every region's targets (the national vocabulary).
        return get_object_or_404(self.model, pk=pk)

    def get(self, request, pk: int):
        obj = self.get_object(pk)
        return self.render(obj, self.form_class(instance=obj))

    def post(self, request, pk: int):
        obj = self.get_object(pk)
        # The form validates a copy: the service changes the object itself, in its transaction.
        form = self.form_class(request.POST, instance=self.get_object(pk))
        if not form.is_valid():
            messages.error(request, "Nothing was changed: correct the fields marked below.")
            return self.render(obj, form, status=400)
        try:
            result = self.change(obj, form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render(obj, form, status=400)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.render(obj, form, status=403)
        records = result if isinstance(result, list) else [result] if result else []
        if not records:
            messages.info(request, "Nothing had changed: no line was re-rated.")
        else:
            rated = sum(record.lines_rated for record in records)
            changed = sum(record.lines_changed for record in records)
            messages.success(
                request,
                f"Rule changed and recorded: {rated} line{'s' if rated != 1 else ''} re-rated, "
                f"{changed} of them with a new rating.",
            )
        return redirect(request.path)

    def render(self, obj, form, *, status: int = 200):
        context = {
            "object": obj,
            "form": form,
            "kind": self.model._meta.verbose_name,
            "reratings": self.reratings(obj),
            "refusal": self.refusal(obj),
            "admin_url": reverse(
                f"admin:targets_{self.model._meta.model_name}_change", args=[obj.pk]
            ),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def refusal(self, obj) -> str:
        """Why the user cannot change this rule, shown before they try ("" when they can)."""
        return ""


class TargetRuleView(_RuleView):
    def change(self, obj, form):
        return change_target_rule(
            target=obj,
            values=form.rule_values(),
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def reratings(self, obj):
        return Rerating.objects.filter(target=obj).select_related("actor")[:20]


class MeasureRuleView(_RuleView):
    model = Measure
    form_class = MeasureRuleForm

    def change(self, obj, form):
        return change_measure_rule(
            measure=obj,
            values=form.rule_values(),
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )

    def refusal(self, obj) -> str:
        return "" if may_change_measure(obj, self.request.user) else SHARED_MEASURE

    def reratings(self, obj):
        reratings = Rerating.objects.filter(target__measure=obj)
        # Only the re-ratings of the user's region's targets.
        own = regions_of(self.request.user).filter(reratings, "target__target_set__region_id")
        return own.select_related("actor", "target")[:20]
