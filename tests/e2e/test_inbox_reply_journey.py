"""A German customer asks for an invoice copy; the controller sends it with one click, then answers a
question from a template: both go through the outbox to a real SMTP server, threaded, in German."""

import importlib
import os
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import Page, expect

from accounts import services
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.inbox.services import ingest
from tests.e2e.nav import go_to, sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


def raw(subject: str, body: str, mid: str) -> bytes:
    m = EmailMessage()
    m["From"] = "Jana Müller <jana@mueller-bau.example>"
    m["To"] = "credit@example.com"
    m["Subject"], m["Message-ID"] = subject, mid
    m.set_content(body)
    return bytes(m)


def test_copy_request_and_reply_go_out_threaded_in_german(page: Page, live_server, smtp_server, tmp_path):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    # A transactional test starts from an emptied database: put the shipped reply texts back.
    importlib.import_module("dunning.migrations.0009_inbox_reply").create_templates(apps, None)
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    today = date.today()
    mueller = CustomerFactory(
        name="Müller Bau GmbH", number="C7", controller=chris, language="de", country="DE"
    )
    ContactFactory(customer=mueller, name="Jana Müller", email="jana@mueller-bau.example", language="de")
    services.post_invoice(
        customer=mueller, number="D-1", issue_date=today - timedelta(days=40),
        due_date=today - timedelta(days=10), amount=Decimal("830.00"), by="erp",
    )  # fmt: skip
    copy, _ = ingest(
        raw(
            "Kopie der Rechnung D-1",
            "Guten Tag,\n\nbitte senden Sie uns eine Kopie der Rechnung D-1.\n\nJana",
            "<k1@mb>",
        ),
        source="webhook",
    )
    question, _ = ingest(
        raw("Frage", "Können Sie uns sagen, warum Mahngebühren berechnet wurden?", "<q1@mb>"),
        source="webhook",
    )

    sign_in(page, live_server.url, "chris")
    go_to(page, "Inbox")  # in a menu of the top bar since the navigation was grouped
    page.get_by_role("link", name="Kopie der Rechnung D-1").click()
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("Invoice copy or statement request")
    expect(suggestion).to_contain_text("D-1")
    suggestion.get_by_role("button", name="Send invoice copies").click()
    expect(suggestion).to_contain_text("Invoice copies sent")
    # delivered on commit (the test queue runs tasks at once) to the SMTP server on loopback
    sent = BytesParser(policy=default_policy).parsebytes(smtp_server.messages[0].content)
    assert sent["In-Reply-To"] == "<k1@mb>" and sent["Subject"] == "Re: Kopie der Rechnung D-1"
    assert "Guten Tag Jana Müller" in sent.get_body(preferencelist=("plain",)).get_content()
    assert [a.get_filename() for a in sent.iter_attachments()] == ["D-1.pdf"]
    page.reload()
    expect(page.locator(".sent-reply")).to_contain_text("Kopien der folgenden Rechnungen")
    page.screenshot(path=str(shots / "inbox_copy_sent.png"), full_page=True)

    page.goto(f"{live_server.url}{question.get_absolute_url()}")
    reply = page.locator("#reply")
    expect(reply.locator("textarea")).to_contain_text("vielen Dank für Ihre Nachricht")
    reply.get_by_label("Template").select_option("inbox-copy")  # htmx swaps in the other text
    expect(reply.locator("textarea")).to_contain_text("Rechnung D-1")
    reply.locator("textarea").fill(
        "Guten Tag Frau Müller,\n\ndie Gebühren sind die gesetzlichen Inkassokosten.\n\nChris"
    )
    page.screenshot(path=str(shots / "inbox_reply.png"), full_page=True)
    reply.get_by_role("button", name="Send reply").click()
    expect(page.locator(".messages")).to_contain_text("Reply queued")
    answer = BytesParser(policy=default_policy).parsebytes(smtp_server.messages[1].content)
    assert answer["In-Reply-To"] == "<q1@mb>" and "Inkassokosten" in answer.get_content()

    page.get_by_role("link", name="Müller Bau GmbH").first.click()
    expect(page.locator("body")).to_contain_text("Re: Frage")
    page.screenshot(path=str(shots / "inbox_reply_on_360.png"), full_page=True)
