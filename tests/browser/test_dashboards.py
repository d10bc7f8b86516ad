"""The dashboards in a real Chromium, on the demo data of `make run`.

* A Board member goes from the regional overview down to one authority's value and the reason
  for its rating, with the keyboard (focus and Enter / Space; no mouse), then on to the
  authority's page, a target's page and a comparison of two quarters. The pages obey the
  Content Security Policy throughout (no inline script or style).
* axe-core (tests/browser/axe_check.py) checks every dashboard, on approved returns and on
  every return (marked), against WCAG 2.0-2.2 A and AA and axe's best practices: 0
  violations. axe is injected as an inline script, so that context bypasses the CSP (the first
  test checks the CSP without it).
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.axe_check import axe_violations
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "pw"

PAGES = {
    "overview": "/dashboards/",
    "overview, districts only": "/dashboards/?kind=district&rating=R",
    "sub-region": "/dashboards/sub-regions/derbyshire/",
    "target": "/dashboards/targets/st-use-of-resources-level-3/",
    "target sorted by rating": "/dashboards/targets/st-use-of-resources-level-3/?sort=-rating",
    "authority": "/dashboards/authorities/amber-valley/",
    "compare": "/dashboards/compare/",
    "bad request": "/dashboards/?period=2009/10+Q9",
    # Every return, those not yet approved marked (Northamptonshire's submitted return).
    "overview, all returns": "/dashboards/?basis=all",
    "sub-region, submitted return": "/dashboards/sub-regions/northamptonshire/?basis=all",
    "sub-region, not approved": "/dashboards/sub-regions/northamptonshire/",
    "target, all returns": "/dashboards/targets/st-use-of-resources-level-3/?basis=all",
    "authority, all returns": "/dashboards/authorities/corby/?basis=all",
    "compare, all returns": "/dashboards/compare/?basis=all",
}


@pytest.fixture
def demo(transactional_db):
    call_command("load_reference_data", verbosity=0)
    call_command("setup_demo", verbosity=0)
    board = get_user_model().objects.get(username="board")
    board.set_password(PASSWORD)
    board.save()
    return board


def press_on(page: Page, locator, key: str = "Enter") -> None:
    """Keyboard only: move the focus to the element, then press the key."""
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def test_a_board_member_drills_down_to_a_value_and_its_reason(live_server, page: Page, demo):
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
    sign_in(page, base, "board", "/dashboards/")

    # The regional overview, December 2009.
    expect(page).to_have_url(f"{base}/dashboards/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regional overview")
    # On approved returns only (Northamptonshire's submitted return is not counted).
    expect(page.locator(".headline")).to_have_text(
        "Of 12 targets, 1 green, 5 amber and 6 red for the region in 2009/10 Q3."
    )
    table = page.get_by_role("table", name="Overall rating of each target")
    expect(table.get_by_role("columnheader", name="Derbyshire")).to_be_visible()

    # Down to Derbyshire, by its column heading.
    press_on(page, table.get_by_role("link", name="Derbyshire", exact=True))
    expect(page).to_have_url(
        f"{base}/dashboards/sub-regions/derbyshire/"
        "?target_set=stretch-targets&period=2009%2F10+Q3&basis=approved"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Derbyshire")

    # Amber Valley's use of resources: opened with the keyboard, value and reason inside.
    summary = page.locator("summary", has_text="Amber Valley, target 5")
    details = page.locator("details", has=summary)
    expect(details).not_to_have_attribute("open", "")
    press_on(page, summary, "Enter")
    expect(details).to_have_attribute("open", "")
    expect(details).to_contain_text("level 2 (At minimum standards)")
    expect(details).to_contain_text(
        "Amber, by the rule; the sub-region's own rating: Red (differs)"
    )
    expect(details).to_contain_text("Derbyshire return, December 2009 (seed 002, item 8)")
    expect(details.locator("dd").nth(4)).to_be_visible()  # the "Why" of the computed rating
    expect(summary.locator(".own-mark")).to_be_visible()  # the visible mark of a difference
    press_on(page, summary, " ")  # Space closes it again
    expect(details).not_to_have_attribute("open", "")

    # On to Amber Valley's page: all its targets, quarter by quarter.
    press_on(page, page.get_by_role("rowheader", name="Amber Valley").get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amber Valley Borough Council")
    expect(page.get_by_role("table")).to_contain_text("2009/10 Q3")

    # A target's page: the rule in plain English, the charts, the sortable table.
    press_on(page, page.get_by_role("link", name="5. Use of resources at level 3 or better"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Use of resources")
    expect(page.locator("svg[role=img]")).to_have_count(2)
    expect(page.get_by_text("Met when all relevant authorities")).to_be_visible()
    press_on(page, page.get_by_role("link", name="Sort by Rating"))
    expect(page.get_by_role("columnheader", name="Sort by Rating")).to_have_attribute(
        "aria-sort", "ascending"
    )

    # And a comparison of two quarters, from the overview.
    page.goto(f"{base}/dashboards/")
    press_on(page, page.get_by_role("link", name="Compare 2009/10 Q3 with 2009/10 Q2"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Compare two quarters")
    expect(page.locator(".headline")).to_contain_text("From 2009/10 Q2 to 2009/10 Q3")

    assert csp_violations == []


def test_every_dashboard_has_no_axe_violations(live_server, browser: Browser, demo):
    base = live_server.url
    # add_script_tag injects an inline <script>: this context lets it past the CSP.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, base, "board", "/dashboards/")
        expect(page).to_have_url(f"{base}/dashboards/")
        found = {}
        for name, path in PAGES.items():
            page.goto(f"{base}{path}")
            # Open a disclosure of each kind, so that their content is checked too.
            for summary in page.locator("details:not([open]) > summary").all()[:3]:
                summary.click()
            violations = axe_violations(page)
            if violations:
                found[name] = violations
        assert found == {}, json.dumps(found, indent=1)
    finally:
        context.close()
