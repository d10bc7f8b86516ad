"""Forms of the import and export pages (returns/io_views.py)."""

from __future__ import annotations

from django import forms

from authorities.models import SubRegion
from authorities.scope import regions_of
from targets.models import TargetSet

from . import exporting, importing
from .access import scope_of
from .models import Return
from .periods import Quarter


class ImportForm(forms.Form):
    """A returns file: it is checked first (returns.import_uploads), then applied on request."""

    file = forms.FileField(
        label="Returns file",
        help_text=(
            f"A .csv or .xlsx file of at most {importing.MAX_BYTES // (1024 * 1024)} MB and "
            f"{importing.MAX_ROWS:,} rows, with a header row."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB: the limit is "
                f"{importing.MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files."
            )
        return upload


class ExportForm(forms.Form):
    """The file format and the filters; the choices offered are what the user may see.

    The filters are plain text (a slug, a period label) resolved by
    ``exporting.find_filters``, so that a URL naming a sub-region the user may not see reaches
    the scope check (and is refused with 403) rather than failing as an invalid choice.
    """

    format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")], initial="csv", label="Format"
    )
    target_set = forms.CharField(required=False, label="Target set", widget=forms.Select)
    period = forms.CharField(required=False, label="Period", widget=forms.Select)
    sub_region = forms.CharField(required=False, label="Sub-region", widget=forms.Select)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visible = Return.objects.for_user(user)
        periods = visible.values_list("year", "quarter").distinct().order_by("-year", "-quarter")
        self.fields["period"].widget.choices = [("", "All periods")] + [
            (label, label) for label in (Quarter(y, q).label for y, q in periods)
        ]
        self.fields["target_set"].widget.choices = [("", "All target sets")] + [
            (target_set.slug, target_set.title)
            for target_set in regions_of(user).filter(TargetSet.objects.all())
        ]
        sub_regions = scope_of(user).filter(SubRegion.objects.all(), "pk")
        self.fields["sub_region"].widget.choices = [("", "All sub-regions you can see")] + [
            (sub_region.slug, sub_region.name) for sub_region in sub_regions
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            cleaned["filters"] = exporting.find_filters(
                target_set=cleaned.get("target_set", ""),
                period=cleaned.get("period", ""),
                sub_region=cleaned.get("sub_region", ""),
            )
        except exporting.ExportFilterError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned
