"""A first browser test: the sign-in page renders in a real Chromium and obeys the CSP."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_login_page_shows_the_sign_in_form(live_server, page: Page):
    csp_violations = []
    page.on(
        "console",
        lambda message: (
            csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    response = page.goto(f"{live_server.url}/accounts/login/")

    assert response is not None
    assert response.status == 200
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    assert csp_violations == []
