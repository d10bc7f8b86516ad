"""Shared fixtures of the Board papers' tests (imported by the test_papers_* modules).

* ``demo_paper``: the demo as ``make run`` has it (reference data, demo users, the December
  2009 returns, and the demo paper for the 20 January 2010 Board, agenda item 8), loaded once
  per module inside a transaction rolled back at its end.
* ``small_paper``: a small world made with the factories (2 sub-regions, 4 authorities,
  3 targets; a PDF of a few pages), for the tests that only need a paper to build.
* ``sync_builds``: background work runs at once, in the request (django-tasks'
  ImmediateBackend) instead of waiting in the database queue for a worker.
* ``fast_pdf``: builds skip WeasyPrint (a stand-in PDF), where the PDF itself is not tested.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from authorities.models import AuthorityKind
from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.models import AgendaItem, Meeting, Paper, Section
from returns import services
from returns.models import LineState
from returns.periods import Quarter
from tests.factories import (
    AuthorityFactory,
    RegionFactory,
    SubRegionFactory,
    TargetFactory,
    make_user,
)

Q3 = Quarter(2009, 3)
DEMO_MEETING = date(2010, 1, 20)
SUB_REGIONS = (
    "Derbyshire",
    "Leicestershire/Rutland",
    "Lincolnshire",
    "Northamptonshire",
    "Nottinghamshire",
)


def load_demo() -> Paper:
    """The demo's reference data, users, returns and paper (as `make run` builds them)."""
    from riep.demo import ensure_demo_users
    from riep.demo_papers import ensure_demo_papers
    from riep.demo_returns import load_demo_returns

    call_command("load_reference_data", verbosity=0)
    ensure_demo_users(password="demo-password-for-tests")
    load_demo_returns()
    ensure_demo_papers()
    return Paper.objects.get(agenda_item__meeting__date=DEMO_MEETING, agenda_item__number=8)


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo_paper(demo_database, db) -> Paper:
    return Paper.objects.select_related("agenda_item__meeting", "target_set").get(
        agenda_item__meeting__date=DEMO_MEETING, agenda_item__number=8
    )


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def sync_builds(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def fast_pdf(monkeypatch):
    """Builds skip WeasyPrint (a stand-in PDF, the same for the same HTML): for the tests of
    what happens around the PDF, not of the PDF itself."""
    import hashlib

    from reports.papers import builds
    from reports.papers.render import Pdf

    def fake(html: str, **kwargs) -> Pdf:
        digest = hashlib.sha256(html.encode()).hexdigest()
        return Pdf(content=f"%PDF-1.7 stand-in {digest}".encode(), pages=3)

    monkeypatch.setattr(builds, "render_pdf", fake)


@dataclass
class SmallWorld:
    paper: Paper
    director: object
    sub_regions: list
    authorities: list
    targets: list
    returns: list
    system: object


def make_small_world(*, body: str = "Prepared for the tests.", basis: str = "all") -> SmallWorld:
    """2 sub-regions × 2 authorities × 3 percentage targets, with values, a manual rating and
    comments (in draft returns); a meeting, an agenda item and a paper with two sections, on
    every return (``basis``: its drafts are counted, and marked) unless told otherwise."""
    director = make_user(DIRECTOR, first_name="Chris", last_name="Allison")
    system = services.system_actor()
    sub_regions = [
        SubRegionFactory(name="Northshire", slug="northshire"),
        SubRegionFactory(name="South/West", slug="south-west"),
    ]
    authorities = [
        AuthorityFactory(sub_region=sub_region, kind=kind, name=f"{sub_region.name} {label}")
        for sub_region in sub_regions
        for kind, label in ((AuthorityKind.COUNTY, "County"), (AuthorityKind.DISTRICT, "Town"))
    ]
    first = TargetFactory(number="1", title="Invoices paid in 30 days", threshold=Decimal(95))
    targets = [
        first,
        TargetFactory(
            target_set=first.target_set,
            theme=first.theme,
            number="2",
            title="Council tax collected",
            threshold=Decimal(97),
        ),
        TargetFactory(
            target_set=first.target_set,
            theme=first.theme,
            number="3",
            title="Staff appraised",
            threshold=Decimal(90),
        ),
    ]
    returns = []
    values = (Decimal("96"), Decimal("93.5"), Decimal("80"))
    for sub_region in sub_regions:
        return_obj, _ = services.open_return(
            sub_region=sub_region, target_set=first.target_set, quarter=Q3, actor=system
        )
        changes = {}
        for authority in [a for a in authorities if a.sub_region_id == sub_region.pk]:
            for target, value in zip(targets, values, strict=True):
                changes[(authority.pk, target.pk)] = {
                    "state": LineState.VALUE,
                    "actual": value,
                    "comment": f"{authority.name}: figure from the finance system.",
                }
        county = next(a for a in authorities if a.sub_region_id == sub_region.pk)
        changes[(county.pk, targets[2].pk)] |= {
            "manual_rating": "A",
            "manual_reason": "Recovery plan agreed with the auditors.",
        }
        services.update_lines(
            return_obj=return_obj, changes=changes, actor=system, channel="test: small world"
        )
        returns.append(return_obj)
    meeting = Meeting.objects.create(
        date=date(2010, 4, 21), venue="County Hall", region=RegionFactory()
    )
    item = AgendaItem.objects.create(meeting=meeting, number=6, title="Targets review")
    paper = Paper.objects.create(
        agenda_item=item,
        title="Targets review",
        target_set=first.target_set,
        year=Q3.year,
        quarter=Q3.quarter,
        author=director,
        author_name="Chris Allison",
        author_title="Director EM IEP",
        basis=basis,
    )
    Section.objects.create(
        paper=paper, number=1, order=1, heading="Purpose of the report", body=body
    )
    Section.objects.create(
        paper=paper,
        number=2,
        order=2,
        heading="Recommendations",
        body="The Board note the report.\n\nThe Board agree the next steps.",
    )
    return SmallWorld(
        paper=paper,
        director=director,
        sub_regions=sub_regions,
        authorities=authorities,
        targets=targets,
        returns=returns,
        system=system,
    )


@pytest.fixture
def small(db) -> SmallWorld:
    return make_small_world()


def readers() -> dict:
    """A user of each reading role (and one without a role)."""
    return {
        "board": make_user(BOARD_MEMBER),
        "pm": make_user(PROGRAMME_MANAGER),
        "none": make_user(None),
    }


# --------------------------------------------------------------------------- PDF helpers


def pdf_text(content: bytes, tmp_path: Path, *, layout: bool = False) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(content)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout  # noqa: S603


def pdf_pages(content: bytes, tmp_path: Path) -> list[tuple[float, float]]:
    """Each page's (width, height) in points, from pdfinfo."""
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", "-f", "1", "-l", "9999", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            width, _, height = line.split("size:")[1].split()[:3]
            pages.append((float(width), float(height)))
    return pages


def pdf_outline(content: bytes, tmp_path: Path) -> str:
    """The PDF's outline (bookmarks) as poppler's pdftohtml -xml writes it."""
    path = tmp_path / "outline.pdf"
    path.write_bytes(content)
    xml = subprocess.run(  # noqa: S603
        ["pdftohtml", "-xml", "-stdout", "-i", "-q", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    start = xml.find("<outline>")
    return xml[start:] if start >= 0 else ""


@dataclass(frozen=True)
class Word:
    """A word of a PDF page and its box (points, from the top left), from pdftotext -bbox."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Word, tolerance: float = 0.5) -> bool:
        return (
            self.x0 < other.x1 - tolerance
            and other.x0 < self.x1 - tolerance
            and self.y0 < other.y1 - tolerance
            and other.y0 < self.y1 - tolerance
        )


def pdf_words(content: bytes, tmp_path: Path) -> list[list[Word]]:
    """Every page's words with their boxes (poppler's pdftotext -bbox)."""
    import html
    import re

    path = tmp_path / "words.pdf"
    path.write_bytes(content)
    xhtml = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    word = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    )
    return [
        [
            Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in word.findall(page)
        ]
        for page in xhtml.split("<page ")[1:]
    ]


def overlapping(words: list[Word]) -> list[tuple[str, str]]:
    """The pairs of words whose boxes overlap (printed over each other)."""
    return [
        (first.text, second.text)
        for index, first in enumerate(words)
        for second in words[index + 1 :]
        if first.overlaps(second)
    ]


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (scripts/ensure-system-packages.sh)")
    return path
