"""Forms of the returns pages. They read and check what was typed; returns.services writes it.

Values are read by returns.values.parse_value, the one parser every channel shares, so a cell
refuses in the grid exactly what the importer refuses in a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from authorities.scope import regions_of
from targets.models import (
    MeasureKind,
    Target,
    TargetSet,
    TargetSetKind,
    TargetSetStatus,
    level_labels,
)

from .models import (
    EDITABLE_LINE_FIELDS,
    MANUAL_RATINGS,
    MAX_TEXT,
    REPORTED_RATINGS,
    LineState,
    Return,
    ReturnLine,
)
from .periods import Quarter
from .services import Reported
from .tables import cell_label
from .values import format_value_for_input, parse_value

LEVEL_KINDS = frozenset({MeasureKind.ORDINAL, MeasureKind.MILESTONE})

#: Quarters a return may be started for: the 2008-11 strategy's years and the one after.
FIRST_QUARTER = Quarter(2008, 1)
LAST_QUARTER = Quarter(2011, 4)


def _levels_of(target: Target) -> dict[int, str]:
    levels = getattr(target, "levels", None)
    return levels if levels is not None else level_labels(target.measure)


class CellValueField(forms.Field):
    """A value in a target's measure: parsed by returns.values, refused with its message.

    Levels (with a scale) and yes/no are offered as a select; numbers as a text input that
    accepts what the papers write ("92.79%", "£41,661k").
    """

    def __init__(self, *, measure_kind: str, levels: Mapping[int, str], **kwargs: Any):
        self.measure_kind = measure_kind
        self.levels = dict(levels)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", self._widget())
        super().__init__(**kwargs)

    def _widget(self) -> forms.Widget:
        if self.measure_kind == MeasureKind.YES_NO:
            return forms.Select(choices=[("", "—"), ("1", "Yes"), ("0", "No")])
        if self.measure_kind in LEVEL_KINDS and self.levels:
            choices = [("", "—")] + [
                (str(value), f"{value} – {label}") for value, label in sorted(self.levels.items())
            ]
            return forms.Select(choices=choices)
        return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 7})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, Decimal):
            return value
        if value in self.empty_values:
            return None
        try:
            return parse_value(str(value), measure_kind=self.measure_kind, levels=self.levels)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from error

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            return format_value_for_input(value, measure_kind=self.measure_kind, levels=self.levels)
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


def cell_field(target: Target, **kwargs: Any) -> CellValueField:
    return CellValueField(measure_kind=target.measure.kind, levels=_levels_of(target), **kwargs)


class ReturnGridForm(forms.Form):
    """Every line's value of a return, posted at once with the version it was read at.

    Each value field carries its initial value in a hidden input (``show_hidden_initial``), so
    ``changed_data`` names the cells this person changed, whatever happened meanwhile: only
    those are sent to update_lines, and after a refused (stale) save only those are kept.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, lines: Iterable[ReturnLine], version: int, **kwargs: Any):
        super().__init__(*args, initial={"version": version}, **kwargs)
        self.lines: dict[str, ReturnLine] = {}
        for line in lines:
            name = self.field_name(line)
            self.lines[name] = line
            field = cell_field(
                line.target, initial=line.actual, label=cell_label(line.authority, line.target)
            )
            field.show_hidden_initial = True
            field.widget.attrs["aria-label"] = field.label
            field.widget.attrs["data-grid-cell"] = ""
            self.fields[name] = field

    @staticmethod
    def field_name(line: ReturnLine) -> str:
        return f"v-{line.pk}"

    @property
    def changed_lines(self) -> list[tuple[str, ReturnLine]]:
        return [(name, self.lines[name]) for name in self.changed_data if name in self.lines]

    def changes(self) -> dict[tuple[int, int], dict[str, Any]]:
        """The services.update_lines changes for the cells this person changed.

        A value sets the state to "value given"; clearing a value sets it back to awaiting
        data (the other states are chosen on the line's page).
        """
        changes: dict[tuple[int, int], dict[str, Any]] = {}
        for name, line in self.changed_lines:
            change = grid_change(line, self.cleaned_data[name])
            if change:
                changes[(line.authority_id, line.target_id)] = change
        return changes

    def kept_entries(self) -> dict[str, str]:
        """What this person typed into the cells they changed (raw, to show again)."""
        return {name: self.data.get(self.add_prefix(name), "") for name, _ in self.changed_lines}


def grid_change(line: ReturnLine, value: Decimal | None) -> dict[str, Any]:
    """What typing ``value`` into a line's grid cell changes: a value sets the state to "value
    given"; clearing a value sets it back to "awaiting data"; an empty cell of a line without
    a value leaves it as it is (its other states are chosen on the line's panel or page)."""
    if value is not None:
        return {"actual": value, "state": LineState.VALUE}
    if line.actual is not None or line.state == LineState.VALUE:
        return {"actual": None, "state": LineState.AWAITING}
    return {}


def grid_form_after_conflict(
    *, lines: Iterable[ReturnLine], version: int, kept: Mapping[str, str]
) -> ReturnGridForm:
    """The grid form after a refused save: today's values and version, with the cells the
    person had changed still holding what they typed, ready to be saved again."""
    lines = list(lines)
    probe = ReturnGridForm(lines=lines, version=version)
    data: dict[str, Any] = {"version": str(version)}
    for name, field in probe.fields.items():
        if name == "version":
            continue
        current = field.prepare_value(field.initial)
        current = "" if current is None else str(current)
        data[f"initial-{name}"] = current
        data[name] = kept.get(name, current)
    form = ReturnGridForm(data, lines=lines, version=version)
    form.is_valid()
    return form


class LineForm(forms.Form):
    """Every field of one line, with the return's version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    state = forms.ChoiceField(choices=LineState.choices)
    actual = forms.Field(required=False)  # replaced per measure in __init__
    target_value = forms.Field(required=False)
    date_of_data = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The date the figure is for or was published.",
    )
    manual_rating = forms.ChoiceField(
        choices=[("", "None"), *((rating.value, rating.label) for rating in MANUAL_RATINGS)],
        required=False,
        label="The sub-region's own rating",
        help_text=(
            "Kept and shown beside the rule's rating. A value is always rated by the rule, the "
            "same for everyone; your rating stands only where no value is given."
        ),
    )
    manual_reason = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for the rating",
    )
    state_reason = forms.CharField(
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it does not apply",
        help_text='Required to mark the line not applicable ("not relevant for Rutland").',
    )
    comment = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(required=False, max_length=300, label="Source of the figure")

    FIELDS = EDITABLE_LINE_FIELDS

    def __init__(self, *args: Any, line: ReturnLine, version: int, **kwargs: Any):
        initial = {name: getattr(line, name) for name in self.FIELDS}
        initial["version"] = version
        super().__init__(*args, initial=initial, **kwargs)
        self.line = line
        self.fields["actual"] = cell_field(line.target, label="Value")
        self.fields["target_value"] = cell_field(
            line.target,
            label="Target value",
            help_text="Empty: the target's threshold applies.",
        )

    def clean_date_of_data(self):
        day = self.cleaned_data.get("date_of_data")
        if day and day > timezone.localdate():
            raise ValidationError("The date of the data cannot be in the future.")
        return day

    def clean(self):
        data = super().clean()
        state, actual = data.get("state"), data.get("actual")
        if "actual" in data and state:
            if actual is not None and state != LineState.VALUE:
                self.add_error(
                    "state", "A value is given: choose “Value given”, or clear the value."
                )
            if actual is None and state == LineState.VALUE:
                self.add_error("actual", "Enter the value, or choose another state.")
        if data.get("manual_rating") and not (data.get("manual_reason") or "").strip():
            self.add_error("manual_reason", "A manual rating needs its reason.")
        if state == LineState.NOT_APPLICABLE and not (data.get("state_reason") or "").strip():
            self.add_error("state_reason", "Say why the target does not apply to this authority.")
        return data

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class StartReturnForm(forms.Form):
    """A programme manager opens (or goes back to) their sub-region's return for a quarter."""

    # An improvement plan's quarter is started from the plans' page (returns.progress_views),
    # which knows whose plan it is.
    target_set = forms.ModelChoiceField(
        queryset=TargetSet.objects.exclude(status=TargetSetStatus.PROPOSED).exclude(
            kind=TargetSetKind.IMPROVEMENT_PLAN
        ),
        empty_label=None,
    )
    quarter = forms.ChoiceField(choices=())

    def __init__(self, *args: Any, user=None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A programme manager returns against their own region's sets only.
        target_set = self.fields["target_set"]
        target_set.queryset = regions_of(user).filter(target_set.queryset)
        quarters = [
            Quarter.from_index(index)
            for index in range(LAST_QUARTER.index, FIRST_QUARTER.index - 1, -1)
        ]
        self.fields["quarter"].choices = [
            (quarter_key(quarter), f"{quarter.label} ({quarter.start:%b}–{quarter.end:%b %Y})")
            for quarter in quarters
        ]

    @staticmethod
    def initial_for(sub_region) -> dict[str, Any]:
        """Start where the sub-region left off: the quarter after its latest return, against
        the same target set; with no return yet, the first adopted set."""
        latest = (
            Return.objects.filter(sub_region=sub_region)
            .exclude(target_set__kind=TargetSetKind.IMPROVEMENT_PLAN)
            .order_by("-year", "-quarter", "-pk")
            .first()
        )
        if latest is None:
            adopted = (
                TargetSet.objects.filter(
                    status=TargetSetStatus.ADOPTED, region=sub_region.region_id
                )
                .exclude(kind=TargetSetKind.IMPROVEMENT_PLAN)
                .first()
            )
            return {"target_set": adopted.pk} if adopted else {}
        quarter = min(latest.period.next(), LAST_QUARTER)
        return {"target_set": latest.target_set_id, "quarter": quarter_key(quarter)}

    def clean_quarter(self) -> Quarter:
        return parse_quarter_key(self.cleaned_data["quarter"])

    def clean(self):
        data = super().clean()
        target_set, quarter = data.get("target_set"), data.get("quarter")
        if target_set and quarter:
            starts, ends = target_set.in_force_from, target_set.in_force_to
            if (starts and quarter.end < starts) or (ends and quarter.start > ends):
                self.add_error(
                    "quarter",
                    f"{target_set.title} was not in force in {quarter.label}.",
                )
        return data


def quarter_key(quarter: Quarter) -> str:
    """A quarter in a URL or a form: "2009-3"."""
    return f"{quarter.year}-{quarter.quarter}"


def parse_quarter_key(text: str) -> Quarter:
    try:
        year, number = (int(part) for part in text.split("-"))
        return Quarter(year, number)
    except ValueError as error:
        raise ValidationError("Choose a quarter from the list.") from error


class TransitionForm(forms.Form):
    """A sign-off step, with a comment (required to send back, a reason to reopen)."""

    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, required: bool = False, label: str = "Comment", **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["comment"]
        field.required = required
        field.label = label


class ReportedRatingsForm(forms.Form):
    """The sub-region's own overall rating of each target, with its reason (optional each).

    Kept beside the computed overall rating everywhere and flagged where they differ."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    CHOICES = [("", "None given"), *((rating.value, rating.label) for rating in REPORTED_RATINGS)]

    def __init__(self, *args: Any, targets: Iterable[Target], current: Mapping, version: int, **kw):
        super().__init__(*args, initial={"version": version}, **kw)
        self.targets = list(targets)
        for target in self.targets:
            own = current.get(target.pk)
            self.fields[f"r-{target.pk}"] = forms.ChoiceField(
                choices=self.CHOICES,
                required=False,
                initial=own.rating if own else "",
                label=f"Target {target.number}: your rating",
            )
            self.fields[f"why-{target.pk}"] = forms.CharField(
                required=False,
                max_length=MAX_TEXT,
                initial=own.reason if own else "",
                label=f"Target {target.number}: reason",
                widget=forms.TextInput(attrs={"size": 40}),
            )

    def rows(self):
        for target in self.targets:
            yield target, self[f"r-{target.pk}"], self[f"why-{target.pk}"]

    def clean(self):
        data = super().clean()
        for target in self.targets:
            if data.get(f"r-{target.pk}") and not (data.get(f"why-{target.pk}") or "").strip():
                self.add_error(f"why-{target.pk}", "Give the sub-region's reason for its rating.")
        return data

    def ratings(self):
        """What services.set_reported_ratings takes: target id → Reported, or None to remove."""
        return {
            target.pk: (
                Reported(
                    rating=self.cleaned_data[f"r-{target.pk}"],
                    reason=self.cleaned_data[f"why-{target.pk}"].strip(),
                )
                if self.cleaned_data[f"r-{target.pk}"]
                else None
            )
            for target in self.targets
        }
