"""A programme manager signs in and opens the 12 stretch targets, as a new user would."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from authorities.models import SubRegion
from authorities.roles import PROGRAMME_MANAGER
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def reference_data(transactional_db):
    call_command("load_reference_data", verbosity=0)


def test_programme_manager_signs_in_and_opens_the_stretch_targets(
    live_server, page: Page, reference_data
):
    derbyshire = SubRegion.objects.get(slug="derbyshire")
    make_user(PROGRAMME_MANAGER, sub_region=derbyshire, username="pm-test")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("pm-test")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("You keep the returns of")).to_contain_text("Derbyshire")
    page.get_by_role("link", name="Target sets").click()
    page.get_by_role("link", name="12 stretch targets", exact=False).first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("stretch targets")
    targets = page.locator("li.target")
    expect(targets).to_have_count(12)
    expect(
        targets.filter(has=page.get_by_text("NI 117", exact=True)).locator(".target__number")
    ).to_have_text("11.")
    expect(
        targets.filter(has=page.get_by_text("NI 1", exact=True)).locator(".target__number")
    ).to_have_text("10.")
