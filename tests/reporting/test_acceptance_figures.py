"""Acceptance figures per channel from the daily decision counts."""

from decimal import Decimal

import pytest
from django.utils import timezone

from acceptance.services import decide, override_decision
from reporting.acceptance import acceptance_figures, rebuild_decision_days
from tests.acceptance.conftest import bureau  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_shares_per_channel_and_overrides_count_as_manual(bureau, manager):  # noqa: F811
    today = timezone.localdate()
    bureau("11111111", score=85)  # healthy: accepted
    bureau("22222222", score=5, negative_events=["bankruptcy"])  # rejected
    decide(by="test", channel="counter", registration_number="11111111", amount=Decimal("1000"))
    decide(by="test", channel="counter", registration_number="22222222", amount=Decimal("1000"))
    referred = decide(by="test", channel="api", registration_number="33333333", amount=Decimal("1000"))
    assert referred.outcome == "refer"  # unknown to the bureau: a person decides
    override_decision(decision=referred, outcome="accept", limit=Decimal("500"), reason="known", by=manager)

    assert rebuild_decision_days(today) > 0
    figures = {f["channel"]: f for f in acceptance_figures(today, today)}
    assert figures["counter"]["decisions"] == 2
    assert figures["counter"]["accepted"] == 50.0 and figures["counter"]["rejected"] == 50.0
    assert figures["counter"]["straight_through"] == 100.0
    assert figures["api"]["decisions"] == 1  # the override is not a second case
    assert figures["api"]["referred"] == 100.0 and figures["api"]["straight_through"] == 0.0
    rebuild_decision_days(today)
    assert acceptance_figures(today, today)[0]["decisions"] == 2  # replaced, not added


def test_retro_analysis_judges_each_decision_by_what_followed(bureau, manager, client):  # noqa: F811
    from datetime import timedelta

    import time_machine
    from django.urls import reverse

    from reporting.acceptance import retro_analysis
    from tests.factories import CustomerFactory, InvoiceFactory

    day = timezone.localdate() - timedelta(days=60)
    good, bad, missed = (CustomerFactory(kvk_number=n) for n in ("11111111", "12121212", "33333333"))
    bureau("11111111", score=85)
    bureau("12121212", score=85)
    bureau("22222222", score=5, negative_events=["bankruptcy"])
    with time_machine.travel(day.isoformat() + " 10:00 +01:00", tick=False):
        assert decide(by="test", channel="counter", customer=good, amount=Decimal("1000")).outcome == "accept"
        assert decide(by="test", channel="counter", customer=bad, amount=Decimal("1000")).outcome == "accept"
        rejected = decide(by="test", channel="api", registration_number="22222222", amount=Decimal("1000"))
        assert rejected.outcome == "reject"
        referred = decide(by="test", channel="api", customer=missed, amount=Decimal("1000"))
        assert referred.outcome == "refer"  # unknown to the bureau
        override_decision(decision=referred, outcome="reject", limit=Decimal("0"), reason="no", by=manager)
        decide(by="test", channel="api", registration_number="55555555", amount=Decimal("1000"))  # waits
    later = {"issue_date": day + timedelta(days=1), "due_date": day + timedelta(days=15)}
    paid = {"status": "paid", "open_amount": Decimal("0.00"), "paid_date": day + timedelta(days=20)}
    InvoiceFactory(customer=good, amount=Decimal("100.00"), **later, **paid)
    InvoiceFactory(customer=bad, amount=Decimal("100.00"), **later)  # still open 45 days past due
    InvoiceFactory(customer=missed, amount=Decimal("100.00"), **later, **paid)  # paid cash on delivery

    retro = retro_analysis(day, timezone.localdate(), today=timezone.localdate())
    assert retro.cells == {
        "accepted": {"paid": 1, "not_paid": 1, "unknown": 0},
        "rejected": {"paid": 1, "not_paid": 1, "unknown": 0},  # the bankrupt prospect; the one we missed
    }
    assert retro.referred == 1
    assert retro.share("accepted", "not_paid") == 50.0

    client.force_login(manager)
    response = client.get(reverse("reporting:acceptance_retro"), {"months": 3, "cell": "rejected:paid"})
    assert response.status_code == 200
    assert [r.customer_id for r in response.context["rows"]] == [missed.pk]
    assert "missed sales" in response.content.decode()


def test_decisions_are_counted_per_segment_and_controller_and_prospects_only_unfiltered(
    bureau,  # noqa: F811
    controller,
    other_controller,
):
    """The acceptance figures follow the dashboard's segment and controller filters: a decision
    belongs to its customer's segment and controller (of the day it is counted); a prospect's
    decision, without a customer, to neither, so it counts only when no filter is chosen."""
    from reporting.models import DecisionDay
    from reporting.queries import Filters
    from tests.factories import CustomerFactory

    today = timezone.localdate()
    bureau("11111111", score=85)  # healthy: accepted
    bureau("22222222", score=5, negative_events=["bankruptcy"])  # rejected
    shop = CustomerFactory(kvk_number="11111111", segment="business", controller=controller)
    person = CustomerFactory(kvk_number="22222222", segment="consumer", controller=other_controller)
    for customer in (shop, shop, person):
        decide(by="test", channel="counter", customer=customer, amount=Decimal("1000"))
    decide(by="test", channel="counter", registration_number="22222222", amount=Decimal("1000"))  # prospect
    rebuild_decision_days(today)
    assert DecisionDay.objects.filter(segment="", controller__isnull=True).get().decisions == 1

    def counter(**given):
        filters = Filters(currency="EUR", **given) if given else None
        found = {f["channel"]: f for f in acceptance_figures(today, today, filters)}
        figures = found.get("counter", {})
        return figures.get("decisions"), figures.get("accepted"), figures.get("rejected")

    assert counter() == (4, 50.0, 50.0)  # the prospect counts without a filter
    assert counter(segment="") == (4, 50.0, 50.0)
    assert counter(segment="business") == (2, 100.0, 0.0)
    assert counter(segment="consumer") == (1, 0.0, 100.0)  # not the prospect
    assert counter(segment="government") == (None, None, None)
    assert counter(controller_id=controller.pk) == (2, 100.0, 0.0)
    assert counter(controller_id=other_controller.pk) == (1, 0.0, 100.0)
    assert counter(segment="business", controller_id=other_controller.pk) == (None, None, None)


def test_the_daily_rebuild_takes_the_customers_segment_of_the_day(bureau, controller):  # noqa: F811
    """Like the snapshots, a day keeps the segment and controller it was counted with: the daily
    step rebuilds only its last days, so a customer moved later stays in its old segment there."""
    from datetime import timedelta

    import time_machine

    from reporting.queries import Filters
    from tests.factories import CustomerFactory

    today = timezone.localdate()
    bureau("11111111", score=85)
    customer = CustomerFactory(kvk_number="11111111", segment="business", controller=controller)
    earlier = today - timedelta(days=10)
    with time_machine.travel(earlier.isoformat() + " 10:00 +01:00", tick=False):
        decide(by="test", channel="counter", customer=customer, amount=Decimal("1000"))
        rebuild_decision_days(earlier)  # the first run: all days
    customer.segment, customer.controller = "consumer", None
    customer.save(update_fields=["segment", "controller"])
    decide(by="test", channel="counter", customer=customer, amount=Decimal("1000"))
    rebuild_decision_days(today)  # the last two days only

    def decisions(**given):
        return sum(
            f["decisions"] for f in acceptance_figures(earlier, today, Filters(currency="EUR", **given))
        )

    assert decisions() == 2
    assert decisions(segment="business") == 1 and decisions(controller_id=controller.pk) == 1
    assert decisions(segment="consumer") == 1


def test_retro_analysis_follows_the_segment_and_controller_filters(bureau, controller, other_controller):  # noqa: F811
    """The retro analysis takes the dashboard's Filters: the decisions on the segment's or controller's
    customers (their segment and controller now: it reads the decisions themselves), and the later
    invoices of those customers only; a prospect's decision, without a customer, only without a filter."""
    from datetime import timedelta

    import time_machine

    from reporting.acceptance import retro_analysis
    from reporting.queries import Filters
    from tests.factories import CustomerFactory, InvoiceFactory

    today = timezone.localdate()
    day = today - timedelta(days=60)
    bureau("11111111", score=85)
    bureau("22222222", score=5, negative_events=["bankruptcy"])
    shop = CustomerFactory(kvk_number="11111111", segment="business", controller=controller)
    person = CustomerFactory(kvk_number="11111111", segment="consumer", controller=other_controller)
    with time_machine.travel(day.isoformat() + " 10:00 +01:00", tick=False):
        for customer in (shop, person):
            assert (
                decide(by="test", channel="counter", customer=customer, amount=Decimal("1000")).outcome
                == "accept"
            )
        decide(by="test", channel="api", registration_number="22222222", amount=Decimal("1000"))  # prospect
    later = {"issue_date": day + timedelta(days=1), "due_date": day + timedelta(days=15)}
    InvoiceFactory(customer=shop, amount=Decimal("100.00"), status="paid", open_amount=Decimal("0.00"),
                   paid_date=day + timedelta(days=20), **later)  # fmt: skip
    InvoiceFactory(customer=person, amount=Decimal("100.00"), **later)  # still open 45 days past due

    def cells(**given):
        filters = Filters(currency="EUR", **given) if given else None
        retro = retro_analysis(day, today, today=today, filters=filters)
        return {f"{c}:{how}": n for c, row in retro.cells.items() for how, n in row.items() if n}

    assert cells() == {"accepted:paid": 1, "accepted:not_paid": 1, "rejected:not_paid": 1}
    assert cells(segment="") == cells()
    assert cells(segment="business") == {"accepted:paid": 1}
    assert cells(segment="consumer") == {"accepted:not_paid": 1}  # not the bankrupt prospect
    assert cells(controller_id=other_controller.pk) == {"accepted:not_paid": 1}
    assert cells(segment="government") == {}
    assert cells(segment="business", controller_id=other_controller.pk) == {}
    # Read from the decisions: a customer moved since counts in their segment and controller now.
    person.segment, person.controller = "business", controller
    person.save(update_fields=["segment", "controller"])
    assert cells(segment="business") == {"accepted:paid": 1, "accepted:not_paid": 1}
    assert cells(controller_id=other_controller.pk) == {}
