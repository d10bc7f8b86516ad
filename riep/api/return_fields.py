"""The fields of the returns API: exact decimals, loose values, and the named enums.

Decimals are written as JSON strings without trailing zeros ("503", "92.79"): exact, where a
JSON number would go through binary floating point in most clients. Each choice set (ratings,
marks, states, scopes, statuses, bases) is one named component of the OpenAPI document.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from returns.models import Basis, ComparisonStatus, LineState, Rating, ReturnStatus

RATING_CHOICES = [rating.value for rating in Rating]
STATUS_CHOICES = [choice.value for choice in ComparisonStatus]
SCOPE_CHOICES = ["in", "outside", "not_applicable"]


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as the API writes it: a plain string without trailing zeros, or None."""
    if value is None:
        return None
    normalised = value.normalize()
    return "0" if normalised == 0 else f"{normalised:f}"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "nullable": True,
        "description": 'A decimal as a string without trailing zeros, e.g. "503" or "92.79".',
        "example": "92.79",
    }
)
class DecimalText(serializers.Field):
    """Output only: a Decimal as a plain string ("503", "92.79"), null for None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return decimal_text(value)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": (
            "A value as the papers write it, read by the target's measure: "
            '"92.79", "92.79%", "£41,661k", "Performing well (3)", 3, "yes". '
            "Strings are exact; null clears the value."
        ),
    }
)
class LooseValue(serializers.Field):
    """Input only: a string, a number or a boolean, kept as text for ``parse_value``."""

    default_error_messages = {"invalid": "Give the value as a string or a number."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return "yes" if data else "no"
        if isinstance(data, int | float | Decimal):
            return str(data)
        if isinstance(data, str):
            return data
        self.fail("invalid")
        return None  # pragma: no cover - fail() raises


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "pattern": r"\S"}, {"type": "integer"}],
        "description": 'e.g. "5" or a code.',
    }
)
class TargetRef(serializers.Field):
    """Input only: a target's number (string or integer) or its code."""

    default_error_messages = {"invalid": "Name the target by its number or its code."}

    def to_internal_value(self, data):
        # JSON Schema counts 5.0 as an integer: so does the API.
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip():
            self.fail("invalid")
        return str(data).strip()


class RatingField(serializers.ChoiceField):
    """R, A, G, ACH, NYD, GREY or NA (the schema's component "Rating")."""

    def __init__(self, **kwargs):
        super().__init__(choices=RATING_CHOICES, **kwargs)


class ComparisonStatusField(serializers.ChoiceField):
    """worse, within or better (the schema's component "ComparisonStatus")."""

    def __init__(self, **kwargs):
        super().__init__(choices=STATUS_CHOICES, **kwargs)


class ReturnStatusField(serializers.ChoiceField):
    """draft, submitted, approved or returned (the schema's component "ReturnStatus")."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReturnStatus.values, **kwargs)


class LineStateField(serializers.ChoiceField):
    """value, met, not_met, awaiting, not_applicable, no_return, progress or not_yet_due
    (component "LineState")."""

    def __init__(self, **kwargs):
        super().__init__(choices=LineState.values, **kwargs)


def enum_component(field_class, name: str, values: list[str], description: str):
    """Document a choice field as one named enum component, referred to wherever it is used.

    The same choice sets recur under many field names (rating, computed, manual, effective...):
    as named components, drf-spectacular neither invents a name per field nor warns about it.
    """

    class Extension(OpenApiSerializerFieldExtension):
        target_class = field_class

        def get_name(self) -> str:
            return name

        def map_serializer_field(self, auto_schema, direction):
            return {"type": "string", "enum": list(values), "description": description}

    Extension.__name__ = Extension.__qualname__ = f"{name}FieldExtension"
    return Extension


enum_component(
    RatingField,
    "Rating",
    RATING_CHOICES,
    "A RAG rating: R, A, G, ACH (Achieved: an improvement plan's final target met), NYD (not "
    "yet due: data in a later quarter, not missing), GREY (awaiting data) or NA (the target does "
    "not apply).",
)
enum_component(
    ComparisonStatusField,
    "ComparisonStatus",
    STATUS_CHOICES,
    "Where a value stands against its target and tolerance: worse, within or better.",
)
enum_component(
    ReturnStatusField, "ReturnStatus", ReturnStatus.values, "The sign-off status of a return."
)
enum_component(
    LineStateField,
    "LineState",
    LineState.values,
    "What a line holds: a value; the target stated met or not met without a figure; awaiting "
    "data; marked not applicable (with its reason); no return; an improvement plan's progress "
    "rated by hand without a figure; or not yet due (data in a later quarter, with its note).",
)


class ScopeField(serializers.ChoiceField):
    """in, outside or not_applicable (the schema's component "LineScope")."""

    def __init__(self, **kwargs):
        super().__init__(choices=SCOPE_CHOICES, **kwargs)


enum_component(
    ScopeField,
    "LineScope",
    SCOPE_CHOICES,
    "Whether a line counts for its target: in (counted); outside (reported for an authority "
    "the target's rule does not cover: shown, never counted); not_applicable (marked n/a).",
)


class BasisField(serializers.ChoiceField):
    """approved or all (the schema's component "Basis")."""

    def __init__(self, **kwargs):
        super().__init__(choices=Basis.values, **kwargs)


enum_component(
    BasisField,
    "Basis",
    Basis.values,
    "What the figures rest on: approved returns only, or all returns (draft and submitted too).",
)
