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
