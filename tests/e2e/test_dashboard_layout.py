"""The dashboard's tables read fully at 1400 and 1024 px (no column scrolled out of view) and the page
fits a phone, in Dutch, whose column heads are the longest."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from creditmgmt.models import Role
from creditmgmt.services import create_user
from reporting.models import DecisionDay
from reporting.tasks import daily
from tests.e2e.nav import sign_in
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Each table wrapper of the dashboard: [its heading, the table's width, the width it is shown in].
TABLES = """() => [...document.querySelectorAll('.grid-dash .card')]
  .filter(c => c.querySelector('.table-wrap'))
  .map(c => { const w = c.querySelector('.table-wrap');
    return [c.querySelector('h2').innerText.split('\\n')[0], w.scrollWidth, w.clientWidth]; })"""


@pytest.fixture
def book():
    today = timezone.localdate()
    create_user(
        username="mark", role=Role.MANAGER, password="demo-pass-2026", first_name="Mark", language="nl"
    )
    chris = create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    for n in range(3):
        due = today - timedelta(days=20 * n)
        customer = CustomerFactory(name=f"Klant {n} B.V.", controller=chris)
        InvoiceFactory(customer=customer, amount=Decimal("1234567.89"), issue_date=due - timedelta(days=30),
                       due_date=due)  # fmt: skip
    daily(today=today)
    for channel in ("webshop", "counter", "sales", "api"):
        for outcome, n in (("accept", 262), ("refer", 30), ("reject", 20)):
            DecisionDay.objects.create(
                date=today - timedelta(days=5), channel=channel, outcome=outcome, decisions=n, overridden=3
            )


def test_every_table_reads_fully_at_1400_and_1024_and_the_page_fits_a_phone(page: Page, live_server, book):
    sign_in(page, live_server.url, "mark")
    for width in (1400, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/reporting/")
        tables = page.evaluate(TABLES)
        assert "Kredietbesluiten" in [name for name, *_ in tables]
        assert [t for t in tables if t[1] > t[2]] == [], width
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/reporting/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their card
