"""The Board paper's PDF, on the demo (20 January 2010 Board, agenda item 8, December 2009
returns): its text (pdftotext), pages, landscape matrices, outline, header and footer."""

from __future__ import annotations

import logging
import re
import subprocess
import zlib

import pytest
from django.db import transaction

from reports.papers.render import render_html, render_pdf
from reports.papers.snapshot import build_snapshot
from tests.reports.test_papers_support import (
    SUB_REGIONS,
    demo_user,
    load_demo,
    overlapping,
    pdf_outline,
    pdf_pages,
    pdf_text,
    pdf_words,
    require,
)

# Every test "uses" the database, so that pytest-django sets the test database up before the
# module's fixture builds the paper in it (it sets up only the databases tests ask for).
pytestmark = pytest.mark.django_db

A4_PORTRAIT = (595.3, 841.9)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo paper's snapshot, print HTML and PDF, built once for the module; with the
    WeasyPrint warnings logged while it was laid out."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            paper = load_demo()
            snapshot = build_snapshot(paper, user=demo_user("director"))
            html = render_html(snapshot)
            pdf = render_pdf(html)
            transaction.set_rollback(True)
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    return {"snapshot": snapshot, "html": html, "pdf": pdf, "warnings": records}


@pytest.fixture
def text(built, tmp_path):
    require("pdftotext")
    return pdf_text(built["pdf"].content, tmp_path)


def test_the_text_is_the_papers_own_numbered_paragraphs(text):
    assert "Agenda item No: 8" in text
    assert "EAST MIDLANDS IMPROVEMENT AND EFFICIENCY PARTNERSHIP BOARD MEETING: 20th" in text
    assert "Report of the Director" in text
    assert "EM IEP Stretch Targets Review" in text
    for heading in (
        "1. Purpose of the report",
        "2. Background",
        "3. Steering Group Comments",
        "4. Recommendations",
    ):
        assert heading in text
    # Paragraphs numbered in order, whatever the source typed (it printed 3.2 and 4.1 twice).
    for number in ("1.1", "2.1", "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2"):
        assert re.search(rf"^{re.escape(number)}\b", text, re.MULTILINE), number
    assert "Sector Lead Improvement" in text
    assert "Chris Allison" in text
    assert "Director EM IEP" in text


def test_every_sub_region_and_every_appendix_is_in_the_text(text):
    text = " ".join(text.split())  # phrases wrap across lines
    for name in SUB_REGIONS:
        assert name in text
    for title in (
        "Appendix 1: Regional overview",
        "Appendix 2: The sub-regional partnerships' returns",
        "Appendix 3: Overall ratings explained",
        "Appendix 4: Trends",
        "Appendix 5: Where the sub-regions' own ratings differ from the rule's",
        "Appendix 6: Comments in the returns",
        "Appendix 7: Key to the ratings",
    ):
        assert title in text
    # The key says what the colours mean, that the tolerance only marks, and how Amber is
    # decided (the amber margin, set by the partnership).
    assert "Tolerance: ±2% of the target (relative)" in text
    assert "it never makes a shortfall Green" in text
    assert "the amber margin, set by the partnership" in text
    # Explanations and reasons are searchable text.
    assert "Derbyshire return, December 2009 (seed 002, item 8)" in text
    assert "the worst rating, Red, is the overall one" in text


def test_the_draft_says_draft_at_the_top_of_every_page(built, tmp_path):
    require("pdftotext")
    pages = pdf_words(built["pdf"].content, tmp_path)

    assert len(pages) == built["pdf"].pages
    for number, words in enumerate(pages, start=1):
        drafts = [word for word in words if word.text == "DRAFT"]
        assert drafts, f"page {number} has no DRAFT mark"
        # At the top of the page, above the running header, and never over another word.
        assert min(word.y0 for word in drafts) < 30
        assert not [pair for pair in overlapping(words) if "DRAFT" in pair], number


def test_no_heading_overlaps_another_and_every_sub_region_is_named_whole(built, tmp_path):
    """Appendix 1's sub-region headings once printed over each other ("Northamptonshire" and
    "Nottinghamshire"): every word of every page of the appendices of tables is read with its
    box, and no two words overlap; every sub-region's name is one whole word in a heading."""
    require("pdftotext")
    pages = pdf_words(built["pdf"].content, tmp_path)
    texts = [" ".join(word.text for word in words) for words in pages]
    first = next(
        i
        for i, text in enumerate(texts)
        if "Appendix 1: Regional overview" in text and "No. Target" in text
    )
    last = next(i for i, text in enumerate(texts) if "Appendix 3:" in text and i > first)

    for index in range(first, last):
        assert overlapping(pages[index]) == [], f"page {index + 1}"
    overview = pages[first]
    heading_row = next(word for word in overview if word.text == "Derbyshire").y0
    headings = [word for word in overview if abs(word.y0 - heading_row) < 12]
    for name in SUB_REGIONS:
        assert name in [word.text for word in headings], name
    assert overlapping(headings) == []
    # The names fit inside the page (landscape A4, 842 points wide, 15 mm margins).
    assert max(word.x1 for word in headings) <= 842 - 42


def test_no_two_words_overlap_anywhere(built, tmp_path):
    require("pdftotext")
    for number, words in enumerate(pdf_words(built["pdf"].content, tmp_path), start=1):
        assert overlapping(words) == [], f"page {number}"


def test_the_pdf_is_tagged_with_its_title_and_language(built, tmp_path):
    require("pdfinfo")
    path = tmp_path / "tagged.pdf"
    path.write_bytes(built["pdf"].content)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout

    assert re.search(r"^Tagged:\s+yes$", info, re.MULTILINE)
    assert re.search(r"^Title:\s+Agenda item 8: EM IEP Stretch Targets Review$", info, re.M)
    assert '<html lang="en-GB">' in built["html"]
    assert b"/Lang (en-GB)" in _catalog(built["pdf"].content)


def _catalog(content: bytes) -> bytes:
    """The PDF's objects, compressed object streams inflated (the catalog is in one)."""
    parts = [content]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # not a Flate stream (an image, a font): not where the catalog is
    return b"".join(parts)


def test_every_header_cell_has_text(built):
    """No empty <th>: a screen reader (and the PDF's tags) name every row and column."""
    cells = re.findall(r"<th\b[^>]*>(.*?)</th>", built["html"], re.S)
    assert cells
    empty = [cell for cell in cells if not re.sub(r"<[^>]+>", "", cell).strip()]
    assert empty == []


def test_the_demo_paper_rests_on_approved_returns_and_says_so(text):
    text = " ".join(text.split())
    assert "Built from approved returns only: the figures rest on 3 of 5 approved returns." in text
    assert (
        "Northamptonshire's (submitted, awaiting approval) return is not counted until approved"
        in text
    )
    assert "Nottinghamshire made no return" in text
    assert "†" not in text  # nothing rests on a return not yet approved


def test_page_count_footer_and_header_on_every_page(built, tmp_path):
    require("pdfinfo")
    pages = pdf_pages(built["pdf"].content, tmp_path)
    count = len(pages)
    assert count == built["pdf"].pages
    assert 15 <= count <= 45
    layout = pdf_text(built["pdf"].content, tmp_path, layout=True)
    sheets = layout.split("\f")
    for number, sheet in enumerate(sheets[:count], start=1):
        assert f"Page {number} of {count}" in sheet
        assert "East Midlands Improvement and Efficiency Partnership" in sheet
        assert "Board meeting: 20th January 2010" in sheet
        assert "Draft · data as at" in sheet
    assert "Page 1 of" in sheets[0]


def test_a4_with_the_matrices_on_landscape_pages(built, tmp_path):
    pages = pdf_pages(built["pdf"].content, tmp_path)
    portrait = [page for page in pages if page[0] < page[1]]
    landscape = [page for page in pages if page[0] > page[1]]
    assert portrait[0] == pytest.approx(A4_PORTRAIT, abs=0.5)
    assert landscape[0] == pytest.approx(tuple(reversed(A4_PORTRAIT)), abs=0.5)
    # The overview, one page per sub-region at least, and the trends are landscape.
    assert len(landscape) >= 1 + len(SUB_REGIONS)
    assert pages[0][0] < pages[0][1]


def test_the_outline_has_the_sections_and_appendices_with_the_sub_regions_nested(built, tmp_path):
    require("pdftohtml")
    outline = pdf_outline(built["pdf"].content, tmp_path)

    assert ">1. Purpose of the report</item>" in outline
    assert ">4. Recommendations</item>" in outline
    assert ">Appendix 7: Key to the ratings</item>" in outline
    nested = outline.split("Appendix 2:")[1].split("Appendix 3:")[0]
    assert "<outline>" in nested
    for label, name in zip("abcde", SUB_REGIONS, strict=True):
        assert f">2{label}. {name}</item>" in nested


def test_ratings_print_as_letters_and_own_ratings_are_shown_beside_the_rules(text, built):
    text = " ".join(text.split())
    html = built["html"]
    derbyshire = html.split('id="srp-derbyshire"')[1].split("</tfoot>")[0]
    computed, own = (
        "".join(re.findall(r'rag rag--\w+">([^<]+)<', row.split("</tr>")[0]))
        for row in derbyshire.split('class="overall-row')[1:]
    )
    # Derbyshire's own overall row, as its return printed it (seed 002): G G G A R R G A A A A R,
    # with "*" where it differs from the rule's, which the computed row gives beside it.
    assert own.replace("*", "") == "GGGARRGAAAAR"
    # By the rule, target 5 (use of resources at level 3) is Amber: Amber Valley's level 2 is
    # one level short, which Derbyshire rated Red by hand.
    assert computed == "GGGAARGAAAAR"
    differing = [
        i for i, (a, b) in enumerate(zip(computed, own.replace("*", ""), strict=True)) if a != b
    ]
    assert own.count("*") == len(differing)
    assert "* own rating differs from the rule's" in text


def test_weasyprint_logged_no_warning_and_the_bytes_are_deterministic(built):
    assert [record.getMessage() for record in built["warnings"]] == []
    again = render_pdf(built["html"])
    assert again.content == built["pdf"].content


def test_the_print_html_fetches_nothing_and_has_no_script(built):
    html = built["html"]
    assert "<script" not in html
    assert "<link" not in html  # the stylesheet is handed to WeasyPrint, not fetched
    assert 'style="' not in html  # nothing inline (CSP), SVG uses presentation attributes
