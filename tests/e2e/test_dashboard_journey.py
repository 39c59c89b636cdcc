"""A manager filters the dashboard by controller and drills down from an aging bucket and from a
dispute reason to their customers, and opens the PDF report (checked as an image too)."""

import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import DisputeReason
from dunning.services.disputes import open_dispute
from reporting.tasks import daily
from tests.e2e.nav import go_to, sign_in
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def book():
    today = timezone.localdate()
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark", language="en")
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    olga = create_user(username="olga", role=Role.CONTROLLER, password=PASSWORD, first_name="Olga")
    invoices = {}
    for name, controller, days_overdue, amount in [
        ("Late Chris B.V.", chris, 45, "4000.00"),
        ("Later Olga B.V.", olga, 45, "9000.00"),
        ("Early Chris B.V.", chris, -10, "1500.00"),
    ]:
        due = today - timedelta(days=days_overdue)
        invoices[name] = InvoiceFactory(
            customer=CustomerFactory(name=name, controller=controller),
            amount=Decimal(amount),
            issue_date=due - timedelta(days=30),
            due_date=due,
        )
    late = invoices["Late Chris B.V."]
    # Shipped by a data migration, but an earlier transactional test may have flushed it.
    price, _ = DisputeReason.objects.get_or_create(
        code="price", defaults={"name_nl": "Prijs", "name_en": "Price"}
    )
    open_dispute(customer=late.customer, invoices=[late], reason=price,
                 amount=Decimal("1000.00"), by=chris)  # fmt: skip
    daily(today=today)


def test_manager_filters_by_controller_and_drills_down(page: Page, live_server, book, tmp_path):
    sign_in(page, live_server.url, "mark")
    go_to(page, "Dashboard")
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

    # Back on the filtered dashboard: the disputes by reason lead to the customers behind them.
    page.go_back()
    page.go_back()
    expect(page.get_by_role("heading", name="Disputes by reason")).to_be_visible()
    page.get_by_role("link", name="Price").click()
    expect(page.get_by_role("heading", name="Disputes: Price")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr").first).to_contain_text("Late Chris B.V.")
    page.get_by_role("link", name="Back to the dashboard").click()

    # The PDF report with the page's filters, fetched in the manager's session.
    href = page.get_by_role("link", name="PDF report").get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    out = tmp_path / "dashboard-report.pdf"
    out.write_bytes(body)
    if shutil.which("pdftoppm"):  # rendered as an image: a page that is not blank
        image = out.with_suffix("")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out), str(image)], check=True
        )
        png = next(out.parent.glob(image.name + "*.png"))
        assert png.stat().st_size > 5_000
