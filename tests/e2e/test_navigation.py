"""The top bar as people use it: menus by mouse and keyboard, the current section lit, phone width."""

import pytest
from playwright.sync_api import Page, expect

from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import go_to, sign_in
from tests.e2e.test_dunning_journey import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark", language="en")
    create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris", language="en")


def test_a_manager_finds_everything_in_a_few_menus(page: Page, live_server, people, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server.url, "mark")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    nav = page.locator("nav.mainnav")
    # One row: every menu and link sits at the same height.
    tops = {round(box["y"]) for box in (el.bounding_box() for el in nav.locator(":scope > *").all())}
    assert len(tops) == 1, tops
    # Keyboard: focus a menu, open it, step into it, Escape closes it and gives the focus back.
    nav.locator("summary", has_text="Reports").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Dashboard")
    page.keyboard.press("Escape")
    expect(nav.locator("details[open]")).to_have_count(0)
    expect(page.locator(":focus")).to_have_text("Reports")
    # Mouse: one menu open at a time, a click elsewhere closes it.
    nav.locator("summary", has_text="Dunning").click()
    nav.locator("summary", has_text="Policy").click()
    expect(nav.locator("details[open]")).to_have_count(1)
    page.locator("main h1").click()
    expect(nav.locator("details[open]")).to_have_count(0)
    # The page's menu and item are lit.
    go_to(page, "Cash forecast")
    expect(page.get_by_role("heading", name="Cash forecast")).to_be_visible()
    expect(nav.locator("details.active summary")).to_have_text("Reports")
    expect(nav.locator("[aria-current=page]")).to_have_text("Cash forecast")
    page.screenshot(path=str(tmp_path / "nav.png"))


def test_on_a_phone_the_menus_open_over_the_page(page: Page, live_server, people, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "chris")
    go_to(page, "Disputes")
    expect(page.get_by_role("heading", name="Disputes")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
    page.screenshot(path=str(tmp_path / "nav-phone.png"), full_page=True)
