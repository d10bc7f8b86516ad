"""An improvement plan's monitoring and a project, in a real Chromium (issue 13).

The Director signs in, opens a quarter of a council's improvement plan, records a commitment
as Achieved with its comment on progress, saves, and sees Achieved on the progress page and on
the commitment's dashboard; then opens a target's page and, from it, a project that serves it.
The pages obey the CSP throughout (no inline script or style).
"""

import pytest
from playwright.sync_api import Page, expect

from authorities.roles import DIRECTOR
from targets.models import Project, ProjectStatus
from tests.browser.signing import sign_in
from tests.factories import make_user
from tests.plan_support import make_plan

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    plan = make_plan()
    plan.director = make_user(DIRECTOR, username="director", first_name="Chris")
    project = Project.objects.create(
        slug="warm-homes",
        title="Warm Homes",
        kind="capital",
        status=ProjectStatus.SUBMITTED,
        amount_bid=300000,
        source="002, item 5 §3.6",
    )
    project.target_links.create(
        target=plan.recycling, words="Increase recycling and composting", source="test"
    )
    return plan


def test_the_director_records_achieved_and_opens_a_project_from_its_target(
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

    # The Director opens the plan's first quarter from the plans' page.
    sign_in(page, base, "director", "/returns/plans/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Improvement plans")
    page.get_by_label("Record the progress of").select_option("2008/09 Q1")
    page.get_by_role("button", name="Open the quarter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress:")

    # Records the Children's Trust commitment as Achieved, with the paper's comment.
    page.get_by_label("Progress of CYP-M3", exact=True).select_option("ACH")
    page.get_by_label("Comments on progress of CYP-M3", exact=True).fill(
        "Arrangements reviewed, agreed by Cabinet on 19 December 2006 and now in place."
    )
    page.get_by_role("button", name="Save progress").click()
    expect(page.get_by_text("Saved the progress of 1 commitment(s).")).to_be_visible()
    row = page.locator("#commitment-plan-cyp-m3")
    expect(row.locator(".rag--ACH")).to_have_text("Ach")
    expect(row).to_contain_text("Achieved")

    # The commitment's dashboard shows it Achieved, in words as well as the badge.
    row.get_by_role("link", name="CYP-M3").click()
    overall = page.locator("#overall-title").locator("xpath=..")
    expect(overall.locator(".rag--ACH")).to_have_text("Ach")
    expect(overall).to_contain_text("Achieved")
    expect(page.get_by_text("Nigel Farrow")).to_be_visible()  # the responsible officer

    # A target's page lists the projects that serve it; one opens the project.
    page.goto(f"{base}/dashboards/targets/{world.recycling.code}/")
    projects = page.locator("#projects")
    expect(projects).to_contain_text("Warm Homes")
    projects.get_by_role("link", name="Warm Homes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Warm Homes")
    expect(page.get_by_text("£300,000")).to_be_visible()
    expect(page.locator("table")).to_contain_text("HTW-W3")

    assert csp_violations == []
