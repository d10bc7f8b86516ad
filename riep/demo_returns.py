"""The demo's quarterly returns: the sub-regions' December 2009 returns of seed 002, and the
2009/10 Q2 returns reconstructed from the figures those returns date within or before Q2.

``load_demo_returns()`` reads ``fixtures/demo/*.csv`` and writes them into the 12 stretch targets'
returns: for 2009/10 Q3, one return per sub-region (``<sub-region>-2009-10-q3.csv``); for
2009/10 Q2, one for each sub-region whose December return dates a figure on or before
30/09/2009 (``<sub-region>-2009-10-q2.csv``: Derbyshire, Lincolnshire, Northamptonshire).
Every Q2 return is loaded before any Q3 one, so that the history reads in order (Q2 closed
before Q3 was written, as when a programme manager starts a quarter with copy forward).
``python manage.py setup_demo`` calls it after creating the demo users (``make run`` runs
``load_reference_data`` before that).

The files
---------
One CSV per sub-region, one row per return line, with the importer's columns (sub_region,
authority, target_set, target, period, date_of_data, actual, target_value, rag, reason, comment;
see returns/importing.py) plus ``source``, which cites the paper's cell each row comes from
(stored in ``ReturnLine.source``). Each file starts with ``#`` comment lines saying where its
figures come from, what was left blank and which cells of the paper were skipped.
returns/importing.py ignores a ``source`` column (and does not read ``#`` lines), so the loader
reads the files itself, with the importer's value rules (``importing.parse_value``,
``parse_date``, ``parse_rating``) and the same state rule: a value → "value"; no value and rag
n/a → "not applicable"; otherwise "awaiting data". A blank target value keeps the line's own (the
target's threshold). Authorities are named as the paper prints them ("Amber Valley BC",
"North East DDC", "Fire Service", "NCC") and resolved with ``authorities.resolve``; targets by
their number in the set, their code or their indicator ("NI 117").

What goes where (seed 002)
--------------------------
* Derbyshire (agenda item 8, Derbyshire report): the RAG matrix as manual ratings with the
  reason "Derbyshire return, December 2009 (seed 002, item 8)"; the "CAA:" table's values for
  targets 1, 2 and 4 on the CAA scale (Well = 3, Adequately = 2) and 5 (use of resources
  level); its NEET column ("Improving", "Deteriorating") and Derbyshire County Council's NEET
  note as comments. Derbyshire numbers NEET 10 and NI 1 11: those rows name the target by
  indicator. No date of data (the report gives none). The overall row is not entered:
  ``returns.overall`` recomputes it (G G G A R R G A A A A R; tests check it).
* Lincolnshire (the table after the Leicestershire/Rutland key): every per-authority value
  with its target value and date of data as printed (CAA levels for targets 1-4, use of
  resources, the LAA's 71% against 75%, NI 179 in £k with each council's own target, invoices
  paid in 30 days, benefit-claim days, NI 1 and NEET for the LAA), the tolerance symbol quoted
  in the source; no manual ratings (the return rates targets, not authorities: its overall RAG
  and reason are quoted in a comment on the county council's line, or on each line for
  target 9).
* Leicestershire/Rutland and Northamptonshire: the "Current Status" notes as comments, on the
  lines of the authorities a note names, else on the county council's line.
* Every council (agenda item 7, Appendix 3): its Use of Resources score as the value of
  target 5 "All authorities scoring at least level 3 in use of resources". Appendix 3 gives no
  date, so those lines have none (Lincolnshire's carry its return's 09/12/09).

The reconstructed 2009/10 Q2 returns (chosen)
---------------------------------------------
Seed 002 has no Q2 return, but the December returns give earlier figures with their own dates.
A Q2 file holds only those the paper dates on or before 30/09/2009, each with that date of
data, the target value and note the paper gives with it, and a ``source`` that starts with
"reconstructed Q2:" and cites the cell; every other line stays "awaiting data", and no rating
is entered by hand (the papers' RAG ratings are December's). The loader refuses a row of a
reconstructed quarter without a date of data, or whose source does not say "reconstructed",
and a row of any quarter dated after the quarter's end (a figure not yet known then).

* Lincolnshire: the rows of targets 6, 8, 9, 10 (the LAA's figure) and 11 dated 31/03/09 or
  30/09/09, the same figures as in its Q3 return (so the comparison shows "no change").
* Northamptonshire: the "Current Status" notes with a dated figure - target 6 "Q2 2009/10 ...
  72%", target 8 "98.3% ... for Apr-Sep09", target 10 "actual 2008/09 = 76.1%" against the LAA
  target 78.4%, target 11 "actual Sep09 = 10.4%, LAA Target Sep09 = 10.2%" - dated the
  period's last day (30/09/09; 31/03/09 for 2008/09). The Q3 return keeps them as comments.
* Derbyshire: Derbyshire County Council's NEET for 2008 (the November-January average, 6.7%
  against 6.2%, dated 31/01/09), from its note.
* Leicestershire/Rutland and Nottinghamshire: none (no dated figure), so no Q2 return.

Skipped cells (listed with their reasons at the top of each CSV)
---------------------------------------------------------------
* Derbyshire, "Peak District NPA": targets 4 (matrix G, CAA table n/a) and 5 (matrix G, CAA
  table n/a) apply to councils and fire authorities only; target 7 (matrix G) does not apply to
  the national park. Its note about its own "equivalent" assessments goes with these cells.
* Derbyshire, "Fire Service": target 6 (matrix G) is about LAAs, answered by the LAA lead
  councils only; target 8 (matrix G) is about "local authorities", not fire authorities.
* Lincolnshire: the "Lincolnshire Police" and "NHS Lincolnshire" rows of targets 4 and 5
  (partner bodies, "not part of this target"); the summary rows of targets 4, 5, 7, 8 and 9
  ("All level 3" ... "Fail"/"Pass": recomputed, and quoted in the county council's comment);
  target 7's "LINCOLNSHIRE" LAA total (41,661 / 49,153; not an authority; quoted in the county
  council's comment); target 10's district rows (NI 1 is an LAA target: only the lead council
  has a line); target 12's "-" cells (only the comment is entered, without a date).
* Leicestershire/Rutland and Northamptonshire: nothing (empty notes are not rows).

Who writes, and sign-off (chosen)
---------------------------------
Each return is written by its sub-region's demo programme manager (``pm-derbyshire`` ...),
through ``services.open_return`` and ``services.update_lines`` with the channel
``"demo: fixtures/demo/<file>"``, so that the lines' history reads as a real quarter would
(who, when, through which channel) and the same checks apply as for any programme manager.
Every reconstructed Q2 return, and Derbyshire's and Lincolnshire's Q3 returns, are then
submitted by their programme manager and approved by the demo Director (``director``), so that
Q2 reads as a closed quarter and the demo shows the sign-off trail; the other three Q3
returns stay drafts for the demo users to edit.

Idempotent: a line whose values are already stored is left alone (``update_lines`` changes
nothing and records no history), an existing return is reused, and a return already submitted
or approved is not written again (if its file changed since, the report says how many lines
differ; rebuild the demo database to load them).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from authorities.models import SubRegion
from authorities.resolve import AuthorityResolver
from returns import services
from returns.importing import COLUMNS as IMPORT_COLUMNS
from returns.importing import ValueProblem, parse_date, parse_rating, parse_value
from returns.models import LineState, Rating, Return, ReturnStatus
from returns.periods import Quarter
from targets.models import Target, TargetSet, level_labels

from .demo import DEMO_USERS

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
# The import columns (returns/importing.py), plus the cell of the paper each row comes from.
COLUMNS = (*IMPORT_COLUMNS, "source")
#: The quarter of seed 002's December 2009 returns; the demo's returns of earlier quarters are
#: reconstructed from the figures those returns date (see the module's docstring).
RETURNED_QUARTER = Quarter(2009, 3)
RECONSTRUCTED = "reconstructed"
#: The December 2009 returns the demo shows signed off (submitted by their PM, approved by the
#: Director); every reconstructed return is signed off too (a closed quarter).
SIGNED_OFF = ("derbyshire", "lincolnshire")
DIRECTOR_USERNAME = "director"
SUBMIT_COMMENT = "December 2009 return against the 12 stretch targets (seed 002, item 8)."
APPROVE_COMMENT = "Approved for the Board of 20 January 2010 (demo sign-off)."
RECONSTRUCTED_SUBMIT_COMMENT = (
    "{quarter} return against the 12 stretch targets, reconstructed for the demo from the "
    "figures seed 002's December 2009 returns date on or before {end}."
)
RECONSTRUCTED_APPROVE_COMMENT = "Approved (demo sign-off of a reconstructed {quarter} return)."


class DemoDataError(Exception):
    """A demo file cannot be loaded; the message names the file and the row."""


class ReferenceDataMissing(DemoDataError):
    """The reference data the demo returns need (the target set, the users) is not loaded."""


@dataclass
class DemoReturn:
    """What loading one demo return did."""

    filename: str
    sub_region: str
    period: str
    created: bool
    changed: int = 0
    unchanged: int = 0
    status: str = ReturnStatus.DRAFT
    note: str = ""

    def __str__(self) -> str:
        text = (
            f"{self.sub_region} {self.period} ({self.filename}): "
            f"{'new return, ' if self.created else ''}{self.changed} lines changed, "
            f"{self.unchanged} unchanged; {self.status}"
        )
        return f"{text}. {self.note}" if self.note else text + "."


def read_demo_file(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of a demo CSV with their line numbers in the file; the ``#`` lines skipped."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    reader = csv.DictReader(io.StringIO("".join(lines[skipped:]), newline=""))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise DemoDataError(
            f"{path.name}: the header must be {', '.join(COLUMNS)}; it is "
            f"{', '.join(reader.fieldnames or ())}."
        )
    return [(skipped + 1 + reader.line_num - 1, row) for row in reader if any(row.values())]


@dataclass
class _Group:
    """The rows of one demo file that make one return."""

    path: Path
    sub_region_slug: str
    target_set_slug: str
    quarter: Quarter
    rows: list[tuple[int, dict[str, str]]]


class _Loader:
    def __init__(self, *, today: date) -> None:
        self.today = today
        self.resolver = AuthorityResolver()
        self.sub_regions = {sub_region.slug: sub_region for sub_region in SubRegion.objects.all()}
        self.target_sets = {target_set.slug: target_set for target_set in TargetSet.objects.all()}
        self._targets: dict[int, list[Target]] = {}
        User = get_user_model()
        usernames = [demo.username for demo in DEMO_USERS]
        self.users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        self.programme_managers = {
            demo.sub_region_slug: demo.username for demo in DEMO_USERS if demo.sub_region_slug
        }

    def user(self, username: str):
        user = self.users.get(username)
        if user is None:
            raise ReferenceDataMissing(
                f"The demo user {username} does not exist: create the demo users first "
                "(riep.demo.ensure_demo_users, run by setup_demo)."
            )
        return user

    def targets(self, target_set: TargetSet) -> list[Target]:
        if target_set.pk not in self._targets:
            self._targets[target_set.pk] = list(
                Target.objects.filter(target_set=target_set)
                .select_related("measure")
                .prefetch_related("measure__levels")
            )
        return self._targets[target_set.pk]

    def target(self, target_set: TargetSet, text: str) -> Target:
        folded = text.strip().casefold()
        for attribute in ("number", "code", "indicator"):
            found = [
                target
                for target in self.targets(target_set)
                if getattr(target, attribute) and getattr(target, attribute).casefold() == folded
            ]
            if len(found) == 1:
                return found[0]
        raise ValueError(f'"{text}" is not one target of {target_set.slug}.')

    def read_file(self, path: Path) -> list[_Group]:
        """The file's rows grouped by return (sub-region, target set, quarter)."""
        groups: dict[tuple[str, str, str], list[tuple[int, dict[str, str]]]] = defaultdict(list)
        for number, row in read_demo_file(path):
            groups[(row["sub_region"], row["target_set"], row["period"])].append((number, row))
        found = []
        for (sub_region_slug, target_set_slug, period), rows in groups.items():
            try:
                quarter = Quarter.parse(period)
            except ValueError as error:
                raise DemoDataError(f"{path.name}, line {rows[0][0]}: {error}") from error
            found.append(_Group(path, sub_region_slug, target_set_slug, quarter, rows))
        return found

    def load_return(self, group: _Group) -> DemoReturn:
        path, rows, quarter = group.path, group.rows, group.quarter
        sub_region_slug, target_set_slug = group.sub_region_slug, group.target_set_slug
        where = f"{path.name}, line {rows[0][0]}"
        target_set = self.target_sets.get(target_set_slug)
        if target_set is None:
            raise ReferenceDataMissing(
                f'{where}: no target set "{target_set_slug}": load the reference data first '
                "(python manage.py load_reference_data)."
            )
        sub_region = self.sub_regions.get(sub_region_slug)
        if sub_region is None:
            raise DemoDataError(f'{where}: no sub-region "{sub_region_slug}".')
        manager = self.user(self.programme_managers[sub_region.slug])

        return_obj, created = services.open_return(
            sub_region=sub_region, target_set=target_set, quarter=quarter, actor=manager
        )
        lines = {
            (line["authority_id"], line["target_id"]): line
            for line in return_obj.lines.values(
                "authority_id", "target_id", *services.EDITABLE_FIELDS
            )
        }
        changes: dict[tuple[int, int], dict[str, Any]] = {}
        for number, row in rows:
            line_key, values = self.read_row(path, number, row, sub_region, target_set, quarter)
            if line_key not in lines:
                raise DemoDataError(
                    f"{path.name}, line {number}: the return has no line for "
                    f"{row['authority']} against target {row['target']} (the target does not "
                    "apply to it): list the cell as skipped instead."
                )
            if line_key in changes:
                raise DemoDataError(f"{path.name}, line {number}: this line is given twice.")
            changes[line_key] = values

        outcome = DemoReturn(
            filename=path.name, sub_region=sub_region.name, period=quarter.label, created=created
        )
        if return_obj.is_editable:
            result = services.update_lines(
                return_obj=return_obj,
                changes=changes,
                actor=manager,
                channel=f"demo: fixtures/demo/{path.name}",
            )
            outcome.changed, outcome.unchanged = len(result.changed), result.unchanged
        else:
            differing = sum(
                any(lines[line_key][name] != value for name, value in values.items())
                for line_key, values in changes.items()
            )
            outcome.unchanged = len(changes) - differing
            if differing:
                outcome.note = (
                    f"{differing} lines differ from the file but the return is "
                    f"{return_obj.get_status_display().lower()}: left as it is (rebuild the "
                    "demo database to reload it)"
                )
        if quarter < RETURNED_QUARTER or sub_region.slug in SIGNED_OFF:
            self.sign_off(return_obj, manager, quarter)
        outcome.status = Return.objects.get(pk=return_obj.pk).status
        return outcome

    def read_row(
        self, path: Path, number: int, row: dict[str, str], sub_region, target_set, quarter
    ):
        where = f"{path.name}, line {number}"
        name = row["authority"].strip()
        found = self.resolver.candidates(name, sub_region=sub_region)
        if len(found) != 1 or found[0].sub_region_id != sub_region.pk:
            raise DemoDataError(f'{where}: "{name}" is not one authority of {sub_region.name}.')
        authority = found[0]
        try:
            target = self.target(target_set, row["target"])
        except ValueError as error:
            raise DemoDataError(f"{where}: {error}") from error
        measure = target.measure
        levels = level_labels(measure)
        try:
            actual = parse_value(row["actual"], kind=measure.kind, levels=levels)
            target_value = parse_value(row["target_value"], kind=measure.kind, levels=levels)
            date_of_data = parse_date(row["date_of_data"], today=self.today)
            rating = parse_rating(row["rag"])
        except ValueProblem as problem:
            raise DemoDataError(f"{where}: {problem}") from problem
        if actual is not None:
            state = LineState.VALUE
        elif rating == Rating.NOT_APPLICABLE:
            state = LineState.NOT_APPLICABLE
        else:
            state = LineState.AWAITING
        values: dict[str, Any] = {
            "state": state.value,
            "actual": actual,
            "date_of_data": date_of_data,
            "manual_rating": rating,
            "manual_reason": row["reason"].strip(),
            "comment": row["comment"].strip(),
            "source": row["source"].strip(),
        }
        if target_value is not None:
            values["target_value"] = target_value
        if not values["source"]:
            raise DemoDataError(f"{where}: every demo row cites its source.")
        if date_of_data is not None and date_of_data > quarter.end:
            raise DemoDataError(
                f"{where}: the figure is dated {date_of_data:%d/%m/%Y}, after the end of "
                f"{quarter.label}: it was not known in that quarter."
            )
        if quarter < RETURNED_QUARTER:
            if not values["source"].casefold().startswith(RECONSTRUCTED):
                raise DemoDataError(
                    f"{where}: a {quarter.label} row is reconstructed: its source starts with "
                    f'"{RECONSTRUCTED} {quarter.label[-2:]}:".'
                )
            if actual is not None and date_of_data is None:
                raise DemoDataError(
                    f"{where}: a reconstructed {quarter.label} figure needs the date the "
                    "paper gives it (only figures dated within or before the quarter are "
                    "entered)."
                )
        return (authority.pk, target.pk), values

    def sign_off(self, return_obj: Return, manager, quarter: Quarter) -> None:
        if quarter < RETURNED_QUARTER:
            texts = {"quarter": quarter.label, "end": f"{quarter.end:%d/%m/%Y}"}
            submit = RECONSTRUCTED_SUBMIT_COMMENT.format(**texts)
            approve = RECONSTRUCTED_APPROVE_COMMENT.format(**texts)
        else:
            submit, approve = SUBMIT_COMMENT, APPROVE_COMMENT
        current = Return.objects.get(pk=return_obj.pk)
        if current.status in {ReturnStatus.DRAFT, ReturnStatus.RETURNED}:
            current = services.submit_return(return_obj=current, actor=manager, comment=submit)
        if current.status == ReturnStatus.SUBMITTED:
            services.approve_return(
                return_obj=current, actor=self.user(DIRECTOR_USERNAME), comment=approve
            )


def load_demo_returns(*, directory: Path = DEMO_DIR, today: date | None = None) -> list[DemoReturn]:
    """Load every ``*.csv`` of ``directory`` (all or nothing), the returns in order of their
    quarter (Q2 before Q3), then of their file's name; see the module's docstring.

    Raises ReferenceDataMissing when the target set or the demo users are not there yet, and
    DemoDataError naming the file and line for anything else that does not fit.
    """
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo returns are only loaded into a local demo database.")
    paths = sorted(Path(directory).glob("*.csv"))
    if not paths:
        raise DemoDataError(f"{directory}: no demo files (*.csv).")
    loader = _Loader(today=today or timezone.localdate())
    groups = [group for path in paths for group in loader.read_file(path)]
    groups.sort(key=lambda group: group.quarter)  # stable: within a quarter, by file name
    with transaction.atomic():
        return [loader.load_return(group) for group in groups]
