"""`manage.py import_returns` prints nothing a file could use to drive the operator's terminal:
every control character taken from the file (or the database) is shown escaped."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from authorities.models import SubRegion
from returns.management.commands.import_returns import printable
from tests.returns.test_importing import csv_file, row, world

__all__ = ["world"]  # the fixture, imported from test_importing

CLEAR_SCREEN = "\x1b[2J\x1b[H"
RETITLE = "\x1b]0;owned\x07"


def run(path) -> str:
    out = io.StringIO()
    call_command("import_returns", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_cells_escape_sequences_are_printed_escaped_in_the_errors(world, tmp_path):
    path = tmp_path / "december.csv"
    authority = f"{CLEAR_SCREEN}Amber Valley{RETITLE}\u202eevil"
    path.write_bytes(
        csv_file([row(authority, "5", "96"), row("Amber Valley", "6", f"9{CLEAR_SCREEN}")])
    )

    with pytest.raises(CommandError) as refused:
        run(path)

    message = str(refused.value)
    assert "\x1b" not in message
    assert "\x07" not in message
    assert "\u202e" not in message
    assert "\\x1b[2J\\x1b[HAmber Valley\\x1b]0;owned\\x07\\u202eevil" in message
    assert message.count("\n") == 2  # the summary and two rows: no line break from the file


def test_what_a_successful_import_prints_is_escaped_too(world, tmp_path):
    SubRegion.objects.filter(slug="derbyshire").update(name=f"Derbyshire{CLEAR_SCREEN}")
    path = tmp_path / "december.csv"
    path.write_bytes(csv_file([row("Amber Valley", "5", "96")]))

    output = run(path)

    assert "\x1b" not in output
    assert "Derbyshire\\x1b[2J\\x1b[H · stretch-targets" in output


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain · £1,038 – “quoted”", "plain · £1,038 – “quoted”"),
        ("a\tb\nc\rd", "a\\x09b\\x0ac\\x0dd"),
        ("\x7f\x9b31m", "\\x7f\\x9b31m"),
        ("\u200f\u2066x\u2069", "\\u200f\\u2066x\\u2069"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown
