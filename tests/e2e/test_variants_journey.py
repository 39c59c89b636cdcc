"""A manager adds a second variant of a reminder text, rewrites it, and later reads the cure rate per
variant on the dashboard and opens the customers behind one variant."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from creditmgmt.models import Role
from creditmgmt.services import create_user
from dunning.models import DunningAction, Procedure, Template
from reporting.models import ActionOutcome
from reporting.tasks import daily
from tests.e2e.nav import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-2026"
KEY = "medium-reminder-1"


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Screenshots to look at: SCREENSHOT_DIR keeps them, else the test's temporary folder."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_manager_adds_a_variant_and_compares_cure_rates(page: Page, live_server, tmp_path):
    create_user(username="mark", role=Role.MANAGER, password=PASSWORD, first_name="Mark", language="en")
    a = Template.objects.filter(key=KEY, channel="email", language="en", is_current=True).first()
    if a is None:  # shipped by a data migration, but an earlier transactional test may have flushed it
        a = Template.objects.create(
            key=KEY, channel="email", language="en", subject="Reminder", body="Dear customer"
        )
    sign_in(page, live_server.url, "mark")
    page.goto(f"{live_server.url}/dunning/templates/{a.pk}/")
    page.get_by_role("button", name="Add a variant").click()
    expect(page.get_by_text("Variant B added as a copy")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("variant B")
    page.get_by_label("Text").fill(
        "Dear {{ contact.name }},\n\nA shorter text: please pay {{ total|money:currency }}."
    )
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    shot(page, tmp_path, "template-variants")
    assert (
        Template.objects.get(key=KEY, channel="email", language="en", variant="B", is_current=True).version
        == 2
    )

    # Weeks later: outcomes of the first reminder, 40 customers per variant.
    # Its own procedure: the shipped ones may have been flushed by an earlier transactional test.
    procedure = Procedure.objects.create(code="variants-e2e", name="Medium risk")
    step = procedure.steps.create(
        position=1, name="First reminder", offset_days=3, action="email", template_key=KEY
    )
    today = timezone.localdate()
    sent = today - timedelta(days=20)
    for n in range(80):
        variant, cured = ("A", n % 2 == 0) if n < 40 else ("B", n % 4 != 0)
        customer = CustomerFactory(name=f"Klant {variant} {n:02d}")
        action = DunningAction.objects.create(
            customer=customer, procedure=step.procedure, step=step, cycle=1, date=sent, status="done",
            invoice_ids=[], amount=Decimal("100.00"), days_overdue=10, template_variant=variant,
        )  # fmt: skip
        ActionOutcome.objects.create(
            action=action, step=step, date=action.date, amount=action.amount, cured=cured
        )
    daily(today=today)  # the dashboard's snapshot
    page.goto(f"{live_server.url}/reporting/")
    table = page.locator("table").filter(has_text="variant B")
    expect(table.get_by_role("row").filter(has_text="variant A")).to_contain_text("50.0")
    expect(table.get_by_role("row").filter(has_text="variant B")).to_contain_text("75.0")
    table.scroll_into_view_if_needed()
    shot(page, tmp_path, "dashboard-cure-variants")
    table.get_by_role("row").filter(has_text="variant B").get_by_role("link").click()
    expect(page.get_by_text("Klant B 40")).to_be_visible()
    expect(page.get_by_text("Klant A 00")).to_have_count(0)
