"""The demo's quarterly returns: the sub-regions' December 2009 returns of seed 002.

``load_demo_returns()`` imports ``fixtures/demo/*.csv`` through the importer
(returns.importing, the same path as any programme manager's file), each file as its
sub-region's demo programme manager, into the 12 stretch targets' returns for 2009/10 Q3; then
each is submitted by its programme manager (all four went to the Board of 20 January 2010), and
the demo Director approves Derbyshire's, Leicestershire/Rutland's and Lincolnshire's.
Northamptonshire's stays submitted, awaiting the Director's sign-off, so that the Board's
"approved returns only" view and its switch, and the Director's sign-off, have something to
show. The papers say nothing about sign-off: the states are the demo's, and the transitions'
comments say so.
``python manage.py setup_demo`` calls it after creating the demo users (``make run`` runs
``load_reference_data`` before that).

The files
---------
One CSV per sub-region, one row per return line, with the importer's columns (sub_region,
authority, target_set, target, period, date_of_data, actual, target_value, rag, reason,
comment, source): every row cites the cell of seed 002 it comes from, by line. Each file starts
with ``#`` lines saying where its figures come from and how the paper's words became values;
the loader strips them before importing.

What the papers give, and what they do not
------------------------------------------
* Derbyshire (item 8): its RAG matrix as the sub-region's own ratings of the lines (with the
  CAA table's values where it gives them), its lines for the national park and its fire
  service outside the targets' scope (kept, never counted), and its overall row as its own
  overall ratings ("Derbyshire SRP").
* Lincolnshire: every per-authority value as printed, the districts' NI 1 values outside the
  target's scope, and its 12 overall ratings with their reasons ("Lincolnshire SRP").
* Leicestershire/Rutland and Northamptonshire: every fact their "Current Status" states, as a
  value, a "met" / "not met" statement or a line marked not applicable (their headers say
  how); notes that name no figure stay comments.
* Nottinghamshire made no return in the papers: it has none in the demo. No quarter but the
  December 2009 returns' is loaded: none other is in the papers.

Idempotent: importing a file again changes nothing (the importer leaves unchanged lines
alone), and a return already submitted or approved is not imported again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from returns import importing, services
from returns.models import Return, ReturnStatus
from returns.periods import Quarter

from .demo import DEMO_USERS

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
#: The quarter of seed 002's December 2009 returns.
RETURNED_QUARTER = Quarter(2009, 3)
TARGET_SET = "stretch-targets"
#: How far each December 2009 return goes: submitted by its PM, then approved by the Director.
STATUS_OF = {
    "derbyshire": ReturnStatus.APPROVED,
    "leicestershire-rutland": ReturnStatus.APPROVED,
    "lincolnshire": ReturnStatus.APPROVED,
    "northamptonshire": ReturnStatus.SUBMITTED,
}
DIRECTOR_USERNAME = "director"
SUBMIT_COMMENT = (
    "December 2009 return against the 12 stretch targets (seed 002, item 8); submitted by the "
    "demo (the papers do not say when)."
)
APPROVE_COMMENT = (
    "Approved for the Board of 20 January 2010 (demo sign-off: the papers do not say)."
)


class DemoDataError(Exception):
    """A demo file cannot be loaded; the message names the file and the row."""


class ReferenceDataMissing(DemoDataError):
    """The reference data the demo returns need (the target set, the users) is not loaded."""


@dataclass
class DemoReturn:
    """What loading one demo file did."""

    filename: str
    sub_region: str
    period: str
    created: bool
    changed: int = 0
    unchanged: int = 0
    own_ratings: int = 0
    notices: int = 0
    status: str = ReturnStatus.DRAFT
    note: str = ""

    def __str__(self) -> str:
        text = (
            f"{self.sub_region} {self.period} ({self.filename}): "
            f"{'new return, ' if self.created else ''}{self.changed} lines changed, "
            f"{self.unchanged} unchanged, {self.own_ratings} own overall ratings, "
            f"{self.notices} notices; {self.status}"
        )
        return f"{text}. {self.note}" if self.note else text + "."


def demo_file_body(path: Path) -> bytes:
    """The file without its leading ``#`` lines: what the importer reads."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and lines[skipped].startswith("#"):
        skipped += 1
    return "".join(lines[skipped:]).encode("utf-8")


def _sub_region_of(path: Path) -> str:
    """The sub-region a demo file is for: its name up to the quarter ("derbyshire-2009-10-q3")."""
    return path.stem.rsplit("-2009-10-q", 1)[0]


class _Loader:
    def __init__(self) -> None:
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

    def load(self, path: Path) -> DemoReturn:
        slug = _sub_region_of(path)
        if slug not in self.programme_managers:
            raise DemoDataError(f"{path.name}: no demo programme manager for “{slug}”.")
        manager = self.user(self.programme_managers[slug])
        existing = Return.objects.filter(
            sub_region__slug=slug,
            target_set__slug=TARGET_SET,
            year=RETURNED_QUARTER.year,
            quarter=RETURNED_QUARTER.quarter,
        ).first()
        outcome = DemoReturn(
            filename=path.name,
            sub_region=slug,
            period=RETURNED_QUARTER.label,
            created=existing is None,
        )
        if existing is not None and not existing.is_editable:
            outcome.status = existing.status
            outcome.note = "already signed off: left as it is (rebuild the demo database to reload)"
            return outcome
        report = importing.import_file(
            content=demo_file_body(path), filename=path.name, actor=manager
        )
        if report.errors:
            if any("target set" in error.problem for error in report.errors):
                raise ReferenceDataMissing(
                    f"{path.name}: load the reference data first (python manage.py "
                    "load_reference_data).\n" + "\n".join(report.lines())
                )
            raise DemoDataError(f"{path.name}:\n" + "\n".join(report.lines()))
        outcome.changed = report.changed_lines
        outcome.unchanged = report.unchanged_lines
        outcome.own_ratings = report.own_ratings
        outcome.notices = len(report.notices)
        return_obj = Return.objects.get(
            sub_region__slug=slug,
            target_set__slug=TARGET_SET,
            year=RETURNED_QUARTER.year,
            quarter=RETURNED_QUARTER.quarter,
        )
        if slug in STATUS_OF:
            self.sign_off(return_obj, manager, up_to=STATUS_OF[slug])
        outcome.status = Return.objects.get(pk=return_obj.pk).status
        return outcome

    def sign_off(self, return_obj: Return, manager, *, up_to: str) -> None:
        current = Return.objects.get(pk=return_obj.pk)
        if current.status in {ReturnStatus.DRAFT, ReturnStatus.RETURNED}:
            current = services.submit_return(
                return_obj=current, actor=manager, comment=SUBMIT_COMMENT
            )
        if current.status == ReturnStatus.SUBMITTED and up_to == ReturnStatus.APPROVED:
            services.approve_return(
                return_obj=current, actor=self.user(DIRECTOR_USERNAME), comment=APPROVE_COMMENT
            )


def load_demo_returns(*, directory: Path = DEMO_DIR) -> list[DemoReturn]:
    """Import every ``*.csv`` of ``directory`` (all or nothing), in file-name order; see the
    module's docstring. Raises ReferenceDataMissing when the target set or the demo users are
    not there yet, and DemoDataError naming the file and row for anything else."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo returns are only loaded into a local demo database.")
    paths = sorted(Path(directory).glob("*.csv"))
    if not paths:
        raise DemoDataError(f"{directory}: no demo files (*.csv).")
    loader = _Loader()
    with transaction.atomic():
        return [loader.load(path) for path in paths]
