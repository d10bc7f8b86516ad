"""python manage.py export_board_data: a Board paper's data as Excel or CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.management import add_paper_arguments, find_issue, find_paper
from reports.papers import exports
from reports.papers.snapshot import WHOLE_REGION, build_snapshot, data_snapshot
from returns.management import command_user
from returns.periods import Quarter
from targets.models import TargetSet


class Command(BaseCommand):
    help = (
        "Write the data of a Board paper's appendices as Excel (a sheet for the region, one per "
        "sub-regional partnership, a key, and every line) or CSV (the same lines, with the "
        "overall ratings). Name a paper (--paper ID, or --meeting 2010-01-20 --agenda-item 8; "
        "--issued [N] for an issue's frozen data) or only the data (--target-set SLUG --period "
        '"2009/10 Q3"). CSV goes to standard output unless --output is given.'
    )

    def add_arguments(self, parser):
        add_paper_arguments(parser)
        parser.add_argument("--target-set", metavar="SLUG", help="Without a paper: the set.")
        parser.add_argument("--period", help='Without a paper: the quarter, e.g. "2009/10 Q3".')
        parser.add_argument(
            "--format",
            choices=["xlsx", "csv"],
            help="Default: from --output's extension, else csv.",
        )
        parser.add_argument("--output", metavar="FILE", help="Write to this file.")
        parser.add_argument("--user", metavar="USERNAME", help="Build as this user.")

    def handle(self, *args, **options):
        output = Path(options["output"]) if options["output"] else None
        fmt = options["format"] or (
            "xlsx" if output is not None and output.suffix.lower() == ".xlsx" else "csv"
        )
        if fmt == "xlsx" and output is None:
            raise CommandError("An .xlsx export needs --output FILE.")
        user = (
            command_user(options["user"], permission="returns.view_return", doing="see returns")
            if options["user"]
            else WHOLE_REGION
        )
        snapshot = self._snapshot(options, user)
        if snapshot["data"] is None:
            raise CommandError(
                "That paper is a report without a target set: it has no data to export."
            )
        content = exports.render_xlsx(snapshot) if fmt == "xlsx" else exports.render_csv(snapshot)
        if output is None:
            self.stdout.write(content.decode("utf-8-sig"), ending="")
            return
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}.") from error
        data = snapshot["data"]
        self.stdout.write(
            f"Wrote {data['target_set']['title']}, {data['quarter']} "
            f"({len(data['lines']):,} lines, {len(data['sub_regions'])} sub-regions) to {output}."
        )

    def _snapshot(self, options, user) -> dict:
        if options["target_set"] or options["period"]:
            if options["paper"] or options["meeting"]:
                raise CommandError("Name a paper or a target set and period, not both.")
            if not (options["target_set"] and options["period"]):
                raise CommandError("Without a paper, give --target-set SLUG and --period.")
            target_set = TargetSet.objects.filter(slug=options["target_set"]).first()
            if target_set is None:
                raise CommandError(f'There is no target set "{options["target_set"]}".')
            try:
                quarter = Quarter.parse(options["period"])
            except ValueError as error:
                raise CommandError(str(error)) from error
            return data_snapshot(user=user, target_set=target_set, quarter=quarter)
        paper = find_paper(options)
        if options["issued"] is not None:
            return find_issue(paper, options["issued"]).snapshot
        return build_snapshot(paper, user=user)
