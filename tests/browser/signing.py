"""Signing in through the real sign-in page, as every browser test starts."""

from playwright.sync_api import Page, expect

#: The password of every user the browser tests make.
PASSWORD = "pw"


def sign_in(page: Page, base: str, username: str, next_path: str = "/") -> None:
    """Sign ``username`` in on the sign-in page and follow ``next_path``; waits until the page
    it lands on shows its heading."""
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main h1")).to_be_visible()
