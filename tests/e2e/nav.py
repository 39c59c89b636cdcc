"""Going somewhere through the top bar, as a user does: open the menu, then the item."""

import re

from playwright.sync_api import Page


def nav_link(page: Page, name: str):
    """The top bar's link called `name` (a count badge may follow the label), shown or folded away."""
    label = re.compile(rf"^{re.escape(name)}(\s*\d+)?$")
    return page.locator("nav.mainnav").get_by_role("link", name=label, include_hidden=True)


def go_to(page: Page, name: str) -> None:
    """Click the top bar's item `name`, opening the menu it sits in first."""
    link = nav_link(page, name)
    if not link.is_visible():
        label = re.compile(rf"^{re.escape(name)}(\s*\d+)?$")
        menu = page.locator("nav.mainnav details").filter(
            has=page.get_by_role("link", name=label, include_hidden=True)
        )
        menu.locator("summary").click()
    link.click()


def sign_in(page: Page, base: str, username: str, password: str = "demo-pass-2026") -> None:
    """Sign in on the login page and wait until the app has answered.

    Going elsewhere before the login POST has come back races the session cookie
    (it failed once in CI: the next page bounced to the login form).
    """
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main form").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
