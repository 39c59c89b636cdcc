"""A controller records a promise and proposes a payment plan from the 360; a manager approves the plan."""

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import PaymentPlan, Promise
from tests.e2e.nav import go_to, sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"


@pytest.fixture
def world():
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark")
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    today = date.today()
    vries = CustomerFactory(name="Bakkerij De Vries", number="C1", risk_class="high", controller=chris)
    ContactFactory(customer=vries, name="Petra Smit", email="petra@devries.example")
    for number, days, amount in (("L-1", 30, "1210.00"), ("L-2", 12, "2500.00")):
        services.post_invoice(
            customer=vries,
            number=number,
            issue_date=today - timedelta(days=days + 30),
            due_date=today - timedelta(days=days),
            amount=Decimal(amount),
            by="erp",
        )
    services.create_task(
        customer=vries, title="Call about the overdue invoices", due_date=today, kind="call", by="t"
    )
    return {"vries": vries}


def test_promise_and_plan_from_the_360_then_manager_approves(page: Page, live_server, world, tmp_path):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    vries = world["vries"]
    sign_in(page, live_server.url, "chris")
    go_to(page, "Worklist")
    row = page.locator("table.worklist tbody tr", has_text="Bakkerij De Vries")
    expect(row.get_by_label("Promised date")).to_be_visible()
    page.screenshot(path=str(shots / "worklist.png"), full_page=True)
    page.goto(f"{live_server.url}{vries.get_absolute_url()}")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Record a promise").click()
    page.get_by_label("L-1").check()
    page.get_by_label("Promised date").fill((date.today() + timedelta(days=5)).isoformat())
    page.get_by_label("Note").fill("pays after the weekend")
    page.screenshot(path=str(shots / "promise_form.png"), full_page=True)
    page.get_by_role("button", name="Record promise").click()
    expect(page.locator(".messages")).to_contain_text("Promise recorded")
    assert Promise.objects.get().amount == Decimal("1210.00")

    # Back on the 360, whose panels arrive by htmx after the page: let them settle before clicking
    # in one (a click on a panel being swapped went nowhere once in CI).
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="Propose a payment plan").click()
    expect(page.get_by_role("button", name="Suggest a schedule")).to_be_visible()
    page.get_by_label("L-2").check()
    page.get_by_label("Installments").fill("4")
    page.get_by_label("First installment").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Suggest a schedule").click()
    expect(page.locator(".verdict")).to_contain_text("risk class is High")
    page.screenshot(path=str(shots / "plan_form.png"), full_page=True)
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator(".messages")).to_contain_text("waits for a manager")
    plan = PaymentPlan.objects.get()
    assert plan.status == "requested" and plan.installments.count() == 4
    page.goto(f"{live_server.url}{vries.get_absolute_url()}")
    page.locator("#promises").screenshot(path=str(shots / "panel.png"))
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "mark")
    go_to(page, "Worklist")
    page.get_by_role("link", name="Open the payment plan").click()
    page.screenshot(path=str(shots / "plan_detail.png"), full_page=True)
    page.get_by_label("Reason (required to reject)").fill("known customer, seasonal")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Payment plan approved")
    page.screenshot(path=str(shots / "plan_approved.png"), full_page=True)
    plan.refresh_from_db()
    assert plan.status == "active" and plan.approved_by.username == "mark"
