"""A sales rep reads a customer's payment behaviour, on a phone at a customer's door and at a desk:
the 360 shows how the customer pays, fits the phone, offers nothing sales may not do, and every
link on it (a payment plan too) opens instead of answering 403."""

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.services.plans import request_plan, suggest_installments
from dunning.services.promises import make_promise
from tests.e2e.nav import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
SHOTS = os.environ.get("SALES_SHOTS")  # a folder: save screenshots there to look at them


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.fixture
def book():
    chris = create_user(username="chris", role=Role.CONTROLLER, password="demo-pass-2026", first_name="Chris")
    sam = create_user(username="sam", role=Role.SALES, password="demo-pass-2026", first_name="Sam")
    today = date.today()
    customer = CustomerFactory(
        name="Horizon Interieurbouw B.V.", number="C3", controller=chris, account_manager=sam, language="en"
    )

    def invoice(number, due_days_ago, amount):
        return services.post_invoice(
            customer=customer,
            number=number,
            issue_date=today - timedelta(days=due_days_ago + 30),
            due_date=today - timedelta(days=due_days_ago),
            amount=Decimal(amount),
            by="erp",
        )

    # Paid, 20 days late each: the payment behaviour to read.
    for n, due_days_ago in enumerate((200, 150, 100), 1):
        paid = invoice(f"P-{n}", due_days_ago, "500.00")
        payment = services.record_payment(
            customer=customer,
            amount=Decimal("500.00"),
            value_date=paid.due_date + timedelta(days=20),
            by="bank",
        )
        services.allocate(invoice=paid, payment=payment, by="bank")
    planned = [invoice("O-1", 40, "1800.00"), invoice("O-2", 25, "950.00")]
    promised = invoice("O-3", 5, "420.00")
    plan = request_plan(
        customer=customer,
        invoices=planned,
        installments=suggest_installments(invoices=planned, count=3, first_date=today + timedelta(days=7)),
        by=chris,
        channel="phone",
    )
    make_promise(
        customer=customer,
        invoices=[promised],
        promised_date=today + timedelta(days=10),
        channel="phone",
        by=chris,
    )
    return {"customer": customer, "plan": plan}


def post_forms(page: Page) -> list[str]:
    """The actions of the page's POST forms, but signing out and the language switch."""
    actions = page.eval_on_selector_all(
        "form[method=post], form[method=POST], [hx-post]",
        "els => els.map(e => e.getAttribute('action') || e.getAttribute('hx-post') || '')",
    )
    return [a for a in actions if a not in ("/logout/", "/language/", "/i18n/setlang/")]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_sales_read_payment_behaviour_and_can_change_nothing(page: Page, live_server, book, viewport):
    customer, plan = book["customer"], book["plan"]
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "sam")
    # Sales land on their own customers.
    expect(page.get_by_role("link", name="Horizon Interieurbouw B.V.")).to_be_visible()
    page.get_by_role("link", name="Horizon Interieurbouw B.V.").click()
    expect(page.locator("h1")).to_have_text("Horizon Interieurbouw B.V.")
    expect(page.get_by_text("Pays on average 20 days after the due date")).to_be_visible()
    promises = page.locator("#promises")
    expect(promises).to_contain_text("O-3")
    expect(promises).to_contain_text("Payment plans")
    # Nothing to change: no form or htmx post (a click would only get a 403), no "Record" buttons.
    assert post_forms(page) == []
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    expect(page.get_by_role("link", name="Record a promise")).to_have_count(0)
    # The page fits the screen: wide tables scroll in their own box, the page does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"sales-360-{viewport['width']}")

    # The plan the 360 links opens, read-only.
    page.locator("#promises").get_by_role("link").first.click()
    expect(page).to_have_url(f"{live_server.url}{plan.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Installments")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert post_forms(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"sales-plan-{viewport['width']}")
    page.get_by_role("link", name=customer.name).click()
    expect(page.locator("h1")).to_have_text(customer.name)
