"""A quarter's return from entry to approval, in a real Chromium.

The programme manager signs in, opens the return's grid, types a value and moves on with the
keyboard (static/js/grid.js), saves, sees the ratings, and submits; the Director signs in and
approves; the return shows "Approved" and every transition. The pages obey the CSP throughout
(no inline script or style).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.signing import sign_in
from tests.returns.test_services import make_world, open_

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = make_world()
    world.return_obj = open_(world)
    return world


def test_programme_manager_enters_and_submits_then_the_director_approves(
    live_server, page: Page, world
):
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    base = live_server.url
    pk = world.return_obj.pk

    # The programme manager opens the grid.
    sign_in(page, base, world.pm.username, f"/returns/{pk}/edit/")
    expect(page).to_have_url(f"{base}/returns/{pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enter values")

    # Types the county's figure, and moves down to the district with the arrow key.
    county = page.get_by_label("Derbyshire CC – target 1 actual", exact=True)
    district = page.get_by_label("Derbyshire District 1 – target 1 actual", exact=True)
    county.focus()
    page.keyboard.type("92.79%")
    page.keyboard.press("ArrowDown")
    expect(district).to_be_focused()
    page.keyboard.type("96")
    # → from the end of the text moves along the row, to the district's benefits days.
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("Derbyshire District 1 – target 4 actual", exact=True)).to_be_focused()
    page.keyboard.type("18")
    page.keyboard.press("Enter")  # submits the grid: "Save as draft"

    expect(page.locator(".messages")).to_contain_text("Saved 3 changes")
    county_cell = page.locator("td", has=page.get_by_label("Derbyshire CC – target 1 actual"))
    expect(county_cell.locator(".cell__rag")).to_have_class(re.compile(r"\brag--A\b"))
    expect(county_cell.locator(".cell__rag")).to_contain_text("A")
    district_cell = page.locator(
        "td", has=page.get_by_label("Derbyshire District 1 – target 1 actual")
    )
    expect(district_cell.locator(".cell__rag")).to_contain_text("G")
    expect(county).to_have_value("92.79")

    # Submits the return for sign-off.
    page.get_by_role("link", name="Review and submit for sign-off").click()
    # Two lines still await data: submitted as such, with one confirmation for both.
    page.get_by_label("Submit them all as awaiting data, without a reason for each").check()
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.locator(".messages")).to_contain_text("Submitted the return")
    expect(page.locator(".return-facts")).to_contain_text("Submitted")

    # The Director signs in and approves it.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, base, world.director.username, f"/returns/{pk}/")
    expect(page).to_have_url(f"{base}/returns/{pk}/")
    page.get_by_label("Comment (optional)").fill("Thank you.")
    page.get_by_role("button", name="Approve").click()

    expect(page.locator(".return-facts")).to_contain_text("Approved")
    history = page.locator("table.transitions tbody tr")
    expect(history).to_have_count(3)
    expect(history.nth(1)).to_contain_text("Draft → Submitted")
    expect(history.nth(1)).to_contain_text("Pat Moss")
    expect(history.nth(2)).to_contain_text("Submitted → Approved")
    expect(history.nth(2)).to_contain_text("Chris Allison")
    expect(history.nth(2)).to_contain_text("Thank you.")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    assert csp_violations == []
