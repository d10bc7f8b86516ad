"""What an import found and did: its errors, notices and outcome per return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem with one cell, row or the whole file (``row`` None), as the user counts rows."""

    row: int | None
    column: str
    problem: str

    def __str__(self) -> str:
        if self.row is None:
            return self.problem
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


@dataclass
class ReturnOutcome:
    """What an import did (or, in a dry run, would do) to one return."""

    sub_region: str
    target_set: str
    period: str
    created: bool
    changed: int = 0
    unchanged: int = 0
    own_ratings: int = 0  # the sub-region's own overall ratings recorded or changed


@dataclass(frozen=True)
class PlannedChange:
    """One line (or sub-region's own rating) an import changes: what it was, what it becomes."""

    row: int
    where: str  # "Boston, target 8" or "Lincolnshire's own rating, target 4"
    before: str
    after: str
    rating_before: str
    rating_after: str


@dataclass
class ImportReport:
    """The outcome of one import: the errors (then nothing was changed) or what changed."""

    filename: str
    dry_run: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)
    returns: list[ReturnOutcome] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    #: The version of each return the rows go to when they were checked ("sub-region id:set
    #: id:year:quarter" → version; 0: the return did not exist), so that applying the same
    #: upload later is refused if any of them changed meanwhile.
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created_returns(self) -> int:
        return sum(outcome.created for outcome in self.returns)

    @property
    def changed_lines(self) -> int:
        return sum(outcome.changed for outcome in self.returns)

    @property
    def unchanged_lines(self) -> int:
        return sum(outcome.unchanged for outcome in self.returns)

    @property
    def own_ratings(self) -> int:
        return sum(outcome.own_ratings for outcome in self.returns)

    def summary(self) -> str:
        """One sentence: "Imported a.csv: 1 return created, 12 lines changed, 3 unchanged." """
        if self.errors:
            problems = _plural(len(self.errors), "problem")
            return f"{self.filename}: {problems} found; nothing was changed."
        created, changed = self.created_returns, self.changed_lines
        own = f", {_plural(self.own_ratings, 'own overall rating')}" if self.own_ratings else ""
        notices = f" {_plural(len(self.notices), 'notice')}." if self.notices else ""
        if self.dry_run:
            return (
                f"Dry run of {self.filename}, nothing was written: "
                f"{_plural(created, 'return')} would be created, "
                f"{_plural(changed, 'line')} would change, "
                f"{self.unchanged_lines:,} would stay unchanged{own}.{notices}"
            )
        return (
            f"Imported {self.filename}: {_plural(created, 'return')} created, "
            f"{_plural(changed, 'line')} changed, {self.unchanged_lines:,} unchanged{own}."
            f"{notices}"
        )

    def lines(self) -> list[str]:
        """The report as lines of text, for the management command."""
        if self.errors:
            return [self.summary(), *(str(error) for error in self.errors)]
        details = [
            f"  {o.sub_region} · {o.target_set} · {o.period}: "
            f"{'new return, ' if o.created else ''}{o.changed} changed, {o.unchanged} unchanged"
            + (f", {o.own_ratings} own overall ratings" if o.own_ratings else "")
            for o in self.returns
        ]
        notices = [f"  notice: {notice}" for notice in self.notices]
        return [self.summary(), *details, *notices]


def report_to_dict(report: ImportReport) -> dict[str, Any]:
    """The report as JSON-ready data (kept with an upload between its preview and its use)."""
    return asdict(report)


def report_from_dict(data: dict[str, Any]) -> ImportReport:
    """The report ``report_to_dict`` gave."""
    return ImportReport(
        filename=data["filename"],
        dry_run=data["dry_run"],
        rows=data.get("rows", 0),
        errors=[RowError(**error) for error in data.get("errors", [])],
        notices=[RowError(**notice) for notice in data.get("notices", [])],
        returns=[ReturnOutcome(**outcome) for outcome in data.get("returns", [])],
        changes=[PlannedChange(**change) for change in data.get("changes", [])],
        versions=dict(data.get("versions", {})),
    )


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"
