"""A reminder mail carries the portal link; the customer opens it on a phone and disputes an invoice.

The daily run sends the reminders to a real SMTP server on loopback; the test
reads the mail, follows the link in Chromium at phone width, disputes one
invoice; the next run reminds the other customer but not this one, and the
dispute's owner has a task.
"""

import email
import importlib
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Task
from creditmgmt.daily import run_daily
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import Message
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("PORTAL_SHOTS")  # a folder: save screenshots there to look at them


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def world():
    from django.apps import apps

    importlib.import_module("dunning.migrations.0002_shipped_defaults").create_defaults(apps, None)
    # A transactional test starts from an emptied database: put the shipped dispute reasons back too.
    importlib.import_module("dunning.migrations.0004_disputes").ship_reasons(apps, None)
    chris = create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    today = date.today()
    customers = {}
    for number, name, mail in (
        ("C2", "Harbour Trading Ltd", "ap@harbour.example"),
        ("C5", "Quay Supplies Ltd", "ap@quay.example"),
    ):
        customer = CustomerFactory(
            name=name, number=number, risk_class="medium", language="en", controller=chris
        )
        ContactFactory(customer=customer, name="Accounts payable", email=mail, language="en", is_primary=True)
        services.post_invoice(
            customer=customer,
            number=f"{number}-INV-1",
            issue_date=today - timedelta(days=35),
            due_date=today - timedelta(days=5),
            amount=Decimal("1200.00"),
            by="erp",
        )
        customers[number] = customer
    return {"chris": chris, **customers}


def portal_link(inbox, to: str) -> str:
    for envelope in inbox.messages:
        if to in envelope.rcpt_tos:
            body = email.message_from_bytes(envelope.content, policy=policy.default).get_body(("plain",))
            return re.search(r"https?://\S+/portal/\S+/", body.get_content()).group(0)
    raise AssertionError(f"no mail to {to}")


def test_reminder_link_opens_the_portal_and_a_dispute_stops_the_next_reminder(
    page: Page, live_server, world, smtp_server, settings
):
    settings.SITE_URL = live_server.url
    today = date.today()
    run_daily(today.isoformat())
    assert sorted(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos) == [
        "ap@harbour.example",
        "ap@quay.example",
    ]
    link = portal_link(smtp_server, "ap@harbour.example")
    assert link.startswith(live_server.url + "/portal/")

    page.set_viewport_size(PHONE)
    page.goto(link)
    expect(page.get_by_text("Harbour Trading Ltd")).to_be_visible()
    expect(page.get_by_text("C2-INV-1")).to_be_visible()
    shot(page, "portal-home-phone")
    page.get_by_role("link", name="Dispute").first.click()
    expect(page.get_by_label("Invoice")).to_have_value(str(world["C2"].invoices.get().pk))
    page.get_by_label("What is wrong?").select_option(index=1)
    page.get_by_label("Tell us more").fill("The pallets never arrived.")
    shot(page, "portal-dispute-phone")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages")).to_contain_text("We will look into invoice C2-INV-1")
    shot(page, "portal-after-dispute-phone")

    from dunning.models import Dispute

    dispute = Dispute.objects.get(customer=world["C2"])
    assert dispute.channel == "portal" and dispute.owner == world["chris"]
    assert Task.objects.filter(customer=world["C2"], assignee=dispute.owner, status="open").exists()

    # Nine days later the second reminder is due: the other customer gets it, the disputed one not.
    before = set(Message.objects.values_list("pk", flat=True))
    run_daily((today + timedelta(days=9)).isoformat())
    new = Message.objects.exclude(pk__in=before)
    assert list(new.values_list("customer__number", flat=True)) == ["C5"]
