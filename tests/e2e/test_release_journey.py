"""A clerk asks for a release from a red answer; the controller releases; the clerk's screen shows it."""

import importlib
import os
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from acceptance.models import BureauRecord
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import go_to, sign_in
from tests.e2e.shipped import ship_rule_sets
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


@pytest.fixture
def world():
    from django.apps import apps

    ship_rule_sets()
    importlib.import_module("acceptance.migrations.0006_checkpoints").ship(apps, None)
    create_user(username="cees", role=Role.COUNTER, password=PASSWORD, first_name="Cees")
    carla = create_user(username="carla", role=Role.CONTROLLER, password=PASSWORD, first_name="Carla")
    CustomerFactory(name="Groenland Transport B.V.", kvk_number="33333333", controller=carla)
    BureauRecord.objects.create(
        registration_number="33333333", name="Groenland", score=12, recommended_limit=Decimal("0")
    )


def test_release_round_trip(page: Page, browser: Browser, live_server, world):
    sign_in(page, live_server.url, "cees")
    page.get_by_role("searchbox").fill("groenland")
    page.locator("#results button.hit").first.click()
    expect(page.locator("#answer .answer")).to_have_attribute("data-outcome", "red")
    page.get_by_label("Amount (EUR)").fill("750")
    page.get_by_label("Note for the credit department").fill("Known driver, pays on Friday")
    page.get_by_role("button", name="Ask the credit department for a release").click()
    expect(page.locator(".release-status")).to_contain_text("Waiting for the credit department")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/release-waiting.png", full_page=True)

    controller = browser.new_context().new_page()
    sign_in(controller, live_server.url, "carla")
    go_to(controller, "Releases")
    expect(controller.locator("main")).to_contain_text("Known driver, pays on Friday")
    if SHOTS:
        controller.screenshot(path=f"{SHOTS}/release-list.png", full_page=True)
    controller.get_by_label("Note for the counter").fill("Once, up to 750")
    controller.get_by_role("button", name="Release", exact=True).click()
    expect(controller.locator("main")).to_contain_text("The counter sees your answer")

    # The clerk's screen polls every 5 seconds.
    expect(page.locator(".release-status")).to_contain_text(
        "Released: deliver on account up to €750.00", timeout=12_000
    )
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/release-answered.png", full_page=True)
