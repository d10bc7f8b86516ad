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
        fields = ["number", "title"]

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
        # The meeting's region's sets only: a Board reports on its own targets.
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
