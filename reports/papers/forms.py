"""Forms of the Board papers' pages: meetings, agenda items, papers and their sections."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory

from returns.periods import Quarter
from targets.models import TargetSet, TargetSetStatus

from ..models import APPENDIX_CHOICES, AgendaItem, Meeting, Paper, Section, all_appendices


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["body", "date", "starts_at", "venue"]
        labels = {"body": "Meeting of", "starts_at": "Starts at"}
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["number", "title", "kind"]

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def clean_number(self):
        number = self.cleaned_data["number"]
        taken = AgendaItem.objects.filter(meeting=self.meeting, number=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"The meeting already has an item {number}.")
        return number


class PaperForm(forms.ModelForm):
    """A paper's details; the quarter is written as the papers write it: 2009/10 Q3. The
    Director chooses the returns it rests on (approved only, the default, or every return,
    marked) and the appendices it carries."""

    period = forms.CharField(
        label="Quarter",
        help_text='The quarter of the returns, e.g. "2009/10 Q3".',
        max_length=20,
    )
    appendices = forms.MultipleChoiceField(
        label="Appendices",
        choices=APPENDIX_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The appendices the paper carries, numbered in this order.",
        error_messages={"required": "Choose at least one appendix."},
    )

    class Meta:
        model = Paper
        fields = ["title", "target_set", "author_name", "author_title", "basis"]
        labels = {
            "author_name": "Signed by",
            "author_title": "Signatory's title",
            "basis": "Returns the paper rests on",
        }
        widgets = {"basis": forms.RadioSelect}

    def __init__(self, *args, region_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if region_id is None and self.instance.pk:
            region_id = self.instance.agenda_item.meeting.region_id
        # Required here: a report without a target set has its own form (ReportForm). The
        # meeting's region's sets only: a Board reports on its own targets.
        self.fields["target_set"].required = True
        self.fields["target_set"].queryset = (
            TargetSet.objects.exclude(status=TargetSetStatus.PROPOSED)
            .filter(region=region_id)
            .order_by("order", "slug")
        )
        self.fields["basis"].choices = [
            ("approved", "Approved returns only (recommended)"),
            (
                "all",
                "Include submitted and draft returns: the paper says so on its first page and "
                "marks every figure they touch; issuing it asks you to confirm",
            ),
        ]
        self.fields["appendices"].initial = (
            list(self.instance.appendices) if self.instance.pk else all_appendices()
        )
        if self.instance.pk:
            self.fields["period"].initial = self.instance.period.label

    def clean_period(self) -> Quarter:
        try:
            quarter = Quarter.parse(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        self.instance.year, self.instance.quarter = quarter.year, quarter.quarter
        return quarter


class ReportForm(forms.ModelForm):
    """A report without a target set (seed 002's items 5 to 12): its title and signature; no
    quarter, no returns, no appendices."""

    class Meta:
        model = Paper
        fields = ["title", "author_name", "author_title"]
        labels = {"author_name": "Signed by", "author_title": "Signatory's title"}


class SectionForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["heading", "body", "order"]
        labels = {"body": "Text", "order": "Position"}
        help_texts = {
            "body": (
                "Plain text or Markdown. Leave a blank line between paragraphs: each is "
                "numbered (2.1, 2.2 …). A list under a paragraph belongs to it."
            ),
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10, "cols": 80}),
            "order": forms.NumberInput(attrs={"min": 1, "class": "input--narrow"}),
        }


SectionFormSet = inlineformset_factory(
    Paper,
    Section,
    form=SectionForm,
    extra=1,
    can_delete=True,
)


class VersionForm(forms.Form):
    """The version of the paper the page was loaded with (a save on an older one is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    """A decision of the meeting's minutes (reports.meetings.record_decision)."""

    number = forms.IntegerField(min_value=1, label="Decision number")
    agenda_item = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(), required=False, label="Taken at item"
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Decision")
    source = forms.CharField(
        max_length=300, required=False, label="Source", help_text="The paper and line."
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.items.all()


class ActionForm(forms.Form):
    """An action raised at the meeting (reports.meetings.record_action)."""

    number = forms.IntegerField(min_value=1, label="Action number")
    agenda_item = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(), required=False, label="Raised at item"
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Action")
    owner = forms.CharField(max_length=200, label="Owner")
    due_meeting = forms.ModelChoiceField(
        queryset=Meeting.objects.none(), required=False, label="Due at meeting"
    )
    due_text = forms.CharField(max_length=200, required=False, label="Due (as minuted)")
    source = forms.CharField(
        max_length=300, required=False, label="Source", help_text="The paper and line."
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = meeting.items.all()
        self.fields["due_meeting"].queryset = Meeting.objects.filter(date__gt=meeting.date)
