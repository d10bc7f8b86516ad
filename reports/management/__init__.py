"""Management commands of the Board papers (build_board_paper, export_board_data), and how
they find a paper and the user they act as."""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError

from reports.models import IssuedPaper, Paper


def add_paper_arguments(parser) -> None:
    parser.add_argument("--paper", type=int, metavar="ID", help="The paper's id.")
    parser.add_argument("--meeting", metavar="YYYY-MM-DD", help="The meeting's date.")
    parser.add_argument("--body", default="Board", help='Whose meeting (default "Board").')
    parser.add_argument("--agenda-item", type=int, metavar="N", help="The agenda item's number.")
    parser.add_argument(
        "--issued",
        nargs="?",
        const=0,
        type=int,
        metavar="N",
        help="Use issue N of the paper as frozen (the latest issue without N).",
    )


def find_paper(options) -> Paper:
    """The paper named by --paper, or by --meeting and --agenda-item."""
    queryset = Paper.objects.select_related("agenda_item__meeting", "target_set")
    if options.get("paper"):
        try:
            return queryset.get(pk=options["paper"])
        except Paper.DoesNotExist as error:
            raise CommandError(f"There is no paper {options['paper']}.") from error
    if not (options.get("meeting") and options.get("agenda_item")):
        raise CommandError("Name the paper: --paper ID, or --meeting DATE --agenda-item N.")
    try:
        day = date.fromisoformat(options["meeting"])
    except ValueError as error:
        raise CommandError(f'"{options["meeting"]}" is not a date: write 2010-01-20.') from error
    try:
        return queryset.get(
            agenda_item__meeting__date=day,
            agenda_item__meeting__body=options["body"],
            agenda_item__number=options["agenda_item"],
        )
    except Paper.DoesNotExist as error:
        raise CommandError(
            f"There is no paper for item {options['agenda_item']} of the "
            f"{options['body']} meeting of {day:%d %B %Y}."
        ) from error


def find_issue(paper: Paper, number: int) -> IssuedPaper:
    """Issue ``number`` of the paper (0: the latest)."""
    issues = paper.issues.order_by("-number")
    issued = issues.filter(number=number).first() if number else issues.first()
    if issued is None:
        raise CommandError(
            f'"{paper}" has no issue {number}.' if number else f'"{paper}" has not been issued.'
        )
    return issued
