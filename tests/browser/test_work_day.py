"""Each role's day with the returns, in a real Chromium, on the demo data of `make run`
(2009/10 Q3 stretch-target returns: Derbyshire, Leicestershire/Rutland and Lincolnshire
approved, Northamptonshire submitted, none from Nottinghamshire).

* The programme manager for Nottinghamshire sees the deadline on the home page and starts the
  return; in the grid sees the rating as a value is typed (the server's engine), edits every
  field of a line in the side panel with the keyboard alone, is asked before leaving with
  unsaved changes, saves and keeps the focus and the place, sees the target headings stay in
  view and the level lists' whole labels, follows the error banner's link to the cell in
  error; previews an import and applies it without choosing the file again; submits, warned of
  the lines still awaiting data.
* The Director sees the queue (oldest first, with its age) and the change summary, and
  approves; the Board member sees the latest approved quarter's headline and follows it.
* Without JavaScript the grid still saves. axe-core finds no violation on the new and changed
  pages. No Content Security Policy violation on the way.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from authorities.models import SubRegion
from returns import services
from returns.models import Return, ReturnLine, ReturnStatus, Transition
from returns.periods import Quarter
from riep.demo import DEMO_DEADLINE_DAYS
from targets.models import TargetSet
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PASSWORD = "pw"
Q3 = Quarter(2009, 3)
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def demo(transactional_db):
    call_command("load_reference_data", verbosity=0)
    call_command("setup_demo", verbosity=0)
    for user in get_user_model().objects.all():
        user.set_password(PASSWORD)
        user.save()


def watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def line(return_obj: Return, authority: str, number: str) -> ReturnLine:
    return ReturnLine.objects.get(
        return_obj=return_obj, authority__short_name=authority, target__number=number
    )


def cell_input(page: Page, authority: str, number: str):
    return page.get_by_label(f"{authority} – target {number} actual", exact=True)


def cell_of(page: Page, authority: str, number: str):
    return page.locator("td", has=cell_input(page, authority, number))


IMPORT_FILE = (
    b"sub_region,authority,target_set,target,period,actual,comment\n"
    b"Nottinghamshire,Gedling,EM IEP 12 stretch targets,9,2009/10 Q3,18,From the DWP tables\n"
    b"Nottinghamshire,Rushcliffe,EM IEP 12 stretch targets,8,2009/10 Q3,97,\n"
)


def test_the_programme_managers_day(live_server, browser: Browser, demo):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    csp = watch_csp(page)
    base = live_server.url
    sign_in(page, base, "pm-nottinghamshire")

    # Home: this quarter's return, its deadline and the days left, and the next step.
    due = timezone.localdate() + timedelta(days=DEMO_DEADLINE_DAYS)
    card = page.locator(".own-return")
    expect(card).to_contain_text("EM IEP 12 stretch targets, 2009/10 Q3")
    expect(card).to_contain_text(f"{due:%-d %B %Y} {DEMO_DEADLINE_DAYS} days left")
    expect(card).to_contain_text("Not started")
    page.get_by_role("button", name="Start the 2009/10 Q3 return").click()
    expect(page).to_have_url(re.compile(r"/returns/\d+/edit/$"))
    edit_url = page.url
    return_obj = Return.objects.get(sub_region__slug="nottinghamshire", year=2009, quarter=3)

    # The rating appears as the value is typed, from the server's engine, marked not saved.
    typed = cell_input(page, "Ashfield", "8")
    typed.focus()
    page.keyboard.type("96")
    rag = cell_of(page, "Ashfield", "8").locator(".cell__rag")
    expect(rag).to_have_class(re.compile(r"\brag--G\b"))
    expect(cell_of(page, "Ashfield", "8").locator(".cell__preview")).to_have_text(
        "Not saved: Green"
    )
    expect(page.locator("[data-grid-live]")).to_contain_text("Ashfield – target 8: Green if saved")
    page.keyboard.press("Control+a")
    page.keyboard.type("50")
    expect(rag).to_have_class(re.compile(r"\brag--R\b"))
    page.keyboard.press("Control+a")
    page.keyboard.type("104%")
    expect(cell_of(page, "Ashfield", "8").locator(".cell__preview")).to_contain_text(
        "over 100% for a percentage"
    )
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    expect(rag).to_have_class(re.compile(r"\brag--GREY\b"))

    # Every field of a line, in the side panel, with the keyboard alone.
    opener = page.get_by_role("link", name=re.compile("edit every field of Ashfield – target 9$"))
    opener.focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Edit Ashfield – target 9")
    state = panel.get_by_label("State")
    expect(state).to_be_focused()
    page.keyboard.press("Tab")
    expect(panel.get_by_label("Value", exact=True)).to_be_focused()
    page.keyboard.type("18")
    expect(state).to_have_value("value")
    rating = panel.locator("[data-panel-rating]")
    expect(rating).to_contain_text("Rating with these values (not saved yet): G")
    page.keyboard.press("Tab")
    page.keyboard.type("15")  # the target value: 18 days against 15 is no longer met
    expect(rating).not_to_contain_text(": G")
    page.keyboard.press("Tab")
    page.keyboard.type("09122009")  # the date of data, as the date field takes it by keyboard
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the help text, onto the sub-region's own rating
    panel.get_by_label("The sub-region's own rating").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(panel.get_by_label("Reason for the rating")).to_be_focused()
    page.keyboard.type("Ashfield's own rating: recovering.")
    panel.get_by_label("Comment").focus()
    page.keyboard.type("Half-year figure.")
    panel.get_by_label("Source of the figure").focus()
    page.keyboard.type("DWP tables")
    page.keyboard.press("Enter")  # saves the line
    expect(panel).to_be_hidden()
    expect(page.locator("[data-grid-status]")).to_contain_text("Saved Ashfield – target 9.")
    saved = line(return_obj, "Ashfield", "9")
    assert saved.actual == Decimal("18")
    assert saved.target_value == Decimal("15")
    assert saved.manual_rating in {"R", "A", "G"}
    assert saved.manual_reason == "Ashfield's own rating: recovering."
    assert saved.comment == "Half-year figure."
    assert saved.source == "DWP tables"
    assert saved.date_of_data is not None
    expect(cell_input(page, "Ashfield", "9")).to_have_value("18")
    expect(page.get_by_role("link", name=re.compile("Ashfield – target 9$"))).to_be_focused()
    # Escape closes the panel, and the focus goes back to where it was.
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("State")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("link", name=re.compile("Ashfield – target 9$"))).to_be_focused()

    # Leaving with unsaved changes asks first.
    bassetlaw = cell_input(page, "Bassetlaw", "8")
    bassetlaw.focus()
    page.keyboard.type("88")
    asked: list[str] = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Review and submit for sign-off").click(no_wait_after=True)
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url == edit_url
    expect(bassetlaw).to_have_value("88")

    # The target headings stay in view when the grid scrolls.
    scroller = page.locator(".grid-scroll")
    scroller.evaluate("element => { element.scrollTop = 10000; }")
    heading = page.get_by_role("columnheader", name=re.compile(r"^8\. 95% of undisputed"))
    heading_box, grid_box = heading.bounding_box(), scroller.bounding_box()
    assert grid_box["y"] - 1 <= heading_box["y"] <= grid_box["y"] + 80

    # Lists show whole labels: each level list is as wide as its longest label.
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll('td select[data-grid-cell]'))
          .filter(select => {
            const context = document.createElement('canvas').getContext('2d');
            context.font = getComputedStyle(select).font;
            const longest = Math.max(...Array.from(select.options)
              .map(option => context.measureText(option.text).width));
            return select.clientWidth - 24 < longest;
          }).map(select => select.getAttribute('aria-label'))"""
    )
    assert cut == []

    # Saving keeps the focus on the cell and the cell where it was on the screen.
    bassetlaw.focus()
    before = bassetlaw.bounding_box()
    page.keyboard.press("Enter")
    expect(page.locator("[data-grid-status]")).to_contain_text("Saved 1 change")
    expect(cell_input(page, "Bassetlaw", "8")).to_be_focused()
    after = cell_input(page, "Bassetlaw", "8").bounding_box()
    assert abs(after["y"] - before["y"]) <= 2
    assert abs(after["x"] - before["x"]) <= 2

    # The error banner lists each cell in error as a link to it.
    cell_input(page, "Mansfield", "8").fill("104%")
    cell_input(page, "Mansfield", "9").fill("many")
    page.get_by_role("button", name="Save as draft").click()
    banner = page.locator("[data-error-summary]")
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("Nothing was saved: 2 values need correcting")
    banner.get_by_role("link", name=re.compile("^Mansfield – target 9:")).click()
    expect(cell_input(page, "Mansfield", "9")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("19")
    cell_input(page, "Mansfield", "8").fill("94")
    page.keyboard.press("Enter")
    expect(page.locator("[data-grid-status]")).to_contain_text("Saved 2 changes")

    # Import: previewed, then applied without choosing the file again.
    page.get_by_role("link", name="Import a file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import returns")
    page.get_by_label("Returns file").set_input_files(
        files=[{"name": "notts.csv", "mimeType": "text/csv", "buffer": IMPORT_FILE}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("What applying it would change")
    changes = page.locator("table.import-changes")
    expect(changes.get_by_role("row", name=re.compile("Gedling, target 9"))).to_contain_text(
        "awaiting data"
    )
    expect(changes.get_by_role("row", name=re.compile("Rushcliffe, target 8"))).to_contain_text(
        "97%"
    )
    assert line(return_obj, "Gedling", "9").actual is None  # nothing written by the preview
    page.get_by_role("button", name="Apply this import").click()
    expect(page.locator(".messages")).to_contain_text(
        "Imported notts.csv: 0 returns created, 2 lines changed"
    )
    assert line(return_obj, "Gedling", "9").actual == Decimal("18")

    # Submit, warned of the lines still awaiting data.
    page.goto(f"{base}/returns/{return_obj.pk}/")
    warning = page.locator("fieldset.awaiting legend")
    expect(warning).to_contain_text("lines still await data")
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator(".messages")).to_contain_text("still await data without a reason")
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.DRAFT
    page.get_by_label("Why Nottinghamshire, target 1 awaits data").fill("OFSTED due in February.")
    page.get_by_label("Submit them all as awaiting data, without a reason for each").check()
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator(".messages")).to_contain_text("Submitted the return to the Director")
    expect(page.locator(".return-facts")).to_contain_text("on time")
    submitted = Transition.objects.get(return_obj=return_obj, to_status=ReturnStatus.SUBMITTED)
    assert {"where": "Nottinghamshire, target 1", "reason": "OFSTED due in February."} in [
        {"where": row["where"], "reason": row["reason"]} for row in submitted.awaiting
    ]

    assert csp == []
    context.close()


def _notts_resubmitted() -> Return:
    """Nottinghamshire's return: submitted, sent back, one line changed, submitted again; and
    Northamptonshire's submission three days old."""
    users = get_user_model().objects
    pm, director = users.get(username="pm-nottinghamshire"), users.get(username="director")
    return_obj, _ = services.open_return(
        sub_region=SubRegion.objects.get(slug="nottinghamshire"),
        target_set=TargetSet.objects.get(slug="stretch-targets"),
        quarter=Q3,
        actor=pm,
    )
    ashfield = line(return_obj, "Ashfield", "8")
    key = (ashfield.authority_id, ashfield.target_id)
    services.update_lines(
        return_obj=return_obj,
        changes={key: {"state": "value", "actual": 96}},
        actor=pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=pm)
    services.send_back_return(
        return_obj=return_obj, actor=director, comment="Ashfield's invoices: check the figure."
    )
    services.update_lines(
        return_obj=return_obj,
        changes={key: {"state": "value", "actual": 90}},
        actor=pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=pm, comment="Corrected.")
    Transition.objects.filter(
        return_obj__sub_region__slug="northamptonshire", to_status=ReturnStatus.SUBMITTED
    ).update(at=timezone.now() - timedelta(days=3))
    return return_obj


def test_the_directors_day_and_the_board_members(live_server, browser: Browser, demo):
    return_obj = _notts_resubmitted()
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    csp = watch_csp(page)
    base = live_server.url
    sign_in(page, base, "director")

    # The queue, oldest first, with its age.
    queue = page.get_by_role("table", name=re.compile("Returns awaiting sign-off"))
    rows = queue.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Northamptonshire, 2009/10 Q3")
    expect(rows.nth(0)).to_contain_text("3 days")
    expect(rows.nth(1)).to_contain_text("Nottinghamshire, 2009/10 Q3")
    expect(rows.nth(1)).to_contain_text("today")
    expect(page.get_by_role("heading", name="Overdue returns (0)")).to_be_visible()

    # The change summary since the first submission, then the approval.
    rows.nth(1).get_by_role("link").click()
    summary = page.locator("section.changes")
    expect(summary.get_by_role("heading")).to_contain_text(
        "What changed since its first submission"
    )
    changed = summary.get_by_role("row", name=re.compile("Ashfield, target 8"))
    expect(changed).to_contain_text("96%")
    expect(changed).to_contain_text("90%")
    expect(changed).to_contain_text("Nottinghamshire Programme Manager")
    expect(changed.locator(".rag").first).to_have_class(re.compile(r"\brag--G\b"))
    page.get_by_label("Comment (optional)").fill("Thank you for the correction.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".return-facts")).to_contain_text("Approved")
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.APPROVED
    page.get_by_role("link", name="Home", exact=True).click()
    expect(
        page.get_by_role("table", name=re.compile("Returns awaiting")).locator("tbody tr")
    ).to_have_count(1)

    # The Board member: the latest approved quarter's headline, and on to the overview.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "board")
    board = page.locator("section[aria-labelledby=board-title]")
    expect(board.locator(".headline")).to_contain_text("for the region in 2009/10 Q3")
    expect(board).to_contain_text("No paper has been issued yet.")
    board.get_by_role("link", name="The regional overview, 2009/10 Q3").click()
    expect(page).to_have_url(re.compile(r"/dashboards/\?target_set=stretch-targets"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regional overview")

    assert csp == []
    context.close()


def test_without_javascript_the_grid_still_saves(live_server, browser: Browser, demo):
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORT)
    page = context.new_page()
    base = live_server.url
    sign_in(page, base, "pm-nottinghamshire")
    page.get_by_role("button", name="Start the 2009/10 Q3 return").click()

    cell_input(page, "Ashfield", "8").fill("96")
    page.get_by_role("button", name="Save as draft").click()

    expect(page.locator(".messages")).to_contain_text("Saved 1 change")
    return_obj = Return.objects.get(sub_region__slug="nottinghamshire")
    assert line(return_obj, "Ashfield", "8").effective_rating == "G"
    # Without the panel, the rating links to the line's own page, which saves every field.
    cell_of(page, "Ashfield", "9").locator(".cell__rag").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ashfield – target 9")
    context.close()


def _axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    assert result["passes"]
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]


def test_the_new_and_changed_pages_have_no_axe_violations(live_server, browser: Browser, demo):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` at the repository's root.")
    return_obj = _notts_resubmitted()
    services.send_back_return(
        return_obj=return_obj,
        actor=get_user_model().objects.get(username="director"),
        comment="Once more.",
    )
    base = live_server.url
    found: dict[str, list] = {}
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORT)
    page = context.new_page()

    def check(name: str, path: str | None = None) -> None:
        if path:
            page.goto(f"{base}{path}")
        violations = _axe(page)
        if violations:
            found[name] = violations

    sign_in(page, base, "pm-nottinghamshire")
    check("programme manager's home")
    check("returns list", "/returns/")
    check("grid", f"/returns/{return_obj.pk}/edit/")
    cell_input(page, "Bassetlaw", "8").fill("80")
    expect(cell_of(page, "Bassetlaw", "8").locator(".cell__preview")).to_contain_text("Not saved")
    check("grid with a rating previewed")
    page.get_by_role("link", name=re.compile("edit every field of Ashfield – target 9$")).click()
    expect(page.get_by_role("dialog").get_by_label("State")).to_be_visible()
    check("grid with the line panel")
    page.keyboard.press("Escape")
    cell_input(page, "Mansfield", "8").fill("104%")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("grid with the error banner")
    check("return page with the submit warning", f"/returns/{return_obj.pk}/")
    check("import page", f"/returns/import/?return={return_obj.pk}")
    page.get_by_label("Returns file").set_input_files(
        files=[{"name": "notts.csv", "mimeType": "text/csv", "buffer": IMPORT_FILE}]
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("button", name="Apply this import")).to_be_visible()
    check("import preview")
    page.get_by_role("button", name="Apply this import").click()
    check("import applied")
    check("notices", "/returns/notices/")
    check("deadlines", "/returns/deadlines/")
    page.get_by_role("button", name="Sign out").click()

    services.submit_return(
        return_obj=return_obj,
        actor=get_user_model().objects.get(username="pm-nottinghamshire"),
        awaiting_reasons={},
    )
    sign_in(page, base, "director")
    check("Director's home")
    check("sign-off page with the change summary", f"/returns/{return_obj.pk}/")
    check("deadlines, as the Director", "/returns/deadlines/")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, "board")
    check("Board member's home")
    context.close()

    assert found == {}, json.dumps(found, indent=1)
