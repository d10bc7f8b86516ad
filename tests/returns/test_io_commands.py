"""The import_returns and export_returns management commands."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER
from returns.models import Return, ReturnLine
from returns.permissions import SYSTEM_USERNAME
from tests.factories import make_user
from tests.returns.test_importing import csv_file, row, world

__all__ = ["world"]  # the fixture, imported from test_importing


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "december.csv"
    path.write_bytes(
        csv_file([row("Amber Valley", "5", "96"), row("Derbyshire", "NI 117", "5.85")])
    )
    return path


def call(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_import_as_a_user_records_that_user(world, good_file):
    output = call("import_returns", str(good_file), user="pm-derbyshire")

    assert output.splitlines()[0] == (
        "Imported december.csv: 1 return created, 2 lines changed, 0 unchanged."
    )
    assert "Derbyshire · stretch-targets · 2009/10 Q3: new return, 2 changed" in output
    # The new return's lines given a value are written once: one history row each.
    changed = ReturnLine.history.exclude(history_change_reason="Line created")
    assert changed.count() == 2
    assert {h.history_user for h in changed} == {world.pm}
    assert {h.history_change_reason for h in changed} == {"import: december.csv"}


def test_import_without_a_user_acts_as_the_system(world, good_file):
    call("import_returns", str(good_file))

    newest = ReturnLine.history.first()
    assert newest.history_user.username == SYSTEM_USERNAME
    assert not newest.history_user.is_active
    assert Return.objects.get().transitions.get().actor.username == SYSTEM_USERNAME


def test_import_dry_run_writes_nothing(world, good_file):
    output = call("import_returns", str(good_file), "--dry-run", user="pm-derbyshire")

    assert output.startswith("Dry run of december.csv, nothing was written: 1 return would be")
    assert not Return.objects.exists()
    assert not ReturnLine.history.exists()


def test_import_twice_changes_nothing_the_second_time(world, good_file):
    call("import_returns", str(good_file))

    output = call("import_returns", str(good_file))

    assert "0 returns created, 0 lines changed" in output


def test_a_bad_file_fails_with_the_report_and_changes_nothing(world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file([row("Amber Valley", "5", "96"), row("Amber Valley", "6", "-£5")]))

    with pytest.raises(CommandError) as raised:
        call("import_returns", str(path), user="pm-derbyshire")

    assert str(raised.value).splitlines() == [
        "bad.csv: 1 problem found; nothing was changed.",
        "row 3, actual: “-£5”: an amount of money (£k) cannot be negative.",
    ]
    assert not Return.objects.exists()


def test_a_refused_file_leaves_no_trace_not_even_the_system_actor(world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file([row("Amber Valley", "6", "-£5")]))

    with pytest.raises(CommandError):
        call("import_returns", str(path))  # no --user: it would act as the system actor

    assert not get_user_model().objects.filter(username=SYSTEM_USERNAME).exists()
    assert not Return.objects.exists()


def test_a_programme_manager_may_not_import_another_sub_regions_rows(world, tmp_path):
    path = tmp_path / "lincs.csv"
    path.write_bytes(csv_file([row("Boston", "5", "96", sub_region="lincolnshire")]))

    with pytest.raises(CommandError, match="row 2, sub_region: you may not import rows for"):
        call("import_returns", str(path), user="pm-derbyshire")

    call("import_returns", str(path), user="pm-lincolnshire")
    assert Return.objects.get().sub_region == world.lincolnshire


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("nobody", 'There is no user "nobody".'),
        ("board", 'The user "board" may not import returns.'),
    ],
)
def test_import_refuses_an_unknown_or_unauthorised_user(world, good_file, username, message):
    make_user(BOARD_MEMBER, username="board")

    with pytest.raises(CommandError) as raised:
        call("import_returns", str(good_file), user=username)

    assert str(raised.value) == message


def test_import_of_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call("import_returns", str(tmp_path / "missing.csv"))


def test_export_csv_to_standard_output_as_a_user(world, good_file):
    call("import_returns", str(good_file))
    call("import_returns", str(_lincolnshire_file(good_file.parent)))

    output = call("export_returns", user="pm-derbyshire", period="2009/10 Q3")

    lines = output.splitlines()
    assert lines[0].startswith("sub_region,authority,target_set,target,period")
    assert {line.split(",")[0] for line in lines[1:]} == {"Derbyshire"}
    everything = call("export_returns").splitlines()[1:]
    assert {line.split(",")[0] for line in everything} == {"Derbyshire", "Lincolnshire"}


def _lincolnshire_file(folder):
    path = folder / "lincs.csv"
    path.write_bytes(csv_file([row("Boston", "5", "97", sub_region="lincolnshire")]))
    return path


def test_export_xlsx_to_a_file_and_import_it_back(world, good_file, tmp_path):
    call("import_returns", str(good_file))
    target = tmp_path / "export.xlsx"

    output = call(
        "export_returns",
        "--target-set=stretch-targets",
        "--sub-region=derbyshire",
        f"--output={target}",
        user="pm-derbyshire",
    )

    lines = ReturnLine.objects.count()
    assert output == f"Wrote {lines} lines to {target}.\n"
    workbook = load_workbook(target, read_only=True)
    try:
        assert sum(1 for _ in workbook.active.iter_rows(min_row=2)) == lines
    finally:
        workbook.close()
    again = call("import_returns", str(target), user="pm-derbyshire")
    assert f"0 lines changed, {lines} unchanged" in again


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"sub_region": "lincolnshire", "user": "pm-derbyshire"},
            "You may not export the returns of Lincolnshire",
        ),
        ({"target_set": "nope"}, "There is no target set “nope”."),
        ({"period": "last quarter"}, '"last quarter" is not a quarter'),
        ({"format": "xlsx"}, "An .xlsx export needs --output FILE."),
        ({"user": "nobody"}, 'There is no user "nobody".'),
        ({"user": "no-role"}, 'The user "no-role" may not see returns.'),
    ],
)
def test_export_refusals(world, options, message):
    make_user(None, username="no-role")

    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        call("export_returns", **options)
