"""Renderers of a snapshot: the HTML (preview and print) and the PDF (WeasyPrint).

``render_html(snapshot)`` is the print document; ``render_html(snapshot, screen=True)`` the
same document for the browser (it links the stylesheet and adds the preview bar).
``render_pdf(html)`` lays it out with static/css/print/paper.css and returns the PDF bytes and
the page count. The PDF is tagged for accessibility (WeasyPrint's PDF/UA-1 variant: a structure
tree, the document's language and title from the HTML's ``lang`` and ``<title>``), so
``pdfinfo`` reports "Tagged: yes" and a screen reader reads it in order. WeasyPrint fetches
nothing: the charts are inline SVG and the stylesheet is handed over directly, so a link in
the Director's text can never make the server fetch a URL.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .context import paper_context

__all__ = ["PDF_VARIANT", "PRINT_CSS", "Pdf", "render_html", "render_pdf", "stylesheet_path"]

PRINT_CSS = "css/print/paper.css"
PRINT_TEMPLATE = "reports/print/paper.html"
#: Tagged PDF for accessibility (PDF/UA-1).
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def render_html(snapshot: dict, *, screen: bool = False, **extra) -> str:
    return render_to_string(PRINT_TEMPLATE, paper_context(snapshot, screen=screen, **extra))


def stylesheet_path() -> Path:
    found = finders.find(PRINT_CSS)
    if not found:  # pragma: no cover - the file ships with the app
        return Path(settings.BASE_DIR) / "static" / PRINT_CSS
    return Path(found)


class _ProgressHandler(logging.Handler):
    """Hands WeasyPrint's progress messages ("Step 5 - Creating layout - Page 3") to a
    callback."""

    def __init__(self, callback: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):  # progress must never break a build
            self.callback(record.getMessage())


@contextlib.contextmanager
def _weasyprint_progress(callback: Callable[[str], None] | None):
    """While a PDF is laid out, hand WeasyPrint's step messages to ``callback``.

    The ``weasyprint.progress`` logger is set to INFO, and kept from the console, only for the
    time of the layout; its level and propagation are restored afterwards. PDFs with progress
    are laid out by the task worker, one task at a time, and no thread is started anywhere:
    so one listener at a time.
    """
    if callback is None:
        yield
        return
    logger = logging.getLogger("weasyprint.progress")
    saved = (logger.level, logger.propagate)
    handler = _ProgressHandler(callback)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def render_pdf(html: str, *, progress: Callable[[str], None] | None = None) -> Pdf:
    """The PDF of the print HTML. ``progress`` receives WeasyPrint's step messages."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    with _weasyprint_progress(progress):
        document = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).render(
            stylesheets=[CSS(filename=str(stylesheet_path()), url_fetcher=fetcher)]
        )
        content = document.write_pdf(pdf_variant=PDF_VARIANT)
    return Pdf(content=content, pages=len(document.pages))
