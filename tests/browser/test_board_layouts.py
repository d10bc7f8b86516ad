"""What a Board member sees (issue 10), in a real Chromium on the demo of `make run`.

* The dashboards open on the latest quarter with an approved return (2009/10 Q3), not on a
  newer draft (a programme manager has started 2009/10 Q4), on approved returns only, with
  the opening message (Red targets, moves, completeness) and the summary chart above the fold
  at 1366×768; the switch to every return keeps the quarter and marks what is not approved;
  every drill-down keeps the quarter and the basis, and the way back too.
* Tablet (1024×768) and phone (390×844): the overview, a sub-region and the comparison never
  scroll the page sideways, and their first column and region column stay in view when the
  table is scrolled; on a phone the filters fold away, and open again from the keyboard.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from returns import services
from returns.periods import Quarter
from targets.models import TargetSet
from tests.browser.axe_check import axe_violations
from tests.browser.signing import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "pw"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
Q3 = "period=2009%2F10+Q3"


@pytest.fixture
def demo(transactional_db):
    call_command("load_reference_data", verbosity=0)
    call_command("setup_demo", verbosity=0)
    users = get_user_model().objects
    board = users.get(username="board")
    board.set_password(PASSWORD)
    board.save()
    # Derbyshire's programme manager has started the next quarter: a draft, newer than
    # anything approved.
    services.open_return(
        sub_region=users.get(username="pm-derbyshire").membership.sub_region,
        target_set=TargetSet.objects.get(slug="stretch-targets"),
        quarter=Quarter(2009, 4),
        actor=users.get(username="pm-derbyshire"),
    )
    return board


def press_on(page: Page, locator, key: str = "Enter") -> None:
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


def above_the_fold(page: Page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= page.viewport_size["height"], box


def test_a_board_member_sees_approved_returns_at_a_glance_and_switches(
    live_server, page: Page, demo
):
    page.set_viewport_size(DESKTOP)
    base = live_server.url
    sign_in(page, base, "board", "/dashboards/")

    # The latest quarter with an approved return, not Derbyshire's new Q4 draft.
    expect(page.get_by_role("heading", level=1)).to_contain_text("2009/10 Q3")
    switch = page.get_by_role("navigation", name="Data shown")
    expect(switch.get_by_role("link", name="Approved returns only")).to_have_attribute(
        "aria-current", "true"
    )

    # The message, above the fold: Red targets, moves, completeness.
    message = page.get_by_role("region", name="2009/10 Q3 at a glance")
    expect(message).to_contain_text("Red: 6 targets for the region: 4 (CAA organisational")
    red = message.locator(".message__item--red").get_by_role("link")
    expect(red).to_have_count(6)
    expect(red.first).to_have_accessible_name("4 (CAA organisational assessments performing well)")
    expect(message).to_contain_text(
        "Since 2009/10 Q2: no return was made for 2009/10 Q2, so there is nothing to compare"
    )
    expect(message).to_contain_text(
        "Rests on 3 of 5 approved returns; 89 of 336 lines have a value."
    )
    expect(message).to_contain_text(
        "Northamptonshire's (submitted, awaiting approval) return is not counted until approved"
    )
    above_the_fold(page, message)
    # The summary chart: named, patterned and labelled, above the fold too.
    chart = page.get_by_role("img", name="Targets by overall rating, 2009/10 Q3")
    expect(chart).to_be_visible()
    above_the_fold(page, chart)
    expect(chart.locator("pattern")).to_have_count(6)

    table = page.get_by_role("table", name="Overall rating of each target")
    # A region rating resting on fewer than half of its authorities says so in its cell.
    first_region = table.locator("tbody td.matrix__region").first
    expect(first_region.locator(".thin")).to_contain_text("◔ 3/9")
    expect(first_region).to_contain_text("rests on only 3 of 9 relevant authorities")
    expect(table.locator(".data-status")).to_have_count(0)

    # The switch: every return, the quarter kept, what is not approved marked in words.
    press_on(page, switch.get_by_role("link", name="Include submitted and draft returns"))
    expect(page).to_have_url(
        re.compile(re.escape(f"/dashboards/?target_set=stretch-targets&{Q3}&basis=all"))
    )
    assert "basis=all" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("2009/10 Q3")
    expect(table.locator(".data-status--submitted").first).to_contain_text("submitted")
    expect(table.locator(".data-status--submitted").first).to_contain_text(
        "rests on 1 submitted return, not yet approved"
    )
    expect(message).to_contain_text("Rests on 4 of 5 returns: 3 approved, 1 submitted")

    # Drill down, keeping the quarter and the basis at every step, and back.
    def kept():
        assert Q3 in page.url, page.url
        assert "basis=all" in page.url, page.url

    press_on(page, table.get_by_role("link", name="Derbyshire", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Derbyshire")
    kept()
    press_on(page, page.get_by_role("rowheader", name="Amber Valley").get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amber Valley Borough Council")
    kept()
    press_on(page, page.get_by_role("link", name="5. Use of resources at level 3 or better"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Use of resources")
    kept()
    press_on(page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regional overview")
    kept()
    press_on(page, page.get_by_role("link", name="Compare 2009/10 Q3 with 2009/10 Q2"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Compare two quarters")
    kept()
    press_on(page, page.get_by_role("navigation", name="Breadcrumb").get_by_role("link"))
    expect(
        page.get_by_role("navigation", name="Data shown").get_by_role(
            "link", name="Include submitted and draft returns"
        )
    ).to_have_attribute("aria-current", "true")
    kept()


LAYOUT_PAGES = {
    "overview": ("/dashboards/?basis=all", "thead th.matrix__region"),
    "sub-region": ("/dashboards/sub-regions/northamptonshire/?basis=all", "thead .matrix__corner"),
    "comparison": ("/dashboards/compare/?basis=all", "thead th.matrix__region"),
}


@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_tablet_and_phone_keep_the_region_column_in_view(live_server, browser: Browser, demo, size):
    viewport = TABLET if size == "tablet" else PHONE
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "board", "/dashboards/")
        found = {}
        for name, (path, region) in LAYOUT_PAGES.items():
            page.goto(f"{live_server.url}{path}")
            # The page itself never scrolls sideways.
            scroll_width, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll_width <= inner, (name, scroll_width, inner)
            # Scroll the table as far right as it goes: its first and region columns stay.
            table = page.locator(".matrix-scroll").first
            scrolled = table.evaluate(
                "el => { el.scrollLeft = el.scrollWidth; return [el.scrollLeft, "
                "el.scrollWidth > el.clientWidth]; }"
            )
            page.wait_for_timeout(100)
            if size == "phone":
                assert scrolled[1], f"{name}: the table does not need scrolling on a phone?"
                assert scrolled[0] > 0, name
            for locator in (page.locator(region).first, page.locator("tbody th[scope=row]").first):
                box = locator.bounding_box()
                assert box is not None, name
                assert box["x"] >= 0, (name, box)
                assert box["x"] + box["width"] <= inner, (name, box)
            # On a phone the filters fold away; the keyboard opens them.
            fold = page.locator("details.filters-fold")
            if size == "phone":
                expect(fold).not_to_have_attribute("open", "")
                expect(page.get_by_label("Target set")).not_to_be_visible()
                press_on(page, fold.locator("summary"))
                expect(fold).to_have_attribute("open", "")
                expect(page.get_by_label("Target set")).to_be_visible()
            else:
                expect(fold).to_have_attribute("open", "")
            violations = axe_violations(page)
            if violations:
                found[name] = violations
        assert found == {}, json.dumps(found, indent=1)
    finally:
        context.close()
