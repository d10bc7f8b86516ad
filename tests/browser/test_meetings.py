"""Meetings in full, in a real Chromium (issue 13 item 3).

The Director opens the Board meeting of 20 January 2010, writes a report for an agenda item
that has no target set (the Annual Conference, seed 002's item 11), and carries an action of
the November meeting, still open, to the April meeting, whose page then lists it. The pages
obey the CSP throughout (no inline script or style).
"""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from authorities.roles import DIRECTOR
from reports.meetings import record_action
from reports.models import Action, AgendaItem, Meeting, Paper
from tests.browser.axe_check import axe_violations
from tests.browser.signing import sign_in
from tests.factories import RegionFactory, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    director = make_user(DIRECTOR, username="director", first_name="Chris", last_name="Allison")
    november = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2009, 11, 27))
    january = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2010, 1, 20))
    april = Meeting.objects.create(region=RegionFactory(), body="Board", date=date(2010, 4, 15))
    AgendaItem.objects.create(
        meeting=january, number=11, title="EM IEP Annual Conference Report", kind="discussion"
    )
    action = record_action(
        raised_at=november,
        number=9,
        text="To circulate the Board report on Member Development to all councils.",
        owner="Lisa Butterfill",
        status_recorded=False,
        source="seed 002, line 218",
        actor=director,
    )
    return {"january": january, "april": april, "action": action}


def test_the_director_writes_a_report_without_a_target_set_and_carries_an_action(
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
    january = world["january"].get_absolute_url()

    sign_in(page, base, "director", january)
    expect(page.get_by_role("heading", level=1)).to_have_text("Board meeting, 20 January 2010")
    row = page.get_by_role("row").filter(has_text="EM IEP Annual Conference Report")
    expect(row).to_contain_text("For discussion")
    row.get_by_role("link", name="Write a report without a target set").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("New report of the Director")
    expect(page.get_by_label("Title", exact=True)).to_have_value("EM IEP Annual Conference Report")
    expect(page.get_by_label("Target set")).to_have_count(0)
    page.get_by_label("Signed by").fill("Chris Allison")
    page.get_by_role("button", name="Start the paper").click()

    expect(page.get_by_text("Paper started: write its sections.")).to_be_visible()
    page.locator("#id_sections-0-body").fill(
        "1.1 To update the Board on the arrangements for the EM IEP Annual Conference."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    paper = Paper.objects.get()
    assert paper.target_set is None
    assert "Annual Conference" in paper.sections.order_by("order").first().body

    # The paper's page: no ratings, no data to download.
    page.goto(f"{base}{paper.get_absolute_url()}")
    expect(page.get_by_text("A report without a target set")).to_be_visible()
    expect(page.get_by_role("link", name="Download Excel")).to_have_count(0)

    # Back on the meeting: November's open action is carried here; carry it to April.
    page.goto(f"{base}{january}")
    carried = page.locator("#actions-carried + p + .table-container")
    expect(carried).to_contain_text("Member Development")
    expect(carried).to_contain_text("the papers do not say whether it was done")
    action = world["action"]
    page.get_by_label("Carry to").select_option(str(world["april"].pk))
    page.get_by_role("button", name="Carry action 9").click()
    expect(
        page.get_by_text("Action 9 carried to the Board meeting, 15 April 2010.")
    ).to_be_visible()
    assert Action.objects.get(pk=action.pk).due_meeting == world["april"]

    page.goto(f"{base}{world['april'].get_absolute_url()}")
    april_carried = page.locator("#actions-carried + p + .table-container")
    expect(april_carried).to_contain_text("Member Development")
    expect(april_carried).to_contain_text("Board meeting, 15 April 2010")
    # At a phone's width the page keeps every control reachable (the tables scroll).
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("button", name="Mark action 9 done")).to_be_visible()
    assert not csp_violations, csp_violations


def test_the_meeting_page_passes_axe_at_desktop_and_phone_widths(live_server, browser, world):
    # axe is injected as an inline script: this context lets it past the CSP.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "director", world["january"].get_absolute_url())
        expect(page.get_by_text("Record an action", exact=True)).to_be_visible()
        found = {}
        for width, height in ((1366, 768), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            found[width] = axe_violations(page)
        assert found == {1366: [], 390: []}
    finally:
        context.close()
