"""A manager filters the dashboard by controller and drills down from an aging bucket to its customers."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from creditmgmt.models import Role
from creditmgmt.services import create_user
from reporting.tasks import daily
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def book():
    today = timezone.localdate()
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark", language="en")
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    olga = create_user(username="olga", role=Role.CONTROLLER, password=PASSWORD, first_name="Olga")
    for name, controller, days_overdue, amount in [
        ("Late Chris B.V.", chris, 45, "4000.00"),
        ("Later Olga B.V.", olga, 45, "9000.00"),
        ("Early Chris B.V.", chris, -10, "1500.00"),
    ]:
        due = today - timedelta(days=days_overdue)
        InvoiceFactory(
            customer=CustomerFactory(name=name, controller=controller),
            amount=Decimal(amount),
            issue_date=due - timedelta(days=30),
            due_date=due,
        )
    daily(today=today)


def test_manager_filters_by_controller_and_drills_down(page: Page, live_server, book):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("mark")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("€14,500.00").first).to_be_visible()  # everyone's open amount

    page.locator("#id_controller").select_option(label="Chris")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("€5,500.00").first).to_be_visible()  # Chris's customers only

    page.get_by_role("link", name="31-60 days").click()
    expect(page.get_by_role("heading", name="31-60 days")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Late Chris B.V.")
    rows.first.get_by_role("link", name="Late Chris B.V.").click()
    expect(page.get_by_role("heading", name="Late Chris B.V.")).to_be_visible()
