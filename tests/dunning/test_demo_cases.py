"""The demo's disputes, promises and plans: made through the services, a handful per controller."""

from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Event, Invoice, Task
from creditmgmt.models import Role, User
from dunning.models import Dispute, DisputeUpdate, PaymentPlan, Promise
from dunning.services.promises import check_promises

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)


@pytest.fixture
def demo_book():
    out = StringIO()
    with time_machine.travel("2026-11-20 09:00 +01:00", tick=False):
        call_command("seed_demo", "--customers=300", "--seed=11", stdout=out)
    return out.getvalue()


def test_each_controller_gets_disputes_promises_and_plans_in_every_state(demo_book):
    assert "Cases: 12 disputes, 12 promises (9 open), 6 payment plans" in demo_book
    for controller in User.objects.filter(role=Role.CONTROLLER):
        mine = Dispute.objects.filter(customer__controller=controller)
        assert sorted(mine.values_list("status", flat=True)) == sorted(
            ["open", "investigating", "resolved_credit_note", "rejected"]
        )
        assert sorted(
            Promise.objects.filter(customer__controller=controller).values_list("status", flat=True)
        ) == ["cancelled", "open", "open", "open"]
        assert sorted(
            PaymentPlan.objects.filter(customer__controller=controller).values_list("status", flat=True)
        ) == [
            "active",
            "requested",
        ]
    # One case per customer, so each 360 tells one story.
    customers = [
        *Dispute.objects.values_list("customer", flat=True),
        *Promise.objects.values_list("customer", flat=True),
        *PaymentPlan.objects.values_list("customer", flat=True),
    ]
    assert len(customers) == len(set(customers)) == 30


def test_the_services_did_their_work(demo_book):
    # Timeline events for every case, a credit note for the credited dispute, the manager's approval task.
    assert Event.objects.filter(kind=Event.Kind.PROMISE, verb="promised").count() == 12
    assert Event.objects.filter(kind=Event.Kind.PROMISE, verb="cancelled").count() == 3
    credited = Dispute.objects.filter(status="resolved_credit_note")
    for dispute in credited:
        note = Invoice.objects.get(customer=dispute.customer, amount__lt=0, issue_date=TODAY)
        assert -note.amount == dispute.amount and note.open_amount == 0  # posted and allocated
    manager = User.objects.get(role=Role.MANAGER)
    assert Task.objects.open().filter(assignee=manager, payment_plan__isnull=False).count() == 3
    # Each dispute's own history, which the watchers are mailed from after the commit.
    assert DisputeUpdate.objects.count() == 12 + 3 * 3  # opened, plus investigating/credited/rejected
    assert set(Dispute.objects.filter(status="open").values_list("watchers__role", flat=True)) == {
        Role.MANAGER
    }
    # The sales rep owns the disputes being investigated (sales check price agreements).
    assert set(Dispute.objects.filter(status="investigating").values_list("owner__role", flat=True)) == {
        Role.SALES
    }


def test_the_paid_promises_are_kept_at_the_next_daily_check(demo_book):
    with time_machine.travel("2026-11-21 06:00 +01:00", tick=False):
        assert check_promises(today=date(2026, 11, 21)) == {"kept": 3, "broken": 0, "void": 0}
    for controller in User.objects.filter(role=Role.CONTROLLER):
        assert Promise.objects.filter(customer__controller=controller, status="kept").count() == 1
