"""Check a table of rows against the reference data, the returns and the actor's rights."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from authorities.models import Authority, SubRegion
from authorities.names import normalise_name
from targets.models import MeasureKind, RuleKind, Target, TargetSet
from targets.rules import target_covers

from ..models import LineState, Rating, Return, ReturnStatus
from ..periods import Quarter
from .cells import ValueProblem, parse_date, parse_rating
from .reading import COLUMNS, SourceRow, Table
from .reference import Reference, ReturnKey
from .report import RowError

# ---------------------------------------------------------------------------------------------
# 3. Validate: the table against the reference data, the returns and the actor's rights
# ---------------------------------------------------------------------------------------------

_IDENTITY = ("sub_region", "authority", "target_set", "target", "period")
NEW_LINE_DEFAULTS: dict[str, Any] = {
    "state": LineState.AWAITING,
    "actual": None,
    "target_value": None,
    "date_of_data": None,
    "manual_rating": "",
    "manual_reason": "",
    "state_reason": "",
    "comment": "",
    "source": "",
}
#: A line's source (where the figure came from) is kept up to this length.
SOURCE_LENGTH = 300
#: Statements of a target met or not, without a figure (any measure but yes/no).
STATEMENTS = {
    "met": LineState.MET,
    "not met": LineState.NOT_MET,
    # Seed 004's "N/A – Data will be available in Qrt 2": the reason says when.
    "not yet due": LineState.NOT_YET_DUE,
}


@dataclass(frozen=True)
class ValidatedRow:
    """A row that passed every check: where it goes and the line fields it sets.

    ``authority`` is None for the sub-region's own overall rating of the target; its
    ``changes`` are then ``rating``, ``reason`` and ``source``. ``outside`` marks a line for an
    authority the target's rule does not cover (kept as reported, never counted)."""

    number: int
    sub_region: SubRegion
    target_set: TargetSet
    quarter: Quarter
    authority: Authority | None
    target: Target
    changes: Mapping[str, Any]
    outside: bool = False

    @property
    def is_reported(self) -> bool:
        return self.authority is None

    @property
    def return_key(self) -> ReturnKey:
        return (self.sub_region.pk, self.target_set.pk, self.quarter.year, self.quarter.quarter)

    @property
    def line_key(self) -> tuple[int, int]:
        return (self.authority.pk if self.authority else 0, self.target.pk)


@dataclass
class _RowCheck:
    """The errors (and notices) of one row, collected column by column."""

    number: int
    errors: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)
    #: The actor may not import this row at all: its other cells are not checked.
    refused: bool = False
    #: The row's target when it resolved (its values are typed by it even if the row fails).
    target: Target | None = None

    def fail(self, column: str, problem: str) -> None:
        self.errors.append(RowError(self.number, column, problem))

    def notice(self, column: str, text: str) -> None:
        self.notices.append(RowError(self.number, column, text))


@dataclass(frozen=True)
class _Identity:
    sub_region: SubRegion
    target_set: TargetSet
    quarter: Quarter
    authority: Authority | None  # None: the sub-region's own overall rating
    target: Target

    @property
    def return_key(self) -> ReturnKey:
        return (self.sub_region.pk, self.target_set.pk, self.quarter.year, self.quarter.quarter)

    @property
    def cell(self) -> tuple[int, int, int, int, int, int]:
        return (
            self.sub_region.pk,
            self.target_set.pk,
            self.quarter.year,
            self.quarter.quarter,
            self.authority.pk if self.authority else 0,
            self.target.pk,
        )


def validate_table(
    *, table: Table, actor, today: date | None = None
) -> tuple[list[ValidatedRow], list[RowError]]:
    """Check every row of the table; nothing is written.

    Returns the validated rows and the errors (sorted by row). Each row is checked for: a
    known sub-region (name or slug) that the actor may edit, an authority (name, short name,
    GSS code or alias; aliases scoped to a sub-region count only within its rows) belonging to
    that sub-region, a target set (slug), a target (number within the set, national indicator
    code or target code) and a period ("2009/10 Q3"); a return that is not submitted or
    approved; an active authority (one the target's rule does not cover is kept, with a notice,
    as reported outside the target's scope); the values typed by the measure
    (``parse_value``), the date of data (``parse_date``), the rating (``parse_rating``) with its
    reason; and duplicate rows for the same cell. A row whose authority names the sub-region
    itself carries the sub-region's own overall rating and reason.
    """
    rows, errors, _, _ = validate(table=table, actor=actor, today=today)
    return rows, errors


def validate(
    *, table: Table, actor, today: date | None
) -> tuple[list[ValidatedRow], list[RowError], list[RowError], Reference]:
    """The validated rows, the errors, the notices (rows kept with a remark), the reference."""
    today = today or timezone.localdate()
    reference = Reference(actor=actor)
    named = {row.text("target_set") for row in table.rows}
    reference.load_targets(
        {
            found.pk: found
            for found in (reference.target_set(text) for text in named)
            if isinstance(found, TargetSet)
        }.values()
    )
    checks: list[tuple[SourceRow, _RowCheck, _Identity | None]] = []
    for row in table.rows:
        check = _RowCheck(row.number)
        checks.append((row, check, _identify(row, check, reference)))
    reference.load_returns({identity.return_key for _, _, identity in checks if identity})

    validated: list[ValidatedRow] = []
    errors: list[RowError] = []
    notices: list[RowError] = []
    first_row_of_cell: dict[tuple[int, ...], int] = {}
    for row, check, identity in checks:
        if check.refused:
            errors.extend(check.errors)
            continue
        if identity is not None and identity.authority is None:
            changes = _reported_changes(row, check, table.columns)
            outside = False
        else:
            changes = _changes(row, check, table.columns, today, reference.value)
        if identity is not None:
            outside = _check_destination(check, identity, reference)
            earlier = first_row_of_cell.setdefault(identity.cell, row.number)
            if earlier != row.number:
                check.fail(
                    "",
                    f"duplicates row {earlier}: the same authority, target and period "
                    "(give each line once).",
                )
        if check.errors or identity is None:
            errors.extend(check.errors)
            continue
        notices.extend(check.notices)
        if identity.authority is not None:
            _settle_state(changes, identity, reference)
        validated.append(
            ValidatedRow(
                number=row.number,
                sub_region=identity.sub_region,
                target_set=identity.target_set,
                quarter=identity.quarter,
                authority=identity.authority,
                target=identity.target,
                changes=changes,
                outside=outside,
            )
        )
    errors.sort(key=lambda error: (error.row or 0, _column_order(error)))
    return validated, errors, notices, reference


def _column_order(error: RowError) -> int:
    return COLUMNS.index(error.column) if error.column in COLUMNS else len(COLUMNS)


def _identify(row: SourceRow, check: _RowCheck, reference: Reference) -> _Identity | None:
    """Resolve the five identity columns of a row; record a problem for each that fails."""
    texts = {column: row.text(column) for column in _IDENTITY}
    for column, text in texts.items():
        if not text:
            check.fail(column, "is blank: every row needs it.")
    sub_region = reference.sub_regions.get(normalise_name(texts["sub_region"]))
    if texts["sub_region"] and sub_region is None:
        check.fail("sub_region", f"“{texts['sub_region']}” is not a sub-regional partnership.")
    if sub_region is not None and not reference.may_edit(sub_region):
        check.errors.clear()
        check.fail(
            "sub_region",
            f"you may not import rows for {sub_region.name}: a programme manager imports "
            "only the rows of their own sub-region.",
        )
        check.refused = True
        return None
    target_set = reference.target_set(texts["target_set"]) if texts["target_set"] else None
    if isinstance(target_set, str):
        check.fail("target_set", target_set)
        target_set = None
    quarter = reference.quarter(texts["period"]) if texts["period"] else None
    if isinstance(quarter, str):
        check.fail("period", quarter)
        quarter = None

    authority = None
    own_row = sub_region is not None and reference.names_sub_region(texts["authority"], sub_region)
    if sub_region is not None and texts["authority"] and not own_row:
        found = reference.authority(texts["authority"], sub_region)
        if isinstance(found, str):
            check.fail("authority", found)
        else:
            authority = found

    target = None
    if target_set is not None and texts["target"]:
        targets = reference.target(target_set, texts["target"])
        if len(targets) == 1:
            target = check.target = targets[0]
        elif targets:
            numbers = ", ".join(t.number for t in targets)
            check.fail("target", f"“{texts['target']}” could mean targets {numbers}.")
        else:
            check.fail(
                "target",
                f"“{texts['target']}” is not a target of {target_set.slug} "
                "(give its number in the set or its national indicator code, e.g. NI 117).",
            )
    if None in (sub_region, target_set, quarter, target) or (authority is None and not own_row):
        return None
    return _Identity(sub_region, target_set, quarter, authority, target)  # type: ignore[arg-type]


def _check_destination(check: _RowCheck, identity: _Identity, reference: Reference) -> bool:
    """The return is open (draft or returned), and the authority is active. A row for an
    authority the target's rule does not cover is kept, with a notice: reported, outside the
    target's scope, never counted. Returns whether the row is outside the scope."""
    authority, target = identity.authority, identity.target
    return_obj = reference.returns.get(identity.return_key)
    if return_obj is not None and not return_obj.is_editable:
        check.fail("period", _locked_message(return_obj, identity))
        return False
    if authority is None:
        return False
    current = reference.current_line(identity.return_key, authority, target)
    if current is not None:
        outside = current["scope"] == "outside"
    elif not authority.active:
        check.fail(
            "authority",
            f"{authority.name} is no longer active: its figures are not taken any more.",
        )
        return False
    else:
        outside = not target_covers(
            target,
            kind=authority.kind,
            leads_laa=authority.pk in reference.laa_leads,
            authority_id=authority.pk,
        )
    if outside:
        check.notice(
            "target",
            f"target {target.number} ({target.title}) does not cover {authority.name}: the "
            "line is kept as reported, outside the target's scope, and never counted in an "
            "overall rating.",
        )
    return outside


def _locked_message(return_obj: Return, identity: _Identity) -> str:
    what = f"the {identity.sub_region.name} return for {identity.quarter} ({identity.target_set})"
    if return_obj.status == ReturnStatus.APPROVED:
        return f"{what} is approved: ask the Director to reopen it."
    return f"{what} is submitted for sign-off: ask the Director to return it for changes."


def _changes(
    row: SourceRow, check: _RowCheck, columns: frozenset[str], today: date, parse
) -> dict[str, Any]:
    """The line fields a row sets, typed and canonical; problems go to ``check``.

    Values are typed by the row's target (``check.target``); without one they cannot be
    checked. ``actual`` may also state "met" or "not met" without a figure (any measure but
    yes/no). ``state`` is set provisionally (value / met / not met / not applicable /
    awaiting); ``_settle_state`` settles it against the line's current state. ``parse``:
    ``parse_value`` of a cell for a measure (``Reference.value``).
    """
    changes: dict[str, Any] = {}
    target = check.target
    statement = None
    for column in ("actual", "target_value"):
        if column not in columns or target is None:
            continue
        measure = target.measure
        said = normalise_name(row.text(column))
        if column == "actual" and said in STATEMENTS and measure.kind != MeasureKind.YES_NO:
            statement = STATEMENTS[said]
            changes["actual"] = None
            continue
        try:
            value = parse(row.cells.get(column), measure)
        except ValueProblem as problem:
            check.fail(column, str(problem))
            continue
        if column == "actual" or value is not None:  # a blank target value keeps the line's
            changes[column] = value
    if "date_of_data" in columns:
        try:
            changes["date_of_data"] = parse_date(row.cells.get("date_of_data"), today=today)
        except ValueProblem as problem:
            check.fail("date_of_data", str(problem))
    not_applicable = _rating_changes(row, check, columns, changes)
    if "comment" in columns:
        changes["comment"] = row.text("comment")
    if "source" in columns:
        source = row.text("source")
        if len(source) > SOURCE_LENGTH:
            check.fail("source", f"is {len(source)} characters long: at most {SOURCE_LENGTH}.")
        changes["source"] = source
    if "actual" in changes:
        if changes["actual"] is not None:
            changes["state"] = LineState.VALUE
            if not_applicable:
                check.fail("rag", "is n/a, but a value is given: give one or the other.")
        elif statement is LineState.NOT_YET_DUE:
            _not_yet_due(changes, check)
        elif statement is not None:
            changes["state"] = statement
        elif not_applicable:
            changes["state"] = LineState.NOT_APPLICABLE
        elif changes.get("manual_rating") and target and target.rule == RuleKind.TRAJECTORY:
            changes["state"] = LineState.PROGRESS  # an improvement plan's rating by hand
        else:
            changes["state"] = LineState.AWAITING
    return changes


def _not_yet_due(changes: dict[str, Any], check: _RowCheck) -> None:
    """ "not yet due": the data comes in a later quarter; the reason says when (seed 004)."""
    changes["state"] = LineState.NOT_YET_DUE
    if changes.get("manual_rating"):
        check.fail("rag", "is given, but the line is not yet due: it has no rating yet.")
    changes["state_reason"] = changes.pop("manual_reason", "")
    changes["manual_rating"] = ""
    changes["manual_reason"] = ""
    if not changes["state_reason"]:
        check.fail("reason", "is blank, but the line is not yet due: say when the data comes.")


def _rating_changes(
    row: SourceRow, check: _RowCheck, columns: frozenset[str], changes: dict[str, Any]
) -> bool:
    """The rating columns of a line's row into ``changes``: R, A or G is the sub-region's own
    rating of the line (with its reason); n/a marks the line not applicable (the reason says
    why). Returns whether the row marks the line not applicable."""
    rating = ""
    if "rag" in columns:
        try:
            rating = parse_rating(row.cells.get("rag"))
        except ValueProblem as problem:
            check.fail("rag", str(problem))
    reason = row.text("reason") if "reason" in columns else ""
    if rating == Rating.NOT_APPLICABLE:
        if not reason:
            check.fail("reason", "is blank, but the line is marked n/a: say why it does not apply.")
        changes.update(manual_rating="", manual_reason="", state_reason=reason)
        return True
    if rating == Rating.GREY:
        check.fail(
            "rag",
            "Grey is not given to an authority's line by hand: leave the value blank for "
            "“awaiting data” (a sub-region's own row may say Grey).",
        )
        return False
    if "rag" in columns:
        changes["manual_rating"] = rating
    if "reason" in columns:
        changes["manual_reason"] = reason
    if rating and not reason:
        check.fail(
            "reason",
            "is blank, but a rating is given: say why the line is rated "
            f"{Rating(rating).label} by hand.",
        )
    return False


def _reported_changes(row: SourceRow, check: _RowCheck, columns: frozenset[str]) -> dict:
    """The sub-region's own overall rating of a target: rag (R, A, G, or Grey / "-" for "not
    possible to evaluate") with its reason; no value (values belong to authorities' rows)."""
    for column in ("actual", "target_value", "date_of_data"):
        if column in columns and row.text(column):
            check.fail(
                column,
                "must be blank on the sub-region's own row: it carries only its overall rating "
                "(rag) and reason; values belong to the authorities' rows.",
            )
    rating = ""
    try:
        rating = parse_rating(row.cells.get("rag")) if "rag" in columns else ""
    except ValueProblem as problem:
        check.fail("rag", str(problem))
    if rating == Rating.NOT_APPLICABLE:
        check.fail("rag", "a sub-region's own rating is R, A, G or Grey, not n/a.")
    reason = row.text("reason") if "reason" in columns else ""
    if rating and not reason:
        check.fail("reason", "is blank: give the sub-region's reason for its rating.")
    source = row.text("source") if "source" in columns else ""
    return {"rating": rating, "reason": reason, "source": source[:SOURCE_LENGTH]}


def _settle_state(changes: dict[str, Any], identity: _Identity, reference: Reference) -> None:
    """A row without a value and without a rating keeps a "no return" or "not applicable"
    state the line already has (the file cannot express them otherwise)."""
    if changes.get("state") != LineState.AWAITING or changes.get("manual_rating"):
        return
    current = reference.current_line(identity.return_key, identity.authority, identity.target)
    if current and current["state"] in {LineState.NO_RETURN, LineState.NOT_APPLICABLE}:
        changes["state"] = current["state"]
