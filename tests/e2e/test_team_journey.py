"""A manager sees the team, sets a sick controller's absence with a deputy; the deputy gets the work."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Task
from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import Message
from tests.e2e.nav import go_to, sign_in
from tests.e2e.test_dunning_journey import PASSWORD
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team():
    from django.apps import apps

    importlib.import_module("dunning.migrations.0002_shipped_defaults").create_defaults(apps, None)
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark")
    chris = create_user(username="chris", role=Role.CONTROLLER, password=PASSWORD, first_name="Chris")
    olga = create_user(username="olga", role=Role.CONTROLLER, password=PASSWORD, first_name="Olga")
    today = date.today()
    for i, (name, amount, days) in enumerate(
        [
            ("Bakkerij De Vries", "14800.00", 40),
            ("Harbour Trading Ltd", "3100.00", 25),
            ("Kaasboer", "640.00", 12),
        ]
    ):
        customer = CustomerFactory(name=name, number=f"C{i}", risk_class="medium", controller=chris)
        ContactFactory(customer=customer, email=f"ap{i}@example.com")
        services.post_invoice(
            customer=customer,
            number=f"F-{i}",
            issue_date=today - timedelta(days=days + 30),
            due_date=today - timedelta(days=days),
            amount=Decimal(amount),
            by="erp",
        )
        services.create_task(customer=customer, title=f"Call {name}", due_date=today, by="erp", kind="call")
    # A reminder that bounced for good: an exception task for whoever stands in.
    Message.objects.create(
        customer=customer,
        channel="email",
        language="nl",
        recipient="ap2@example.com",
        subject="Herinnering",
        body="Betaal",
        status="failed",
        attempts=4,
        last_error="SMTPRecipientsRefused: 550 no such user",
        idempotency_key="bounced",
    )
    return {"chris": chris, "olga": olga}


def test_manager_sets_absence_deputy_takes_over(page: Page, live_server, team, tmp_path):
    sign_in(page, live_server.url, "mark")
    go_to(page, "Worklist")
    page.get_by_role("link", name="Team").click()
    chris_row = page.locator("table.team tbody tr", has_text="Chris")
    expect(chris_row).to_contain_text("available")
    page.screenshot(path=str(tmp_path / "team.png"), full_page=True)
    chris_row.get_by_role("link", name="Set absence").click()
    until = date.today() + timedelta(days=7)
    page.get_by_label("Away until (last day)").fill(until.isoformat())
    page.get_by_label("Deputy").select_option(label="Olga")
    page.screenshot(path=str(tmp_path / "absence.png"), full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("3 open tasks handed over.")
    chris_row = page.locator("table.team tbody tr", has_text="Chris")
    expect(chris_row).to_contain_text("Olga")
    expect(chris_row.locator(".badge.warn")).to_be_visible()

    # The morning run: the exceptions go to the deputy too.
    go_to(page, "Daily run")
    page.get_by_role("button", name="Start the run now").click()
    expect(page.locator("#run-progress")).to_contain_text("Done")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "olga")
    go_to(page, "Worklist")
    rows = page.locator("table.worklist tbody tr")
    expect(rows.filter(has_text="Message failed")).to_contain_text("SMTPRecipientsRefused")
    expect(rows.filter(has_text="Over the credit limit")).to_contain_text(
        "EUR 4,800 over the limit of EUR 10,000 (EUR 14,800 open), medium risk"
    )
    expect(rows.filter(has_text="Call Kaasboer")).to_be_visible()
    page.screenshot(path=str(tmp_path / "deputy.png"), full_page=True)
    mine = Task.objects.open().filter(assignee=team["olga"])
    assert mine.count() == 5 and not Task.objects.open().filter(
        assignee=team["chris"], due_date__lte=date.today()
    )
    # Bulk: snooze the three calls to tomorrow.
    for name in ("Bakkerij De Vries", "Harbour Trading Ltd", "Kaasboer"):
        rows.filter(has_text=f"Call {name}").get_by_role("checkbox").check()
    page.get_by_label("Bulk action").select_option("snooze")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".messages")).to_contain_text("3 tasks done.")
    expect(page.locator("table.worklist tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "chris")
    go_to(page, "Worklist")
    expect(page.locator(".absence-note")).to_contain_text("New tasks go to Olga")
    page.screenshot(path=str(tmp_path / "away.png"), full_page=True)
