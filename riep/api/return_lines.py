"""Reading the lines of a ``PATCH returns/<id>/lines/`` (riep/api/returns.py): the authorities
and targets each line names, its values read by measure, and the 400 answers naming each line
at fault by its index (nothing is saved when any is)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response

from authorities.resolve import AuthorityResolver
from returns.errors import InvalidLines
from returns.models import LineState, Return
from returns.naming import TargetNames, find_authority
from returns.values import parse_value
from targets.models import Target, level_labels

__all__ = ["LineReader", "invalid_body", "lines_invalid"]


_CLEARABLE_TEXT = ("manual_reason", "state_reason", "comment", "source")


def _messages(value) -> list[str]:
    """DRF's nested errors (dicts and lists of messages), as a flat list of messages."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def invalid_body(errors) -> Response:
    """400 for a body the serializer refused: each line at fault by its index, the rest (the
    version; "lines" not a list, or empty) by field."""
    line_errors = []
    other = {}
    for name, messages in errors.items():
        if name == "lines":
            # One entry per line as a list, or a dict by index; or the list's own errors.
            entries = (
                dict(enumerate(messages))
                if isinstance(messages, list)
                else messages
                if isinstance(messages, dict)
                else {}
            )
            found = [
                {"index": int(index), "authority": "", "target": "", "errors": item}
                for index, item in entries.items()
                if str(index).isdigit() and isinstance(item, dict) and item
            ]
            if found:
                line_errors.extend(found)
                continue
        other[name] = _messages(messages)
    return Response(
        {
            "detail": "The request is not valid; nothing was saved.",
            "lines": line_errors,
            "errors": other,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def lines_invalid(line_errors: list[dict], other: dict | None = None) -> Response:
    return Response(
        {
            "detail": "Some lines are not valid; nothing was saved.",
            "lines": line_errors,
            "errors": other or {},
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class LineReader:
    """Reads a PATCH's lines: the authorities and targets they name (returns.naming, as the
    importer reads them) and their values by measure (returns.values)."""

    def __init__(self, return_obj: Return) -> None:
        self.return_obj = return_obj
        self.resolver = AuthorityResolver()
        targets = list(
            Target.objects.filter(target_set=return_obj.target_set_id)
            .select_related("measure")
            .prefetch_related("measure__levels")
        )
        self.targets = TargetNames(targets)
        self.lines = {
            (row["authority_id"], row["target_id"]): row
            for row in return_obj.lines.values("authority_id", "target_id", "state", "actual")
        }
        self.index_of_key: dict[tuple[int, int], tuple[int, str, str]] = {}

    def read(self, items: list[dict]):
        changes: dict[tuple[int, int], dict[str, Any]] = {}
        keys: list[tuple[int, int]] = []
        errors: list[dict] = []
        for index, item in enumerate(items):
            problems: dict[str, list[str]] = {}
            authority = self._authority(item["authority"], problems)
            target = self._target(item["target"], problems)
            key = None
            if authority is not None and target is not None:
                key = (authority.pk, target.pk)
                if key in changes:
                    problems.setdefault("target", []).append(
                        f"{authority.name} against target {target.number} is named twice."
                    )
            values = self._values(item, target, key, problems)
            if problems:
                errors.append(
                    {
                        "index": index,
                        "authority": str(item["authority"]),
                        "target": str(item["target"]),
                        "errors": problems,
                    }
                )
                continue
            if key is None:  # pragma: no cover - a problem was recorded above
                continue
            changes[key] = values
            keys.append(key)
            self.index_of_key[key] = (index, str(item["authority"]), str(item["target"]))
        return changes, keys, errors

    def service_errors(self, error: InvalidLines) -> list[dict]:
        """The service's problems, each on the line of the request it concerns."""
        by_index: dict[int, dict] = {}
        for problem in error.problems:
            index, authority, target = self.index_of_key.get(
                (problem.authority_id, problem.target_id), (-1, "", "")
            )
            entry = by_index.setdefault(
                index, {"index": index, "authority": authority, "target": target, "errors": {}}
            )
            entry["errors"].setdefault(problem.field, []).append(problem.message)
        return [by_index[index] for index in sorted(by_index)]

    def _authority(self, name: str, problems: dict[str, list[str]]):
        found = find_authority(self.resolver, name, self.return_obj.sub_region)
        if isinstance(found, str):
            problems.setdefault("authority", []).append(found)
            return None
        return found

    def _target(self, ref: str, problems: dict[str, list[str]]):
        found = self.targets.find(ref)
        if len(found) != 1:
            problems.setdefault("target", []).append(
                f'No target "{ref}" in {self.return_obj.target_set.title}: give its number '
                f"({', '.join(self.targets.numbers)}), its code or its indicator."
            )
            return None
        return found[0]

    def _values(self, item, target, key, problems: dict[str, list[str]]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("actual", "target_value"):
            if name not in item:
                continue
            if item[name] is None:
                values[name] = None
                continue
            if target is None:
                continue
            try:
                values[name] = parse_value(
                    item[name],
                    measure_kind=target.measure.kind,
                    levels=level_labels(target.measure),
                )
            except ValueError as error:
                problems.setdefault(name, []).append(str(error))
        if "date_of_data" in item:
            values["date_of_data"] = item["date_of_data"]
        if "manual_rating" in item:
            values["manual_rating"] = item["manual_rating"] or ""
        for name in _CLEARABLE_TEXT:
            if name in item:
                values[name] = item[name] or ""
        current = self.lines.get(key) if key is not None else None
        if "state" in item:
            values["state"] = item["state"]
            if item["state"] != LineState.VALUE and "actual" not in item:
                values["actual"] = None
        elif "actual" in values:
            if values["actual"] is not None:
                values["state"] = LineState.VALUE.value
            elif current is not None and current["state"] == LineState.VALUE:
                values["state"] = LineState.AWAITING.value
        return values
