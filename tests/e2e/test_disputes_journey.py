"""A controller opens a partial dispute from the 360, finds it on the disputes page and resolves it."""

import importlib
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Invoice
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import Dispute
from tests.e2e.nav import go_to, sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def world():
    from django.apps import apps

    # A transactional test starts from an emptied database: put the shipped reasons back.
    importlib.import_module("dunning.migrations.0004_disputes").ship_reasons(apps, None)
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    sam = create_user(username="sam", role=Role.SALES, password=PASSWORD, first_name="Sam")
    today = date.today()
    harbour = CustomerFactory(
        name="Harbour Trading Ltd", number="C2", risk_class="medium", language="en", controller=chris
    )
    for number, days, amount in (("M-1", 20, "1200.00"), ("M-2", 5, "300.00")):
        services.post_invoice(
            customer=harbour,
            number=number,
            issue_date=today - timedelta(days=30 + days),
            due_date=today - timedelta(days=days),
            amount=Decimal(amount),
            by="erp",
        )
    return {"chris": chris, "sam": sam, "harbour": harbour}


def test_controller_opens_and_resolves_a_partial_dispute(page: Page, live_server, world, tmp_path):
    shots = Path(os.environ.get("SCREENSHOTS", tmp_path))
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server.url, "chris")
    page.goto(live_server.url + world["harbour"].get_absolute_url())
    page.wait_for_load_state("networkidle")  # the 360's panels arrive by htmx after the page
    page.locator("#disputes").get_by_role("link", name="Open a dispute").click()
    page.get_by_label("M-1", exact=False).check()
    page.get_by_label("Reason").select_option(label="Quantity")
    page.get_by_label("Disputed amount").fill("200.00")
    page.get_by_label("What the customer says").fill("Two boxes were missing")
    page.get_by_label("Owner").select_option(str(world["sam"].pk))
    page.screenshot(path=str(shots / "dispute-new.png"), full_page=True)
    page.get_by_role("button", name="Open dispute").click()
    expect(page.locator(".messages")).to_contain_text("Dispute opened")
    dispute = Dispute.objects.get()
    assert dispute.amount == Decimal("200.00") and dispute.owner == world["sam"]
    expect(page.locator("table")).to_contain_text("€1,000.00")  # still dunned: the undisputed rest
    page.screenshot(path=str(shots / "dispute-detail.png"), full_page=True)

    go_to(page, "Disputes")
    expect(page.locator("#results")).to_contain_text("Harbour Trading Ltd")
    page.locator("select[name=reason]").select_option(label="Price")
    expect(page.locator("#results")).to_contain_text("No disputes match these filters.")
    page.locator("select[name=reason]").select_option(label="Quantity")
    expect(page.locator("#results")).to_contain_text("Harbour Trading Ltd")
    page.screenshot(path=str(shots / "dispute-list.png"), full_page=True)

    page.locator("#results").get_by_role("link", name="Harbour Trading Ltd").click()
    page.get_by_label("Comment or reason").fill("Warehouse confirms: two boxes short")
    page.get_by_role("button", name="Resolve with credit note").click()
    expect(page.locator("#work")).to_contain_text("Resolved: the credit note is posted and allocated.")
    expect(page.locator("#work")).to_contain_text("Warehouse confirms")
    assert Invoice.objects.get(number="M-1").open_amount == Decimal("1000.00")
    page.reload()
    expect(page.locator("#dispute-status")).to_have_text("Resolved with a credit note")
    page.screenshot(path=str(shots / "dispute-resolved.png"), full_page=True)

    page.goto(live_server.url + "/dunning/disputes/summary/")
    expect(page.locator("main")).to_contain_text("Quantity")
    page.screenshot(path=str(shots / "dispute-summary.png"), full_page=True)
    page.goto(live_server.url + world["harbour"].get_absolute_url())
    page.locator("#disputes").scroll_into_view_if_needed()
    page.locator("#disputes").screenshot(path=str(shots / "dispute-panel.png"))
