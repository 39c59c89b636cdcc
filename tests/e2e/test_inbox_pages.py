"""The inbox's other pages in a browser: triage with a malformed mail, linking by hand, the upload page."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.inbox import services
from tests.e2e.nav import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


def test_triage_malformed_and_link_by_hand(page: Page, live_server, tmp_path):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    CustomerFactory(name="Harbour Trading Ltd", number="C2", controller=chris)
    services.ingest(b"\x00\xff garbled bytes from a broken mail server", source="webhook")
    services.ingest(
        b"From: someone@unknown.example\r\nSubject: Question about my account\r\nMessage-ID: <q@u>\r\n"
        b"Content-Type: text/html\r\n\r\n<p>Why was I charged <b>interest</b>?"
        b'<img src="https://tracker.example/p.gif"></p>',
        source="upload",
    )
    sign_in(page, live_server.url, "chris")
    page.goto(f"{live_server.url}/dunning/inbox/?view=triage")
    expect(page.locator("table")).to_contain_text("malformed")
    page.screenshot(path=str(shots / "inbox_triage.png"), full_page=True)
    page.get_by_role("link", name="(no subject)").click()
    expect(page.locator(".raw-mail")).to_contain_text("garbled bytes")
    page.screenshot(path=str(shots / "inbox_malformed.png"), full_page=True)
    page.goto(f"{live_server.url}/dunning/inbox/?view=triage")
    page.get_by_role("link", name="Question about my account").click()
    expect(page.locator(".mail-html")).to_contain_text("interest")
    page.get_by_label("Customer number or name").fill("C2")
    page.get_by_role("button", name="Link").click()
    expect(page.locator(".messages")).to_contain_text("Linked to Harbour Trading Ltd")
    page.screenshot(path=str(shots / "inbox_linked.png"), full_page=True)
    page.goto(f"{live_server.url}/dunning/inbox/upload/")
    page.screenshot(path=str(shots / "inbox_upload.png"), full_page=True)
