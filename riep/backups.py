"""Back up and restore the whole database, for `manage.py backup` and `manage.py restore`.

* SQLite: SQLite's online backup API (``sqlite3.Connection.backup``), page by page, consistent
  even while the site keeps writing; the backup is itself a SQLite database file. Restoring
  copies it back the same way, into the live database.
* PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
  --single-transaction`` (a failed restore changes nothing). The binaries are looked for in
  ``PG_BIN_DIR`` (environment), then in Debian's directory for the server's major version,
  then on PATH, then in the newest of Debian's directories: pg_dump must be at least as new as
  the server, and Debian does not put them on PATH.

A backup is written to a temporary file beside the target and renamed into place, so a failed
backup never leaves a truncated file under the expected name.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from django.db import connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
DEBIAN_PG_DIRS = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup or restore that could not be made; the message says why."""


def database_label(alias: str = "default") -> str:
    """The database in words, for messages: "SQLite var/riep.sqlite3", "PostgreSQL riep@db:5432"."""
    settings = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return f"SQLite {settings['NAME']}"
    where = settings.get("HOST") or "local socket"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"PostgreSQL {settings['NAME']}@{where}{port}"


def backup(target: Path, *, alias: str = "default") -> None:
    connection = connections[alias]
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    os.close(handle)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with closing(sqlite3.connect(temporary)) as copy:
                connection.connection.backup(copy)
        elif connection.vendor == "postgresql":
            _run_pg("pg_dump", "--format=custom", f"--file={temporary}", alias=alias)
        else:
            raise BackupError(f"Backups of {connection.vendor} databases are not supported.")
        Path(temporary).replace(target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def check_backup(source: Path, *, alias: str = "default") -> None:
    """Refuse a file that is not a backup of this kind of database, before anything is lost."""
    connection = connections[alias]
    source = Path(source)
    try:
        with source.open("rb") as handle:
            header = handle.read(16)
    except OSError as error:
        raise BackupError(f"Cannot read {source}: {error.strerror or error}.") from error
    if connection.vendor == "sqlite":
        if header != SQLITE_HEADER:
            raise BackupError(f"{source} is not a SQLite database (a backup of this site).")
        try:
            with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as copy:
                [(verdict,)] = copy.execute("PRAGMA quick_check").fetchall()
                tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError:
            verdict, tables = "damaged", set()
        if verdict != "ok" or "django_migrations" not in tables:
            raise BackupError(f"{source} is damaged or is not a backup of this site.")
    elif connection.vendor == "postgresql":
        if not header.startswith(PG_DUMP_HEADER):
            raise BackupError(f"{source} is not a pg_dump custom-format file.")
        listing = _run_pg("pg_restore", "--list", str(source), alias=alias, database=False)
        if "django_migrations" not in listing:
            raise BackupError(f"{source} is not a backup of this site.")


def restore(source: Path, *, alias: str = "default") -> None:
    """Replace the database's contents with the backup's (after ``check_backup``)."""
    check_backup(source, alias=alias)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as copy:
            copy.backup(connection.connection)
    else:
        connection.close()  # pg_restore drops the tables: hold no connection open meanwhile
        _run_pg(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(source),
            alias=alias,
        )
    connection.close()


def find_pg_binary(name: str, *, server_version: int | None = None) -> str:
    """The path of a PostgreSQL client program (see the module's docstring for the order)."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    if server_version:
        candidates.append(DEBIAN_PG_DIRS / str(server_version // 10000) / "bin" / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    installed = sorted(
        (
            path
            for path in DEBIAN_PG_DIRS.glob(f"*/bin/{name}")
            if path.parent.parent.name.isdigit()
        ),
        key=lambda path: int(path.parent.parent.name),
        reverse=True,
    )
    candidates.extend(installed)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"{name} was not found: install the PostgreSQL client (postgresql-client-15) or set "
        "PG_BIN_DIR to the directory that holds it."
    )


def _run_pg(program: str, *args: str, alias: str, database: bool = True) -> str:
    connection = connections[alias]
    settings = connection.settings_dict
    connection.ensure_connection()
    binary = find_pg_binary(program, server_version=connection.pg_version)
    environment = {**os.environ}
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    command = [binary]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command.append(f"{flag}={settings[key]}")
    if database:
        command.append(f"--dbname={settings['NAME']}")
    command.extend(args)
    result = subprocess.run(  # noqa: S603 (a PostgreSQL program, arguments from settings)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = re.sub(r"\s+", " ", result.stderr).strip()[:2000]
        raise BackupError(f"{program} failed: {detail}")
    return result.stdout
