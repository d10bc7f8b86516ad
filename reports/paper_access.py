"""What the Board papers' pages share: who may compose, issue and read, the paper a user may
reach (their region's Board's only, reports.regions), and how a file is handed over."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from .models import Paper
from .papers import exports
from .regions import papers_of

__all__ = [
    "COMPOSE",
    "ISSUE",
    "READ_ISSUED",
    "can_read",
    "data_file",
    "data_paper",
    "download",
    "export_offer",
    "paper_of",
    "refused",
    "stem",
]

COMPOSE = "reports.change_paper"
ISSUE = "reports.issue_paper"
READ_ISSUED = "reports.view_issuedpaper"


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def stem(paper: Paper, suffix: str) -> str:
    item = paper.agenda_item
    return f"board-{item.meeting.date:%Y-%m-%d}-item-{item.number}-{suffix}"


def can_read(user) -> bool:
    return user.has_perm(READ_ISSUED) or user.has_perm(COMPOSE)


def paper_of(pk: int, user) -> Paper:
    """The paper, if of the user's region's Board (reports.regions); else a 404."""
    papers = Paper.objects.select_related("agenda_item__meeting", "target_set", "author")
    return get_object_or_404(papers_of(user, papers), pk=pk)


def data_paper(pk: int, user) -> Paper:
    """A paper whose data can be exported: not a report without a target set."""
    paper = paper_of(pk, user)
    if paper.is_narrative:
        raise Http404("A report without a target set has no data to export.")
    return paper


def refused(form: BaseForm, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal shown on the form: on the field it names (or its ``aliases``
    entry) where the form has it, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        name = (aliases or {}).get(name, name)
        form.add_error(name if name in form.fields else None, errors)


def data_file(snapshot: dict, fmt: str, stem: str) -> HttpResponse:
    if fmt == "xlsx":
        return download(exports.render_xlsx(snapshot), f"{stem}.xlsx", exports.XLSX_CONTENT_TYPE)
    return download(exports.render_csv(snapshot), f"{stem}.csv", exports.CSV_CONTENT_TYPE)


def export_offer(request, paper: Paper, fmt: str, lines: int, action: str) -> HttpResponse:
    """A large export: the page that asks the worker to make it (a GET changes nothing)."""
    return render(
        request,
        "reports/papers/export_offer.html",
        {
            "paper": paper,
            "format_name": "Excel" if fmt == "xlsx" else "CSV",
            "lines": lines,
            "action": action,
        },
    )
