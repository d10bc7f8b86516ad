import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from returns import importing, services
from returns.management import command_user

# C0 and C1 control characters (ESC starts a terminal escape sequence), DEL, and the Unicode
# marks that reorder text on screen. A file's cells are quoted in the report: printed raw they
# could clear the operator's screen, rewrite earlier lines or retitle the terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character shown as an escape: ESC as ``\\x1b``."""
    return _CONTROL.sub(
        lambda match: (
            f"\\x{ord(match.group()):02x}"
            if ord(match.group()) <= 0xFF
            else f"\\u{ord(match.group()):04x}"
        ),
        text,
    )


class Command(BaseCommand):
    help = (
        "Import quarterly returns from a .csv or .xlsx file (the columns of the export). The "
        "whole file is checked first: on any problem nothing changes, every problem is listed "
        "by row and column, and the command exits non-zero. --dry-run reports what would "
        "change. --user USERNAME acts as that user, with their permissions (a programme "
        "manager imports only their own sub-region's rows); without it, the system actor."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .csv or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument("--user", metavar="USERNAME", help="Act as this user.")

    def handle(self, *args, file, dry_run=False, user=None, **options):
        path = Path(file)
        try:
            with path.open("rb") as handle:
                # One byte more than the cap, so that the importer can say the file is too big.
                content = handle.read(importing.MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(
                printable(f"Cannot read {file}: {error.strerror or error}.")
            ) from error
        # One transaction: a refused file leaves no trace at all, not even the system actor.
        with transaction.atomic():
            actor = (
                command_user(user, permission="returns.change_returnline", doing="import returns")
                if user
                else services.system_actor()
            )
            report = importing.import_file(
                content=content, filename=path.name, actor=actor, dry_run=dry_run
            )
            if report.errors or dry_run:
                transaction.set_rollback(True)
        lines = "\n".join(printable(line) for line in report.lines())
        if report.errors:
            raise CommandError(lines)
        self.stdout.write(lines)
