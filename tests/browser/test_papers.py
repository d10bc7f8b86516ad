"""The Director's Board paper in a real Chromium, on the demo data of `make run`.

The "done when" of issue 5: the Director writes the report for the 20 January 2010 meeting
(agenda item 8, the stretch targets review) on the December 2009 demo returns, previews it,
builds and downloads the PDF (made by a real task worker, `manage.py db_worker`, the status
page polling with its static script), downloads Excel and CSV, and issues it; then a large
export of the issue's data is made by the worker too. No Content Security Policy violation on
the way.

Issue 10: the Director includes Northamptonshire's submitted return in the paper; the draft PDF
says so on its first page and carries DRAFT on every page; issuing asks for an explicit
confirmation (the browser will not send the form without it) and the issued page records the
returns' states; the issued PDF is tagged (pdfinfo); every page on the way has no axe-core
violation.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from riep.demo_papers import ensure_demo_papers
from tests.browser.axe_check import axe_violations
from tests.returns.test_services import ensure_role_groups
from tests.worker_support import worker_process

pytestmark = pytest.mark.browser

PASSWORD = "pw"


@pytest.fixture
def demo(transactional_db, tmp_path):
    ensure_role_groups()
    call_command("load_reference_data", verbosity=0)
    call_command("setup_demo", verbosity=0)
    ensure_demo_papers()
    director = get_user_model().objects.get(username="director")
    director.set_password(PASSWORD)
    director.save()
    with worker_process(tmp_path):  # the real task worker, on the test database
        yield director


def _download(page: Page, click) -> bytes:
    with page.expect_download() as info:
        click()
    path = info.value.path()
    with open(path, "rb") as file:
        return file.read()


def test_the_director_writes_previews_downloads_and_issues_the_paper(
    live_server, page: Page, demo, settings
):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/papers/")
    page.get_by_label("Username").fill("director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Board papers")).to_be_visible()
    page.get_by_role("link", name="EM IEP Stretch Targets Review").click()
    expect(page.get_by_role("heading", name="EM IEP Stretch Targets Review")).to_be_visible()

    # Write: a paragraph more in the purpose of the report, then save and preview.
    page.get_by_role("link", name="Write the report").first.click()
    purpose = page.locator("#id_sections-0-body")
    purpose.fill(purpose.input_value() + "\n\nThe returns are attached as appendices 1 and 2.")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Preview of the draft")).to_be_visible()
    expect(page.locator(".para", has_text="The returns are attached")).to_contain_text("1.2")
    expect(page.get_by_role("heading", name="Appendix 2: The sub-regional")).to_be_visible()
    page.get_by_role("link", name="Back to the paper").click()

    # The PDF is built in the background; the status page follows it and offers the file.
    page.get_by_role("button", name="Build the PDF").click()
    expect(page.get_by_role("heading", name="PDF of EM IEP Stretch Targets Review")).to_be_visible()
    download = page.get_by_role("link", name="Download the PDF")
    expect(download).to_be_visible(timeout=90_000)
    assert _download(page, download.click).startswith(b"%PDF-")

    page.get_by_role("link", name="Back to the paper").click()
    assert _download(page, page.get_by_role("link", name="Download Excel").click)[:2] == b"PK"
    csv = _download(page, page.get_by_role("link", name="Download CSV").click)
    assert "Amber Valley Borough Council" in csv.decode("utf-8-sig")

    # Issue it: frozen, then readable by the Board.
    page.get_by_role("link", name="Issue the paper…").click()
    page.get_by_role("button", name="Issue 1 now").click()
    expect(page.get_by_text("Issued: issue 1")).to_be_visible(timeout=90_000)
    page.get_by_role("link", name="issue 1").click()
    expect(page.get_by_role("heading", name="Restated since it was issued")).to_be_visible()
    frozen = _download(page, page.get_by_role("link", name="Download the PDF").click)
    assert frozen.startswith(b"%PDF-")

    # A large export (as at national scale) is made by the worker, with its progress shown.
    settings.BOARD_EXPORT_INLINE_MAX_LINES = 100  # the demo's 348 lines count as large
    page.get_by_role("link", name="Excel", exact=True).click()
    expect(page.get_by_text("has 348 lines")).to_be_visible()
    page.get_by_role("button", name="Prepare the Excel file").click()
    expect(page.get_by_role("heading", name="Excel of the data of")).to_be_visible()
    workbook = page.get_by_role("link", name="Download the Excel file")
    expect(workbook).to_be_visible(timeout=90_000)
    assert _download(page, workbook.click)[:2] == b"PK"

    assert violations == []


def _pdf_pages_text(content: bytes, tmp_path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _tagged(content: bytes, tmp_path, name: str) -> bool:
    path = tmp_path / name
    path.write_bytes(content)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.search(r"^Tagged:\s+yes$", info, re.MULTILINE) is not None


def test_a_paper_with_a_submitted_return_says_so_is_marked_draft_and_needs_a_confirmation(
    live_server, browser, demo, tmp_path
):
    base = live_server.url
    # axe is injected as an inline script: this context lets it past the CSP.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    axe: dict[str, list] = {}

    def check(name: str) -> None:
        violations = axe_violations(page)
        if violations:
            axe[name] = violations

    try:
        page.goto(f"{base}/accounts/login/?next=/papers/")
        page.get_by_label("Username").fill("director")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="EM IEP Stretch Targets Review").click()
        expect(page.get_by_text("Approved returns only.", exact=False)).to_be_visible()
        check("paper, approved returns")

        # The Director includes submitted and draft returns, and leaves out the trends.
        page.get_by_role("link", name="Edit the details").click()
        check("the paper's details")
        page.get_by_role("radio", name=re.compile("Include submitted and draft returns")).check()
        page.get_by_label("Trends").uncheck()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Includes submitted and draft returns.")).to_be_visible()
        check("paper, every return")

        page.get_by_role("link", name="Preview").click()
        expect(page.get_by_text("This paper includes returns not yet approved:")).to_be_visible()
        expect(
            page.get_by_role("heading", name="Appendix 4: Where the sub-regions")
        ).to_be_visible()
        check("preview")
        page.get_by_role("link", name="Back to the paper").click()

        # The draft PDF: DRAFT on every page; its first page says what it rests on.
        page.get_by_role("button", name="Build the PDF").click()
        download = page.get_by_role("link", name="Download the PDF")
        expect(download).to_be_visible(timeout=120_000)
        check("build")
        draft = _download(page, download.click)
        pages = _pdf_pages_text(draft, tmp_path, "draft.pdf")
        assert all("DRAFT" in sheet for sheet in pages)
        first = " ".join(pages[0].split())
        assert "This paper includes returns not yet approved: Northamptonshire (submitted," in (
            first
        )
        assert "Appendix 6: Key to the ratings" in " ".join(" ".join(pages).split())
        assert _tagged(draft, tmp_path, "draft.pdf")

        # Issuing asks for an explicit confirmation: without it, the browser does not send.
        page.get_by_role("link", name="Back to the paper").click()
        page.get_by_role("link", name="Issue the paper…").click()
        expect(page.get_by_text("1 of 5 returns is not yet approved")).to_be_visible()
        check("issue, to confirm")
        confirm = page.get_by_label("I confirm: issue this paper with returns not yet approved.")
        page.get_by_role("button", name="Issue 1 now").click()
        assert confirm.evaluate("box => box.validity.valueMissing")
        expect(page).to_have_url(re.compile(r"/papers/\d+/issue/$"))
        confirm.focus()
        page.keyboard.press(" ")
        expect(confirm).to_be_checked()
        page.get_by_role("button", name="Issue 1 now").click()
        expect(page.get_by_text("Issued: issue 1")).to_be_visible(timeout=120_000)
        page.get_by_role("link", name="issue 1").click()
        expect(
            page.get_by_text("Issued with returns not yet approved, as the Director confirmed:")
        ).to_be_visible()
        check("issued")
        issued = _download(page, page.get_by_role("link", name="Download the PDF").click)
        assert _tagged(issued, tmp_path, "issued.pdf")
        issued_pages = _pdf_pages_text(issued, tmp_path, "issued.pdf")
        assert not any("DRAFT" in sheet for sheet in issued_pages)
        assert "Issue 1" in issued_pages[0]
        assert axe == {}, json.dumps(axe, indent=1)
    finally:
        context.close()
