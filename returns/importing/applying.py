"""Plan (a dry run) and apply validated rows: all or nothing."""

from __future__ import annotations

import functools
import gc
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from targets.models import level_labels, rating_rule
from targets.rating import computed_rating
from targets.rules import format_value

from .. import creating, overall, services
from ..models import LineScope, LineState, ReturnLine
from ..rating import line_input, rated_fields
from .reading import MAX_BYTES, MAX_ROWS, ImportFileError, read_table
from .reference import Reference, ReturnKey
from .report import ImportReport, PlannedChange, ReturnOutcome, RowError
from .validation import NEW_LINE_DEFAULTS, ValidatedRow, validate

#: The channel is stored in the history's change reason (100 characters).
CHANNEL_LENGTH = 100
_COMPARED = (*services.EDITABLE_FIELDS, *services.RATED_FIELDS)


def _grouped(rows: Iterable[ValidatedRow]) -> dict[ReturnKey, list[ValidatedRow]]:
    groups: dict[ReturnKey, list[ValidatedRow]] = defaultdict(list)
    for row in rows:
        groups[row.return_key].append(row)
    return dict(sorted(groups.items(), key=lambda item: _sort_key(item[1][0])))


def _sort_key(row: ValidatedRow) -> tuple:
    return (
        row.sub_region.order,
        row.sub_region.name,
        row.target_set.order,
        row.target_set.slug,
        row.quarter,
    )


def _outcome(row: ValidatedRow, *, created: bool) -> ReturnOutcome:
    return ReturnOutcome(
        sub_region=row.sub_region.name,
        target_set=row.target_set.slug,
        period=str(row.quarter),
        created=created,
    )


@dataclass(frozen=True)
class _Diff:
    changed: bool
    before: Mapping[str, Any]
    after: Mapping[str, Any]


def _differs(
    rows: Sequence[ValidatedRow], reference: Reference, *, rate_new: bool = True
) -> dict[int, _Diff]:
    """Whether each row would change its line (or the sub-region's own rating), decided as
    the services decide it: a line changes when any editable or rated field differs from what
    is stored (for a line that does not exist yet, from a new empty line). A line whose
    editable fields stay the same is re-rated in memory, and has changed only if its stored
    rating is out of date. Keyed by row number; before and after carry the fields and the
    rating, for the preview. Without ``rate_new``, a line that does not exist yet is not rated
    here (whether it changes does not depend on its rating): the import takes its rating from
    the service that writes it (``_take_ratings``), so that no line is rated twice."""
    rules: dict[int, Any] = {}
    diffs = {}
    for row in rows:
        if row.is_reported:
            current = reference.current_reported(row.return_key, row.target) or {}
            before = {name: current.get(name, "") for name in ("rating", "reason", "source")}
            after = {**before, **row.changes}
            changed = (after["rating"], after["reason"]) != (before["rating"], before["reason"])
            diffs[row.number] = _Diff(changed, before, after)
            continue
        current = reference.current_line(row.return_key, row.authority, row.target)
        if row.target.pk not in rules:
            rules[row.target.pk] = rating_rule(row.target)
        if current is None:
            before = {**NEW_LINE_DEFAULTS, "computed_rating": "GREY", "effective_rating": "GREY"}
        else:
            before = dict(current)
        editable = {name: before[name] for name in services.EDITABLE_FIELDS}
        after = {**editable, **row.changes}
        if current is not None or rate_new:
            after.update(_rated(after, row, rules[row.target.pk]))
        # A new line is rated when it is created: only what the row sets can change it.
        fields = services.EDITABLE_FIELDS if current is None else _COMPARED
        changed = any(after[name] != before.get(name) for name in fields)
        diffs[row.number] = _Diff(changed, before, after)
    return diffs


def _plan(
    *,
    rows: Sequence[ValidatedRow],
    reference: Reference,
    diffs: Mapping[int, _Diff] | None = None,
) -> tuple[list[ReturnOutcome], list[PlannedChange]]:
    """What applying the rows would do (a dry run): per return, whether it would be created
    and how many lines would change or stay as they are, and each change. Nothing is written.
    ``diffs``: the rows' ``_differs`` when the caller has them already."""
    diffs = _differs(rows, reference) if diffs is None else diffs
    outcomes, changes = [], []
    for key, group in _grouped(rows).items():
        outcome = _outcome(group[0], created=key not in reference.returns)
        lines = [row for row in group if not row.is_reported]
        outcome.changed = sum(diffs[row.number].changed for row in lines)
        outcome.unchanged = len(lines) - outcome.changed
        outcome.own_ratings = sum(diffs[row.number].changed for row in group if row.is_reported)
        outcomes.append(outcome)
        changes += [_planned(row, diffs[row.number]) for row in group if diffs[row.number].changed]
    return outcomes, changes


def _planned(row: ValidatedRow, diff: _Diff) -> PlannedChange:
    """A change as the preview shows it: the value (or statement) and rating, old and new."""
    if row.is_reported:
        return PlannedChange(
            row=row.number,
            where=f"{row.sub_region.name}'s own rating, target {row.target.number}",
            before=diff.before.get("reason") or "—",
            after=diff.after.get("reason") or "—",
            rating_before=diff.before.get("rating") or "none",
            rating_after=diff.after.get("rating") or "none",
        )
    where = f"{row.authority.short_name}, target {row.target.number}"
    if row.outside:
        where += " (outside the target's scope)"
    return PlannedChange(
        row=row.number,
        where=where,
        before=_shown(diff.before, row),
        after=_shown(diff.after, row),
        rating_before=diff.before.get("effective_rating") or "GREY",
        rating_after=diff.after.get("effective_rating") or "GREY",
    )


def _shown(values: Mapping[str, Any], row: ValidatedRow) -> str:
    measure = row.target.measure
    if values.get("actual") is not None:
        return format_value(
            values["actual"],
            measure_kind=measure.kind,
            unit=measure.unit,
            levels=level_labels(measure),
        )
    return LineState(values.get("state") or LineState.AWAITING).label.lower()


def _rated(values: Mapping[str, Any], row: ValidatedRow, rule) -> dict[str, Any]:
    """The rated fields a line with these editable values gets: the engine's rating, as
    ``returns.rating.rate`` stores it (without making a model instance per row)."""
    scope = LineScope.OUTSIDE if row.outside else LineScope.IN
    return rated_fields(computed_rating(rule, line_input({**values, "scope": scope})))


Progress = Callable[[str, int], None]


def _no_progress(stage: str, percent: int) -> None:
    """The default: nobody follows the import's progress."""


def _apply(
    *,
    rows: Sequence[ValidatedRow],
    reference: Reference,
    actor,
    channel: str,
    progress: Progress = _no_progress,
) -> tuple[list[ReturnOutcome], list[PlannedChange]]:
    """Write the rows, return by return, in one transaction (all or nothing).

    A return that does not exist is created with its lines and their values in one write
    (``creating.create_return_with_lines``: each line written, rated and recorded once, with
    the actor and ``channel``). An existing one is opened with ``services.open_return``
    (topped up with lines for authorities or targets added since) when any of its rows changes
    something, and the rows that change a line (see ``_differs``) are written with
    ``services.update_lines``, which validates, rates and records each line in its history
    with the actor and ``channel`` (and creates the lines reported outside a target's scope);
    the sub-region's own ratings go through ``services.set_reported_ratings``. Rows that change
    nothing are not sent, so re-importing a file costs little. A return changed by someone
    else since it was validated (its version moved) is refused (StaleReturn), and the whole
    import with it. The report's ratings of the lines written are those the services stored.
    """
    diffs = _differs(rows, reference, rate_new=False)  # new lines are rated once, when written
    groups = _grouped(rows)
    results: dict[ReturnKey, tuple[bool, int]] = {}
    # Each region's overall ratings are recomputed once, at the end, in the same transaction
    # (not once per return and service: each refresh reads the whole region's lines).
    with transaction.atomic(), overall.deferred():
        for done, (key, group) in enumerate(groups.items()):
            first, known = group[0], reference.returns.get(key)
            progress(
                f"Writing return {done + 1} of {len(groups)}: {first.sub_region.name}, "
                f"{first.quarter}",
                40 + 55 * done // max(len(groups), 1),
            )
            changing = [row for row in group if diffs[row.number].changed]
            if known is not None and not changing:
                continue
            lines = [row for row in changing if not row.is_reported]
            line_changes = {row.line_key: dict(row.changes) for row in lines}
            written = None
            if known is None:
                return_obj, created, written = creating.create_return_with_lines(
                    sub_region=first.sub_region,
                    target_set=first.target_set,
                    quarter=first.quarter,
                    actor=actor,
                    changes=line_changes,
                    channel=channel,
                )
            else:
                return_obj, created = services.open_return(
                    sub_region=first.sub_region,
                    target_set=first.target_set,
                    quarter=first.quarter,
                    actor=actor,
                )
                if lines:
                    written = services.update_lines(
                        return_obj=return_obj,
                        changes=line_changes,
                        actor=actor,
                        channel=channel,
                        base_version=known.version,
                    )
            if written is not None:
                _take_ratings(lines, written.changed, diffs)
            results[key] = (created, len(written.changed) if written is not None else 0)
            own = [row for row in changing if row.is_reported]
            if own:
                services.set_reported_ratings(
                    return_obj=return_obj,
                    ratings={
                        row.target.pk: services.Reported(**row.changes)
                        if row.changes["rating"]
                        else None
                        for row in own
                    },
                    actor=actor,
                    channel=channel,
                )
    outcomes, changes = _plan(rows=rows, reference=reference, diffs=diffs)
    for key, outcome in zip(groups, outcomes, strict=True):
        if key in results:
            outcome.created, outcome.changed = results[key]
    return outcomes, changes


def _take_ratings(
    rows: Sequence[ValidatedRow], written: Sequence[ReturnLine], diffs: Mapping[int, _Diff]
) -> None:
    """The rating each written line was given by the service, into the rows' planned "after"
    (for the report): the line is rated once, where it is written."""
    by_key = {(line.authority_id, line.target_id): line for line in written}
    for row in rows:
        line = by_key.get(row.line_key)
        if line is not None:
            diffs[row.number].after.update(
                {name: getattr(line, name) for name in services.RATED_FIELDS}
            )


def _channel(filename: str) -> str:
    return f"import: {filename}"[:CHANNEL_LENGTH]


def safe_filename(filename: str) -> str:
    name = PurePath(str(filename).replace("\\", "/")).name
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:200] or "upload"


def version_key(key: ReturnKey) -> str:
    """A return's key in ``ImportReport.versions``: "sub-region id:set id:year:quarter"."""
    return ":".join(str(part) for part in key)


def _versions(rows: Iterable[ValidatedRow], reference: Reference) -> dict[str, int]:
    """The version of each return the rows go to, as checked (0: it does not exist yet)."""
    versions = {}
    for row in rows:
        known = reference.returns.get(row.return_key)
        versions[version_key(row.return_key)] = known.version if known is not None else 0
    return versions


def _moved(
    rows: Sequence[ValidatedRow], versions: Mapping[str, int], expected: Mapping[str, int]
) -> list[RowError]:
    """A problem for each return that changed since the preview (or that the file no longer
    goes to): applying what was previewed would not be what the person saw."""
    problems = []
    named = {version_key(row.return_key): row for row in rows}
    for key in sorted(set(versions) | set(expected)):
        if versions.get(key) == expected.get(key):
            continue
        row = named.get(key)
        what = (
            f"the {row.sub_region.name} return for {row.quarter} ({row.target_set.title})"
            if row
            else "a return the preview covered"
        )
        problems.append(
            RowError(
                None,
                "",
                f"Nothing was changed: {what} changed since the preview (someone saved, "
                "imported, submitted or signed it off). Check the file again to see what it "
                "would change now.",
            )
        )
    return problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while a file is read, checked and written.

    An import makes hundreds of thousands of short-lived objects (cells, rows, lines), hardly
    any in reference cycles, and reference counting frees them as they go; but each pass of
    the collector over its oldest generation walks every object the process holds (Django,
    the apps, the whole table), and a 10,000-line import set off about eight such passes: a
    tenth of its time (bench/bench_import.py). Cycles made meanwhile are collected after.
    The collector is left as it was found (a caller that paused it keeps it paused)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _collector_paused_in(function: Callable[..., ImportReport]) -> Callable[..., ImportReport]:
    @functools.wraps(function)
    def paused(**options) -> ImportReport:
        with _collector_paused():
            return function(**options)

    return paused


@_collector_paused_in
def import_file(
    *,
    content: bytes,
    filename: str,
    actor,
    dry_run: bool = False,
    today: date | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    expected_versions: Mapping[str, int] | None = None,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) apply a returns file on behalf of ``actor``.

    Never raises for a bad file: the report carries the errors, and then nothing was changed.
    A write refused at the last moment (someone approved a return or changed it meanwhile) is
    reported the same way, and the whole import is rolled back. With ``expected_versions``
    (the report's ``versions`` of an earlier dry run of the same file), the import is refused
    if any return it goes to changed since. ``progress(stage, percent)`` is told how far it is.
    """
    name = safe_filename(filename)
    report = ImportReport(filename=name, dry_run=dry_run)
    progress("Reading the file", 5)
    try:
        table = read_table(content=content, filename=name, max_bytes=max_bytes, max_rows=max_rows)
    except ImportFileError as error:
        report.errors = [RowError(None, "", str(error))]
        return report
    report.rows = len(table.rows)
    progress(f"Checking {report.rows:,} rows", 15)
    rows, errors, notices, reference = validate(table=table, actor=actor, today=today)
    if errors:
        report.errors = errors
        return report
    report.notices = notices
    report.versions = _versions(rows, reference)
    if expected_versions is not None:
        moved = _moved(rows, report.versions, expected_versions)
        if moved:
            report.errors = moved
            return report
    if dry_run:
        progress("Deciding what would change", 35)
        report.returns, report.changes = _plan(rows=rows, reference=reference)
        return report
    try:
        report.returns, report.changes = _apply(
            rows=rows,
            reference=reference,
            actor=actor,
            channel=_channel(name),
            progress=progress,
        )
    except (ValidationError, PermissionDenied) as error:
        report.errors = [RowError(None, "", f"Nothing was changed: {_messages(error)}")]
    return report


def _messages(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
