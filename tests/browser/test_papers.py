"""The Director's Board paper in a real Chromium, on the demo data of `make run`.

The "done when" of issue 5: the Director writes the report for the 20 January 2010 meeting
(agenda item 8, the stretch targets review) on the December 2009 demo returns, previews it,
builds and downloads the PDF (made by a real task worker, `manage.py db_worker`, the status
page polling with its static script), downloads Excel and CSV, and issues it; then a large
export of the issue's data is made by the worker too. No Content Security Policy violation on
the way.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from riep.demo_papers import ensure_demo_papers
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
