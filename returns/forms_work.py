"""Forms of the work around returns: deadlines, notice settings, and a submission's questions."""

from __future__ import annotations

from typing import Any

from django import forms

from authorities.models import Region
from authorities.scope import regions_of
from targets.models import TargetSet, TargetSetStatus

from .forms import FIRST_QUARTER, LAST_QUARTER, parse_quarter_key, quarter_key
from .models import MAX_TEXT, Deadline, NoticeSettings, ReturnLine
from .periods import Quarter
from .submission import awaiting_problem, where


class DeadlineForm(forms.Form):
    """The Director sets (or moves) a quarter's deadline, for every set of the region or for
    one. The region is the Director's own; a user who sees several regions chooses it."""

    quarter = forms.ChoiceField(choices=())
    region = forms.ModelChoiceField(
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label="Choose the region",
        label="Region",
        help_text="Whose returns are due (a set's deadline is always its set's region).",
    )
    target_set = forms.ModelChoiceField(
        queryset=TargetSet.objects.exclude(status=TargetSetStatus.PROPOSED),
        required=False,
        empty_label="Every target set of the region in force that quarter",
        label="Target set",
    )
    due = forms.DateField(
        label="Returns due by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The whole day counts: a return submitted on the day is on time.",
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        label="Note (optional)",
        help_text="Shown beside the deadline, e.g. where it was agreed.",
    )

    def __init__(self, *args: Any, user=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The sets of the Director's own region only.
        scope = regions_of(user)
        target_set = self.fields["target_set"]
        target_set.queryset = scope.filter(target_set.queryset)
        region = self.fields["region"]
        region.queryset = scope.filter(region.queryset, "pk")
        if not scope.everything:
            del self.fields["region"]  # the Director's own region: nothing to choose
        self.fields["quarter"].choices = [
            (quarter_key(quarter), quarter.label)
            for quarter in (
                Quarter.from_index(index)
                for index in range(LAST_QUARTER.index, FIRST_QUARTER.index - 1, -1)
            )
        ]

    def clean_quarter(self) -> Quarter:
        return parse_quarter_key(self.cleaned_data["quarter"])

    def clean(self):
        data = super().clean()
        quarter, due = data.get("quarter"), data.get("due")
        if quarter and due and due < quarter.start:
            self.add_error(
                "due", f"Returns for {quarter.label} cannot be due before the quarter starts."
            )
        return data

    @staticmethod
    def initial_from(deadline: Deadline) -> dict[str, Any]:
        return {
            "quarter": quarter_key(deadline.period),
            "region": deadline.region_id,
            "target_set": deadline.target_set_id,
            "due": deadline.due,
            "note": deadline.note,
        }


class NoticeSettingsForm(forms.ModelForm):
    class Meta:
        model = NoticeSettings
        fields = ["remind_before", "remind_after"]


class SubmitForm(forms.Form):
    """Submitting: a comment for the Director, and for the lines still awaiting data either a
    reason for each or one confirmation for all (returns.submission)."""

    comment = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment for the Director (optional)",
    )
    confirm_all = forms.BooleanField(
        required=False, label="Submit them all as awaiting data, without a reason for each"
    )

    def __init__(self, *args: Any, awaiting: list[ReturnLine], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.awaiting = awaiting
        for line in awaiting:
            self.fields[f"why-{line.pk}"] = forms.CharField(
                required=False,
                max_length=MAX_TEXT,
                label=f"Why {where(line)} awaits data",
                widget=forms.TextInput(attrs={"size": 40}),
            )

    def awaiting_rows(self):
        for line in self.awaiting:
            yield line, self[f"why-{line.pk}"]

    def reasons(self) -> dict[int, str]:
        return {
            line.pk: (self.cleaned_data.get(f"why-{line.pk}") or "").strip()
            for line in self.awaiting
        }

    def clean(self):
        data = super().clean()
        problem = awaiting_problem(
            self.awaiting, self.reasons(), confirmed=bool(data.get("confirm_all"))
        )
        if problem:
            raise forms.ValidationError(problem, code="awaiting")
        return data
