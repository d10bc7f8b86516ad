"""`manage.py backup FILE` and `manage.py restore FILE` (riep/backups.py): a round trip gives
back every table equal, row for row, on SQLite (online backup API) and on PostgreSQL
(pg_dump / pg_restore); restore asks before it overwrites anything."""

from __future__ import annotations

import io
import os
import stat
import sys
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from returns import services
from returns.models import Return, ReturnLine
from riep import backups
from tests.factories import make_user
from tests.returns.test_services import line_of, make_world, open_

pytestmark = pytest.mark.django_db(transaction=True)


def every_table() -> dict[str, list[tuple]]:
    """Every table's rows (all columns), in a stable order: the database's whole content."""
    contents = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in cursor.fetchall()
            ]
            contents[table] = sorted(rows, key=repr)
    return contents


@pytest.fixture
def world(transactional_db):
    world = make_world()
    world.return_obj = open_(world)
    services.update_lines(
        return_obj=world.return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {
                "state": "value",
                "actual": Decimal("96.5"),
                "comment": "é",
            }
        },
        actor=world.pm,
        channel="web",
    )
    return world


def call(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def change_everything(world) -> None:
    line = line_of(world.return_obj, world.county, world.invoices)
    line.comment = "changed after the backup"
    line.save()
    ReturnLine.objects.filter(authority=world.district).delete()
    make_user(None, username="after-the-backup")


def test_a_round_trip_gives_every_table_back_equal(world, tmp_path):
    before = every_table()
    path = tmp_path / "riep.backup"

    output = call("backup", str(path))
    change_everything(world)
    assert every_table() != before
    call("restore", str(path), force=True)

    after = every_table()
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }
    assert after == before
    assert before["returns_returnline"]  # the comparison covered real rows
    assert f"to {path}" in output
    # The site goes on working on the restored database.
    assert line_of(Return.objects.get(), world.county, world.invoices).comment == "é"
    assert not get_user_model().objects.filter(username="after-the-backup").exists()


def test_backup_does_not_overwrite_a_file_without_force(world, tmp_path):
    path = tmp_path / "riep.backup"
    path.write_bytes(b"keep me")

    with pytest.raises(CommandError, match="exists: choose another name, or add --force"):
        call("backup", str(path))

    assert path.read_bytes() == b"keep me"
    call("backup", str(path), force=True)
    assert path.read_bytes() != b"keep me"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def backed_up(world, tmp_path):
    path = tmp_path / "riep.backup"
    call("backup", str(path))
    change_everything(world)
    return path, every_table()


def test_restore_without_a_terminal_refuses_unless_forced(backed_up, monkeypatch):
    path, changed = backed_up
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))

    with pytest.raises(CommandError, match=r"replaces every table .* Run it again with --force"):
        call("restore", str(path))

    assert every_table() == changed


def test_restore_asks_and_stops_unless_told_yes(backed_up, monkeypatch):
    path, changed = backed_up
    monkeypatch.setattr(sys, "stdin", Terminal("no\n"))

    with pytest.raises(CommandError, match="Restore cancelled: nothing changed"):
        call("restore", str(path))

    assert every_table() == changed


def test_restore_goes_ahead_when_told_yes(backed_up, monkeypatch):
    path, changed = backed_up
    monkeypatch.setattr(sys, "stdin", Terminal("yes\n"))

    call("restore", str(path))

    assert every_table() != changed
    assert not get_user_model().objects.filter(username="after-the-backup").exists()


@pytest.mark.parametrize("content", [b"", b"not a backup at all", b"SQLite format 3\x00broken"])
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(world, tmp_path, content):
    before = every_table()
    path = tmp_path / "other.file"
    path.write_bytes(content)

    with pytest.raises(CommandError):
        call("restore", str(path), force=True)

    assert every_table() == before


def executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_pg_binaries_are_found_where_debian_puts_them(tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "DEBIAN_PG_DIRS", tmp_path / "postgresql")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("PG_BIN_DIR", raising=False)
    executable(tmp_path / "postgresql/13/bin/pg_dump")
    newest = executable(tmp_path / "postgresql/16/bin/pg_dump")
    server = executable(tmp_path / "postgresql/15/bin/pg_dump")
    chosen = executable(tmp_path / "chosen/pg_dump")

    assert backups.find_pg_binary("pg_dump") == str(newest)
    assert backups.find_pg_binary("pg_dump", server_version=150012) == str(server)
    monkeypatch.setenv("PG_BIN_DIR", str(chosen.parent))
    assert backups.find_pg_binary("pg_dump", server_version=150012) == str(chosen)
    with pytest.raises(backups.BackupError, match="pg_restore was not found"):
        backups.find_pg_binary("pg_restore")


@pytest.mark.skipif(os.name != "posix", reason="Debian paths")
def test_this_machines_pg_dump_is_found():
    if not backups.DEBIAN_PG_DIRS.exists():
        pytest.skip("no PostgreSQL client installed")
    assert os.access(backups.find_pg_binary("pg_dump"), os.X_OK)
