"""The rating a line would get with what is being typed, from the server's own engine.

The grid asks as a value is typed (static/js/grid.js, POST returns/<pk>/rate-preview/), so the
programme manager sees the rating before saving; there is no copy of the rules in JavaScript.
Nothing is saved: the line is changed in memory, rated (returns.rating.rate, the function
every write uses) and thrown away. The values are read by the parsers the save uses, so a
value the preview refuses is refused by the save with the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from targets.models import rating_rule

from .forms import cell_field, grid_change
from .models import MANUAL_RATINGS, LineState, ReturnLine
from .rating import rate
from .tables import rag

#: The fields the line panel sends (the grid sends only ``actual``).
PANEL_FIELDS = ("state", "target_value", "manual_rating")


def _parsed(line: ReturnLine, name: str, data: Mapping[str, str]) -> Any:
    field = cell_field(line.target, label=name)
    try:
        return field.clean(data.get(name, ""))
    except ValidationError as error:
        label = "value" if name == "actual" else "target value"
        raise ValidationError(f"The {label}: {' '.join(error.messages)}") from error


def preview_values(line: ReturnLine, data: Mapping[str, str]) -> dict[str, Any]:
    """The fields a preview request changes. From the grid (``actual`` alone) as saving the
    grid would change them; from the panel, as it sends them."""
    actual = _parsed(line, "actual", data)
    if not any(name in data for name in PANEL_FIELDS):
        return grid_change(line, actual)
    values: dict[str, Any] = {"actual": actual}
    state = data.get("state") or line.state
    if state not in LineState.values:
        raise ValidationError("Choose a state from the list.")
    values["state"] = state
    if "target_value" in data:
        values["target_value"] = _parsed(line, "target_value", data)
    manual = data.get("manual_rating", line.manual_rating) or ""
    if manual and manual not in MANUAL_RATINGS:
        raise ValidationError("A rating by hand is R, A or G.")
    values["manual_rating"] = manual
    return values


def rate_preview(line: ReturnLine, data: Mapping[str, str]) -> dict[str, Any]:
    """The rating ``line`` would get with ``data`` (raises ValidationError with the message
    of a value that cannot be read)."""
    for name, value in preview_values(line, data).items():
        setattr(line, name, value)
    rate(line, rating_rule(line.target))
    shown = rag(line.effective_rating)
    return {
        "ok": True,
        "code": shown.code,
        "text": shown.text,
        "label": shown.label,
        "css": shown.css,
        "explanation": line.explanation,
        "by_hand": bool(line.manual_rating),
        "rule": rag(line.computed_rating).label,
    }
