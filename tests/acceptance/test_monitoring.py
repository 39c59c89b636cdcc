"""Monitoring: bureau changes on the timeline, a new risk class, a limit-review task; idempotent."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from acceptance.bureau import BureauReport, BureauUnavailable
from acceptance.models import BureauRecord, BureauWatch
from acceptance.monitoring import monitor, risk_class_of
from accounts.models import Customer, Event, Task
from creditmgmt.daily import run_daily
from tests.dunning.conftest import post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 20)


def newer_report(kvk: str, **fields) -> None:
    record = BureauRecord.objects.get(registration_number=kvk)
    for name, value in fields.items():
        setattr(record, name, value)
    record.fetched_at = record.fetched_at + timedelta(days=30)
    record.save()


@pytest.fixture
def watched(bureau, controller):
    """Five active customers the bureau knows, one it does not, and a prospect (not watched)."""
    customers = {}
    for key, kvk in [("drop", "1"), ("small", "2"), ("rating", "3"), ("bankrupt", "4"), ("same", "5")]:
        customers[key] = CustomerFactory(
            kvk_number=f"6000000{kvk}", risk_class="low", controller=controller, name=key
        )
        bureau(f"6000000{kvk}", score=80, rating="A", fetched_at=timezone.now() - timedelta(days=60))
    customers["unknown"] = CustomerFactory(kvk_number="60000009")
    customers["prospect"] = CustomerFactory(kvk_number="60000008", status=Customer.Status.PROSPECT)
    bureau("60000008", score=80)
    return customers


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"score": 80, "probability_of_default": Decimal("1")}, "low"),
        ({"score": 55}, "medium"),
        ({"score": 80, "probability_of_default": Decimal("5")}, "high"),
        ({"score": 20}, "very_high"),
        ({"score": 90, "negative_events": ("bankruptcy",)}, "very_high"),
        ({}, None),
    ],
)
def test_risk_class_of(fields, expected):
    assert risk_class_of(BureauReport(registration_number="1", name="x", **fields)) == expected


def test_first_run_stores_baselines_only(watched):
    counts = monitor(today=DAY)
    assert counts["checked"] == 5 and counts["baselines"] == 5 and counts["changed"] == 0
    assert BureauWatch.objects.count() == 5
    assert not Event.objects.filter(verb="bureau_changed").exists()


def test_changes_are_detected_once(watched):
    monitor(today=DAY)
    newer_report("60000001", score=65)  # dropped 15: beyond the threshold of 10
    newer_report("60000002", score=75)  # dropped 5: not worth a word
    newer_report("60000003", rating="B")
    newer_report("60000004", negative_events=["bankruptcy"], score=10)
    next_day = DAY + timedelta(days=1)
    counts = monitor(today=next_day)
    assert counts["changed"] == 3 and counts["tasks"] == 3
    changed = dict(Event.objects.filter(verb="bureau_changed").values_list("customer__name", "summary"))
    assert set(changed) == {"drop", "rating", "bankrupt"}
    assert "score dropped from 80 to 65" in changed["drop"]
    assert "rating changed from A to B" in changed["rating"]
    assert "new negative event: Bankruptcy" in changed["bankrupt"]
    risk = dict(Customer.objects.filter(name__in=list(watched)).values_list("name", "risk_class"))
    assert risk["drop"] == "low"  # 65 is still a low risk
    assert risk["bankrupt"] == "very_high"
    assert Event.objects.filter(verb="risk_class_changed", customer__name="bankrupt").count() == 1
    tasks = Task.objects.filter(kind=Task.Kind.REVIEW)
    assert sorted(tasks.values_list("customer__name", flat=True)) == ["bankrupt", "drop", "rating"]
    assert all(t.assignee == watched["drop"].controller for t in tasks)
    # Again the same day, and the day after with the same reports: nothing new.
    assert monitor(today=next_day)["checked"] == 0
    counts = monitor(today=next_day + timedelta(days=1))
    assert counts["checked"] == 5 and counts["changed"] == 0
    assert Event.objects.filter(verb="bureau_changed").count() == 3
    assert Task.objects.filter(kind=Task.Kind.REVIEW).count() == 3
    # The small drop became the new baseline: a further drop of 6 (75 -> 69) is not enough either.
    assert BureauWatch.objects.get(customer=watched["small"]).score == 75


def test_an_open_review_task_is_not_doubled(watched):
    monitor(today=DAY)
    newer_report("60000001", score=60)
    monitor(today=DAY + timedelta(days=1))
    newer_report("60000001", score=40)
    counts = monitor(today=DAY + timedelta(days=2))
    assert counts["changed"] == 1 and counts["tasks"] == 0
    assert Task.objects.filter(customer=watched["drop"], kind=Task.Kind.REVIEW).count() == 1
    assert Customer.objects.get(pk=watched["drop"].pk).risk_class == "medium"


def test_bureau_down_leaves_customers_for_tomorrow(watched):
    class Down:
        name = "down"

        def fetch(self, registration_number):
            raise BureauUnavailable("timeout")

    counts = monitor(today=DAY, provider=Down())
    assert counts["unavailable"] == 6 and counts["checked"] == 0  # the five, and the one it does not know
    assert monitor(today=DAY)["baselines"] == 5


def test_batches(watched, settings, django_assert_max_num_queries):
    settings.ACCEPTANCE_MONITOR_BATCH = 2
    monitor(today=DAY)
    assert BureauWatch.objects.count() == 5
    # Quiet days cost a few queries per batch, not per customer.
    with django_assert_max_num_queries(3 * 5 + 1):
        assert monitor(today=DAY + timedelta(days=1))["checked"] == 5


def test_daily_run_moves_dunning_after_the_new_risk_class(watched):
    customer = watched["bankrupt"]
    post(customer, "B-1", 20, today=DAY)
    run_daily(DAY.isoformat())
    assert customer.dunning.procedure.code == "low"
    newer_report("60000004", negative_events=["bankruptcy"])
    run_daily((DAY + timedelta(days=1)).isoformat())
    customer.refresh_from_db()
    assert customer.risk_class == "very_high"
    customer.dunning.refresh_from_db()
    assert customer.dunning.procedure.code == "high"
    assert Event.objects.filter(customer=customer, verb="procedure_changed").exists()
