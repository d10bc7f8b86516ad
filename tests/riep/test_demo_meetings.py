"""The demo's minutes and actions (fixtures/demo/meetings, riep/demo_meetings.py): loaded from
seed 002 as `make run` loads them, every row citing its line, and the line saying it."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from reports.meetings import meeting_actions
from reports.models import Action, ActionStatus, Decision, ItemKind, Meeting
from riep.demo_meetings import MEETINGS_DIR, load_demo_meetings
from riep.demo_returns import DemoDataError

pytestmark = pytest.mark.django_db

#: Seed 002 itself, where this machine has it: each citation is then checked against its line.
SEED = (
    next(Path("/work/shared/seeds").glob("002_*.txt"), None)
    if Path("/work/shared/seeds").is_dir()
    else None
)
NOVEMBER = date(2009, 11, 27)
JANUARY = date(2010, 1, 20)


@pytest.fixture(scope="module")
def demo_minutes(django_db_setup, django_db_blocker):
    """The reference data, demo users, demo paper and minutes, loaded once for the module
    (rolled back at its end)."""
    from riep.demo import ensure_demo_users
    from riep.demo_papers import ensure_demo_papers

    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        ensure_demo_users(password="demo-password-for-tests")
        ensure_demo_papers()
        yield load_demo_meetings()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_minutes, db):
    return demo_minutes


def test_the_minutes_of_27_november_2009_are_loaded(loaded):
    november = Meeting.objects.get(body="Board", date=NOVEMBER)
    assert november.items.count() == 13
    assert list(november.decisions.values_list("number", flat=True)) == list(range(1, 12))
    assert list(november.actions.values_list("number", flat=True)) == list(range(1, 11))
    # The papers never say whether an action was done: open, and "not recorded".
    assert set(Action.objects.values_list("status", "status_recorded")) == {
        (ActionStatus.OPEN, False)
    }
    due = Action.objects.filter(due_meeting__date=JANUARY).values_list("number", flat=True)
    assert sorted(due) == [1, 3, 7, 8]  # those naming the Board meeting of 20 January 2010
    # Every one is carried to January's page.
    january = Meeting.objects.get(body="Board", date=JANUARY)
    assert [action.number for action in meeting_actions(january).carried] == list(range(1, 11))
    kinds = dict(january.items.values_list("number", "kind"))
    assert (kinds[4], kinds[5], kinds[11], kinds[12]) == (
        ItemKind.BUSINESS,
        ItemKind.DISCUSSION,
        ItemKind.DISCUSSION,
        ItemKind.INFORMATION,
    )


def test_loading_again_changes_nothing(loaded):
    action = Action.objects.get(number=1)
    action.status, action.done_note, action.status_recorded = ActionStatus.DONE, "Reported", True
    action.save()
    again = load_demo_meetings()
    assert "already has its minutes" in again[0]
    assert Decision.objects.count() == 11
    assert Action.objects.get(number=1).status == ActionStatus.DONE


def test_every_row_cites_its_line(loaded):
    rows = [*Decision.objects.all(), *Action.objects.all()]
    assert len(rows) == 21
    for row in rows:
        assert re.fullmatch(r"seed 002, lines? \d+(-\d+)?", row.source), row


@pytest.mark.skipif(SEED is None, reason="seed 002 is not on this machine")
def test_every_cited_line_says_what_the_row_says(loaded):
    lines = SEED.read_text(encoding="utf-8").splitlines()

    def cited(source: str) -> str:
        first, _, last = re.search(r"(\d+)(?:-(\d+))?$", source).group(0).partition("-")
        return " ".join(lines[int(first) - 1 : int(last or first)])

    for decision in Decision.objects.all():
        # The decision quotes its line (words in brackets are ours: compare the words before).
        words = " ".join(decision.text.split("[")[0].split()[:8]).lower()
        assert words in " ".join(cited(decision.source).split()).lower(), decision
    for action in Action.objects.all():
        line = cited(action.source)
        assert line.startswith(f"Action {action.number} - "), action
        assert " ".join(action.text.split()[:6]) in line, action
        assert action.owner in line, action


def test_a_bad_file_is_refused_naming_its_row_and_nothing_is_written(loaded, tmp_path):
    text = (MEETINGS_DIR / "board-2009-11-27.toml").read_text(encoding="utf-8")
    text = text.replace("2009-11-27", "2009-11-28").replace(
        'source = "seed 002, line 182"', 'source = "the minutes"'
    )
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"bad\.toml action row 5: the source must cite"):
        load_demo_meetings(directory=tmp_path)
    assert not Meeting.objects.filter(date=date(2009, 11, 28)).exists()
