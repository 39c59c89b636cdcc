"""A customer answers a reminder "we betalen op 30 november"; the controller accepts the suggested promise."""

import os
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts import services
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import InboundMail, Promise
from tests.e2e.nav import go_to, nav_link, sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]  # fmt: skip


def promised_day(today: date) -> tuple[str, date]:
    """ "30 november" as the issue says, when that is ahead and within a promise's reach; else a week on."""
    nov30 = date(today.year, 11, 30)
    if today < nov30 <= today + timedelta(days=80):
        return "30 november", nov30
    day = today + timedelta(days=8)
    return f"{day.day} {MONTHS_NL[day.month - 1]}", day


def test_reply_becomes_a_promise_with_one_click(page: Page, live_server, settings, tmp_path):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    settings.INBOX_WEBHOOK_SECRET = "hook-secret"
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    today = date.today()
    vries = CustomerFactory(name="Bakkerij De Vries", number="C1", controller=chris)
    ContactFactory(customer=vries, name="Petra Smit", email="petra@devries.example")
    services.post_invoice(
        customer=vries,
        number="L-1",
        issue_date=today - timedelta(days=45),
        due_date=today - timedelta(days=15),
        amount=Decimal("1210.00"),
        by="erp",
    )
    words, day = promised_day(today)

    reply = EmailMessage()
    reply["From"] = "Petra Smit <petra@devries.example>"
    reply["To"] = "credit@example.com"
    reply["Subject"] = "Re: Herinnering factuur L-1"
    reply["Message-ID"] = "<e2e-reply@devries.example>"
    reply.set_content(
        f"Beste,\n\nExcuses voor de late betaling, we betalen op {words}.\n\nGroet,\nPetra Smit"
    )
    request = urllib.request.Request(
        live_server.url + reverse("dunning:inbox_webhook"),
        data=bytes(reply),
        headers={"Content-Type": "message/rfc822", "X-Inbox-Secret": "hook-secret"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    assert InboundMail.objects.get().assignee == chris

    sign_in(page, live_server.url, "chris")
    # The badge shows on the Work menu while it is closed, and on the Inbox item inside it.
    expect(page.locator("nav.mainnav summary", has_text="Work").locator(".nav-count")).to_have_text("1")
    expect(nav_link(page, "Inbox").locator(".nav-count")).to_have_text("1")
    go_to(page, "Inbox")
    page.screenshot(path=str(shots / "inbox.png"), full_page=True)
    page.get_by_role("link", name="Re: Herinnering factuur L-1").click()
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("Promise to pay")
    expect(suggestion).to_contain_text("L-1")
    page.screenshot(path=str(shots / "inbox_mail.png"), full_page=True)
    suggestion.get_by_role("button", name="Accept promise").click()
    expect(suggestion).to_contain_text("Promise recorded")
    promise = Promise.objects.get()
    assert (promise.customer, promise.promised_date, promise.channel) == (vries, day, "mail")

    suggestion.get_by_role("link", name="Customer page").click()
    panel = page.locator("#promises")
    expect(panel).to_contain_text("L-1")
    expect(panel).to_contain_text("Mail")
    panel.screenshot(path=str(shots / "inbox_promise_on_360.png"))
