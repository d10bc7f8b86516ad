"""A return line's rating: computed once by the engine (targets.rating), stored on the line.

Every write that can change a rating goes through ``rate``: a line written through
returns.services, a line created by ``open_return``, a target whose rule changes
(returns.rerating). Readers never rate: they read the stored fields, and where they need the
engine's line object (to aggregate a filtered view) ``stored_rating`` rebuilds it from the
stored fields without rating anything again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from targets.rating import LineInput, LineRating, Rating, RatingRule, Status, computed_rating

from .models import LineScope, ReturnLine


def line_input(line: ReturnLine | Mapping[str, Any], *, authority: str = "") -> LineInput:
    """The engine's view of a stored line (a model instance or a ``values()`` row)."""
    get = (
        line.get
        if type(line) is dict or isinstance(line, Mapping)  # a dict first: the readers' rows
        else lambda name, default=None: getattr(line, name, default)
    )
    return LineInput(
        authority=authority,
        actual=get("actual"),
        target_value=get("target_value"),
        state=get("state"),
        manual=get("manual_rating") or None,
        in_scope=get("scope", LineScope.IN) != LineScope.OUTSIDE,
    )


def rate(line: ReturnLine, rule: RatingRule) -> LineRating:
    """Rate ``line`` by ``rule`` and store the result on it (not saved): the mark against
    tolerance, the computed and effective rating, whether it counts, the explanation."""
    result = computed_rating(rule, line_input(line))
    for name, value in rated_fields(result).items():
        setattr(line, name, value)
    return result


class AlikeRated:
    """Rates lines as ``rate`` does, asking the engine once per distinct input.

    The engine is a pure function of a target's rule and the line's input (its figures,
    state, manual rating and scope: ``line_input``), so lines of one target with the same
    input get the same stored fields. An import of 10,000 lines holds many alike (a level of
    1 to 4, yes or no, "awaiting data"), and each is then rated once. Figures are compared
    exactly as given ("96" and "96.0000" are told apart), so a shared result is the one the
    engine gives each line. ``rules``: the rule of each target id."""

    def __init__(self, rules: Mapping[int, RatingRule]) -> None:
        self.rules = rules
        self._results: dict[tuple, dict[str, Any]] = {}

    def rate(self, line: ReturnLine) -> None:
        key = (
            line.target_id,
            line.state,
            _exactly(line.actual),
            _exactly(line.target_value),
            line.manual_rating or None,
            line.scope,
        )
        fields = self._results.get(key)
        if fields is None:
            fields = self._results[key] = rated_fields(
                computed_rating(self.rules[line.target_id], line_input(line))
            )
        for name, value in fields.items():
            setattr(line, name, value)


def _exactly(value: object) -> tuple[str, str] | None:
    return None if value is None else (type(value).__name__, str(value))


def rated_fields(result: LineRating) -> dict[str, Any]:
    """The stored fields of a line rated ``result`` (``RATED_LINE_FIELDS``): what ``rate``
    stores, for callers that rate a line's values without a model instance (an import's
    plan: ``rated_fields(computed_rating(rule, line_input(values)))``)."""
    return {
        "status": result.status.value if result.status else "",
        "computed_rating": result.computed.value,
        "effective_rating": result.effective.value,
        "counted": result.counted,
        "explanation": result.explanation,
    }


def stored_rating(row: Mapping[str, Any], *, authority: str = "") -> LineRating:
    """The engine's rating object for a stored line, from its stored fields (no re-rating)."""
    status = row.get("status")
    return LineRating(
        line=line_input(row, authority=authority),
        status=_STATUS[status] if status else None,
        computed=_RATING[row["computed_rating"] or Rating.GREY],
        explanation=row.get("explanation", ""),
    )


# The stored codes' members, looked up rather than constructed (a page reads hundreds of lines).
_STATUS = {status.value: status for status in Status}
_RATING = {rating.value: rating for rating in Rating}


def missing_rating(*, authority: str = "") -> LineRating:
    """An authority the target applies to that has no line (no return, or none in it)."""
    line = LineInput(authority=authority, state="no_return")
    return LineRating(
        line=line, status=None, computed=Rating.GREY, explanation="No return was made."
    )


__all__ = ["AlikeRated", "line_input", "missing_rating", "rate", "rated_fields", "stored_rating"]
