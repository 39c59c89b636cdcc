from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django_q.models import Schedule
from django_q.tasks import async_task

from accounts.models import Customer
from creditmgmt.daily import run_daily
from creditmgmt.schedules import SCHEDULES
from tests.factories import CustomerFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_daily_repairs_balances_left_by_bulk_loads():
    customer = CustomerFactory()
    due = date.today() - timedelta(days=5)
    InvoiceFactory(
        customer=customer, amount=Decimal("100.00"), due_date=due, issue_date=due - timedelta(days=30)
    )
    InvoiceFactory(customer=customer, amount=Decimal("50.00"), open_amount=Decimal("0.00"), status="paid")
    PaymentFactory(customer=customer, amount=Decimal("20.00"))
    empty = CustomerFactory()
    result = run_daily("2026-11-22")
    assert result["date"] == "2026-11-22"
    customer.refresh_from_db()
    assert customer.open_amount == Decimal("100.00")
    assert customer.oldest_open_due_date == due
    assert customer.unallocated_amount == Decimal("20.00")
    assert Customer.objects.get(pk=empty.pk).open_amount == 0
    run_daily("2026-11-22")  # twice on one day changes nothing
    customer.refresh_from_db()
    assert customer.open_amount == Decimal("100.00")


def test_daily_runs_through_the_queue():
    customer = CustomerFactory()
    InvoiceFactory(customer=customer, amount=Decimal("70.00"))
    async_task("creditmgmt.daily.run_daily", "2026-11-22")  # sync in tests
    customer.refresh_from_db()
    assert customer.open_amount == Decimal("70.00")


def test_sync_schedules_upserts_by_name():
    call_command("sync_schedules")
    call_command("sync_schedules")
    schedule = Schedule.objects.get(name="daily workflow")
    assert schedule.func == "creditmgmt.daily.run_daily"
    assert schedule.cron == "0 6 * * *"
    assert Schedule.objects.count() == len(SCHEDULES)


def test_balance_repair_writes_only_wrong_rows():
    from accounts.models import Invoice
    from accounts.tasks import refresh_all_balances

    right = CustomerFactory()
    wrong = CustomerFactory()
    due = date.today() - timedelta(days=5)
    InvoiceFactory(customer=right, amount=Decimal("10.00"), due_date=due, issue_date=due - timedelta(days=30))
    paid = InvoiceFactory(
        customer=wrong, amount=Decimal("20.00"), due_date=due, issue_date=due - timedelta(days=30)
    )
    PaymentFactory(customer=None, amount=Decimal("5.00"))  # an unmatched bank payment has no customer
    assert refresh_all_balances() == 2  # both had stale (zero) totals
    assert refresh_all_balances() == 0  # nothing left to repair
    # The wrong customer's invoice gets paid behind the services' back.
    Invoice.objects.filter(pk=paid.pk).update(open_amount=Decimal("0.00"), status=Invoice.Status.PAID)
    assert refresh_all_balances() == 1
    wrong.refresh_from_db()
    assert (wrong.open_amount, wrong.oldest_open_due_date) == (Decimal("0.00"), None)
    right.refresh_from_db()
    assert (right.open_amount, right.oldest_open_due_date) == (Decimal("10.00"), due)
