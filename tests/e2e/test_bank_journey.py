"""Payments in the browser: upload a camt.053, read the summary, match the one left by hand."""

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.bank.writer import Line, camt053
from accounts.models import Invoice
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.e2e.nav import go_to, sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def world(tmp_path):
    create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    today = date.today()
    bakker = CustomerFactory(name="Bakkerij De Vries B.V.", number="C1001")
    transport = CustomerFactory(name="Van Dijk Transport B.V.", number="C1002")

    def post(customer, number, amount):
        return services.post_invoice(
            customer=customer,
            number=number,
            issue_date=today - timedelta(days=40),
            amount=Decimal(amount),
            by="erp",
        )

    by_reference = post(bakker, "2026-0041", "605.00")
    by_number = post(transport, "2026-0050", "1210.00")
    by_hand = post(bakker, "2026-0042", "1815.00")
    lines = [
        Line(
            Decimal("605.00"),
            today,
            name="Bakkerij de Vries",
            iban="NL02RABO0123456789",
            reference=by_reference.payment_reference,
        ),
        Line(
            Decimal("1210.00"),
            today,
            name="VAN DIJK TRANSPORT",
            iban="NL44INGB0007654321",
            text="factuur 2026-0050",
        ),
        Line(
            Decimal("1815.00"), today, name="J. de Vries", iban="NL55ABNA0412345678", text="bestelling meel"
        ),
        Line(Decimal("89.95"), today, credit=False, name="KPN", text="abonnement"),
    ]
    path = tmp_path / "statement-today.xml"
    path.write_bytes(camt053(account="NL91ABNA0417164300", lines=lines, statement_id="E2E-1"))
    return {"file": path, "by_hand": by_hand, "by_number": by_number, "customer": bakker}


def test_upload_summary_match_by_hand_paid_on_360(page: Page, live_server, world):
    sign_in(page, live_server.url, "chris")
    page.get_by_role("button", name="EN").click()

    go_to(page, "Payments")
    page.get_by_label("Bank statement").set_input_files(str(world["file"]))
    page.get_by_role("button", name="Import and match").click()

    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("Imported: statement-today.xml")
    expect(summary.locator(".figure").nth(0)).to_contain_text("4")  # new entries
    expect(summary.locator(".figure").nth(1)).to_contain_text("2")  # matched
    expect(summary.locator(".figure").nth(2)).to_contain_text("1")  # by hand
    shot(page, "payments-summary")

    summary.get_by_role("link", name="open the queue").click()
    row = page.locator("tr[id^=entry-]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("J. de Vries")
    expect(row).to_contain_text("2026-0042")
    shot(page, "payments-queue")
    row.get_by_role("button", name="Match").first.click()
    expect(row).to_contain_text("Matched")  # swapped in place by htmx
    expect(row).to_contain_text("Bakkerij De Vries B.V.")

    row.get_by_role("link", name="Bakkerij De Vries B.V.").click()
    expect(page.locator("h1")).to_contain_text("Bakkerij De Vries")
    invoices = page.locator("#invoices")
    expect(invoices).not_to_contain_text("2026-0042")  # no longer open
    invoices.get_by_role("link", name="All").click()
    expect(invoices.locator("tr", has_text="2026-0042")).to_contain_text("Paid")
    shot(page, "payments-360")
    assert Invoice.objects.get(pk=world["by_hand"].pk).status == Invoice.Status.PAID
    assert Invoice.objects.get(pk=world["by_number"].pk).status == Invoice.Status.PAID


def test_a_refused_file_is_named_under_the_upload_with_its_line(page: Page, live_server, world, tmp_path):
    """The upload goes through the progress script; a refused file comes back into the form."""
    sign_in(page, live_server.url, "chris")
    page.get_by_role("button", name="EN").click()
    go_to(page, "Payments")
    broken = tmp_path / "broken.sta"
    broken.write_text(":20:X\n:25:NL91ABNA0417164300\n:28C:1\n:60F:C261120EUR0,00\n:61:garbage\n")
    page.get_by_label("Bank statement").set_input_files(str(broken))
    page.get_by_role("button", name="Import and match").click()
    form = page.locator("#import-form")
    expect(form).to_contain_text("broken.sta was not imported")
    expect(form).to_contain_text("Line ")
    expect(page.locator("#import-summary")).to_have_count(0)
    # The page was not reloaded: the form was swapped in place and still works.
    page.get_by_label("Bank statement").set_input_files(str(world["file"]))
    page.get_by_role("button", name="Import and match").click()
    expect(page.locator("#import-summary")).to_contain_text("Imported: statement-today.xml")
