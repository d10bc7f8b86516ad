from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from returns import exporting
from returns.management import command_user


class Command(BaseCommand):
    help = (
        "Export return lines as CSV or XLSX (the import's columns, then status, computed and "
        "effective rating and explanation). --user USERNAME exports only what that user may "
        "see; without it, everything. CSV goes to standard output unless --output is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--target-set", metavar="SLUG", default="")
        parser.add_argument("--period", default="", help='A quarter, e.g. "2009/10 Q3".')
        parser.add_argument("--sub-region", metavar="SLUG", default="")
        parser.add_argument(
            "--format",
            choices=sorted(exporting.FORMATS),
            help="Default: from the --output file's extension, else csv.",
        )
        parser.add_argument("--output", metavar="FILE", help="Write to this file.")
        parser.add_argument("--user", metavar="USERNAME", help="Export as this user.")

    def handle(self, *args, **options):
        user = (
            command_user(options["user"], permission="returns.view_return", doing="see returns")
            if options["user"]
            else None
        )
        try:
            filters = exporting.find_filters(
                target_set=options["target_set"],
                period=options["period"],
                sub_region=options["sub_region"],
            )
        except exporting.ExportFilterError as error:
            raise CommandError(str(error)) from error
        output = Path(options["output"]) if options["output"] else None
        fmt = options["format"] or _format_of(output)
        if fmt == "xlsx" and output is None:
            raise CommandError("An .xlsx export needs --output FILE.")
        try:
            export = exporting.export_returns(user=user, filters=filters, fmt=fmt)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        if output is None:
            self.stdout.write(export.content.decode("utf-8-sig"), ending="")
            return
        try:
            output.write_bytes(export.content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from error
        self.stdout.write(f"Wrote {export.lines:,} lines to {output}.")


def _format_of(output: Path | None) -> str:
    if output is not None and output.suffix.casefold() == ".xlsx":
        return "xlsx"
    return "csv"
