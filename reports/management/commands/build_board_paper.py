"""python manage.py build_board_paper: a Board paper's PDF, built now or as issued."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.management import add_paper_arguments, find_issue, find_paper
from reports.models import BuildKind, BuildStatus
from reports.papers import background
from reports.papers.render import render_html, render_pdf
from reports.papers.snapshot import WHOLE_REGION, build_snapshot
from returns.management import command_user


class Command(BaseCommand):
    help = (
        "Write a Board paper's PDF: the draft built now from the returns (--paper ID, or "
        "--meeting 2010-01-20 --agenda-item 8), or an issue as frozen (--issued [N]). "
        "--issue --user USERNAME issues the paper (freezes its PDF and data) as that user, who "
        "must be allowed to issue papers; a paper that counts returns not yet approved is "
        "issued only with --confirm-unapproved. Builds over the whole region unless --user is "
        "given."
    )

    def add_arguments(self, parser):
        add_paper_arguments(parser)
        parser.add_argument("--output", metavar="FILE", help="The PDF file to write.")
        parser.add_argument("--html", metavar="FILE", help="Also write the print HTML here.")
        parser.add_argument("--issue", action="store_true", help="Issue the paper.")
        parser.add_argument(
            "--confirm-unapproved",
            action="store_true",
            help="Issue it even though it counts returns not yet approved (the paper includes "
            "submitted and draft returns); without it such an issue is refused.",
        )
        parser.add_argument("--user", metavar="USERNAME", help="Build (or issue) as this user.")

    def handle(self, *args, **options):
        paper = find_paper(options)
        output = Path(options["output"]) if options["output"] else None
        if options["issue"]:
            self._issue(paper, options, output)
            return
        if output is None:
            raise CommandError("Say where to write the PDF: --output FILE.")
        if options["issued"] is not None:
            issued = find_issue(paper, options["issued"])
            if not issued.verify():
                raise CommandError(f"Issue {issued.number}: the stored PDF fails its checksum.")
            self._write(output, issued.pdf_bytes)
            if options["html"]:
                self._write(Path(options["html"]), render_html(issued.snapshot).encode())
            self.stdout.write(
                f'Wrote issue {issued.number} of "{paper}" ({issued.pages} pages, as issued '
                f"{issued.issued_at:%d %B %Y %H:%M}) to {output}."
            )
            return
        user = (
            command_user(options["user"], permission="reports.change_paper", doing="build papers")
            if options["user"]
            else WHOLE_REGION
        )
        snapshot = build_snapshot(paper, user=user)
        html = render_html(snapshot)
        if options["html"]:
            self._write(Path(options["html"]), html.encode())
        pdf = render_pdf(html)
        self._write(output, pdf.content)
        self.stdout.write(f'Wrote the draft of "{paper}" ({pdf.pages} pages) to {output}.')

    def _issue(self, paper, options, output):
        if not options["user"]:
            raise CommandError("An issue is made by someone: --issue --user USERNAME.")
        user = command_user(options["user"], permission="reports.issue_paper", doing="issue papers")
        try:
            build = background.start_build(
                paper,
                user=user,
                kind=BuildKind.ISSUE,
                inline=True,
                confirm_unapproved=options["confirm_unapproved"],
            )
        except background.UnapprovedNotConfirmed as error:
            raise CommandError(f"{error} (--confirm-unapproved)") from error
        except background.IssueInProgress as error:
            raise CommandError(str(error)) from error
        build.refresh_from_db()
        if build.status != BuildStatus.DONE:
            raise CommandError(f"The issue failed: {build.error}")
        issued = build.issued_paper
        if output is not None:
            self._write(output, issued.pdf_bytes)
        where = f" to {output}" if output else ""
        self.stdout.write(
            f'Issued "{paper}" as issue {issued.number} ({issued.pages} pages){where}.'
        )

    def _write(self, path: Path, content: bytes) -> None:
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from error
