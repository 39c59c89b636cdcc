"""The demo's decision history: decisions of past working days that the retro analysis can judge."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from acceptance.demo import seed_decision_history
from acceptance.models import Channel, Decision
from acceptance.simulation import NOT_PAID, PAID
from accounts.models import Event
from reporting.acceptance import retro_analysis

TODAY = date(2026, 11, 20)


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("seed_demo", "--customers=30", "--seed=7", f"--today={TODAY}", stdout=out)
    call_command("seed_bureau", stdout=out)


def test_history_fills_past_working_days_and_the_retro_analysis_judges_it(demo):
    made = seed_decision_history(today=TODAY, days=70, per_day=3)
    working_days = sum((TODAY - timedelta(days=n)).weekday() < 5 for n in range(1, 71))
    assert made == working_days * 3 == Decision.objects.count()
    zone = timezone.get_current_timezone()
    days = {d.astimezone(zone).date() for d in Decision.objects.values_list("created_at", flat=True)}
    assert min(days) >= TODAY - timedelta(days=70) and max(days) < TODAY
    assert all(day.weekday() < 5 for day in days)
    assert set(Decision.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert Decision.objects.filter(customer=None).exists()  # prospects ask too
    # Every customer decision is on the timeline at the moment it was made.
    for decision in Decision.objects.exclude(customer=None)[:20]:
        event = Event.objects.get(kind=Event.Kind.DECISION, object_id=decision.pk, verb=decision.outcome)
        assert event.created_at == decision.created_at
        assert event.customer_id == decision.customer_id
    retro = retro_analysis(TODAY - timedelta(days=70), TODAY, today=TODAY)
    assert retro.cells["accepted"][PAID] > 0
    assert (
        retro.cells["accepted"][PAID] + retro.cells["accepted"][NOT_PAID] + retro.cells["rejected"][NOT_PAID]
        > 10
    )


def test_history_is_added_once(demo):
    assert seed_decision_history(today=TODAY, days=10, per_day=2) > 0
    count = Decision.objects.count()
    out = StringIO()
    call_command("seed_decisions", "--days=10", stdout=out)
    assert "nothing added" in out.getvalue()
    assert Decision.objects.count() == count


def test_history_needs_customers(db):
    assert seed_decision_history(today=TODAY) == 0
    assert not Decision.objects.exists()


def test_todays_decisions_do_not_stop_the_history(demo):
    """A clerk who tried the counter before the history was seeded: today's decision is not history."""
    from acceptance.services import decide
    from accounts.models import Customer

    today = timezone.localdate()
    decide(by="counter", channel=Channel.COUNTER, customer=Customer.objects.first(), today=today)
    assert seed_decision_history(today=today, days=7, per_day=1) == sum(
        (today - timedelta(days=n)).weekday() < 5 for n in range(1, 8)
    )
