"""The HTTP bureau provider against a real bureau server on loopback (tests/acceptance/fake_bureau.py)."""

import socket
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from acceptance.bureau import BureauUnavailable, LocalBureauProvider, get_provider
from acceptance.bureau_http import BureauAnswerError, HttpBureauProvider
from acceptance.models import BureauRecord, Channel, Outcome
from acceptance.services import decide
from tests.acceptance.fake_bureau import report
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


def provider(bureau, **options):
    sleeps = []
    values = {"base_url": bureau.url, "api_key": bureau.api_key, "timeout": 0.3, "sleep": sleeps.append}
    made = HttpBureauProvider(**{**values, **options})
    made.sleeps = sleeps
    return made


def test_a_report_is_fetched_stored_and_reused_within_the_time_to_live(fake_bureau):
    fake_bureau.reports["12345678"] = report("12345678", score=72, negative_events=["suspension"])
    bureau = provider(fake_bureau, ttl=timedelta(days=30))

    first = bureau.fetch("12345678")

    assert (first.name, first.score) == ("Bureau company 12345678", 72)
    assert first.probability_of_default == D("1.20")
    assert first.negative_events == ("suspension",) and first.recommended_limit == D("40000.00")
    path, headers = fake_bureau.requests[0]
    assert path == "/companies/12345678" and headers["Authorization"] == "Bearer bureau-key"
    stored = BureauRecord.objects.get(registration_number="12345678")
    assert stored.source == BureauRecord.Source.HTTP and stored.source_name == fake_bureau.url[7:]
    # Within the TTL the stored report answers, and the local provider sees it too.
    assert bureau.fetch("12345678").score == 72
    assert LocalBureauProvider().fetch("12345678").score == 72
    assert len(fake_bureau.requests) == 1

    fake_bureau.reports["12345678"]["score"] = 40
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert bureau.fetch("12345678").score == 40  # too old: asked again, stored again
    assert len(fake_bureau.requests) == 2
    assert BureauRecord.objects.get(registration_number="12345678").score == 40
    fake_bureau.reports["12345678"]["score"] = 30
    assert bureau.fetch("12345678", refresh=True).score == 30  # monitoring asks whatever the cache holds


def test_an_unknown_company_is_none_and_the_decision_refers(fake_bureau):
    bureau = provider(fake_bureau)
    assert bureau.fetch("87654321") is None
    assert bureau.fetch("not a number/../x") is None  # never put into a URL
    assert [path for path, _ in fake_bureau.requests] == ["/companies/87654321"]
    decision = decide(by="test", channel=Channel.API, registration_number="87654321", provider=bureau)
    assert decision.outcome == Outcome.REFER and decision.features["bureau_unavailable"] is False
    assert "Unknown to the bureau" in decision.reasons_en[0]


def test_server_errors_are_retried_with_a_growing_pause(fake_bureau):
    fake_bureau.reports["12345678"] = report("12345678")
    fake_bureau.failures["12345678"] = 2
    bureau = provider(fake_bureau, retries=2, backoff=0.5)
    assert bureau.fetch("12345678").score == 80
    assert bureau.calls == 3 and bureau.sleeps == [0.5, 1.0]


def test_a_bureau_that_keeps_failing_is_unavailable_after_the_retries(fake_bureau):
    fake_bureau.reports["12345678"] = report("12345678")
    fake_bureau.failures["12345678"] = 10
    bureau = provider(fake_bureau, retries=2)
    with pytest.raises(BureauUnavailable, match="HTTP 500"):
        bureau.fetch("12345678")
    assert bureau.calls == 3 and not BureauRecord.objects.exists()


def test_a_slow_bureau_times_out(fake_bureau):
    fake_bureau.reports["12345678"] = report("12345678")
    fake_bureau.slow.add("12345678")
    bureau = provider(fake_bureau, timeout=0.2, retries=1)
    started = time.monotonic()
    with pytest.raises(BureauUnavailable, match="no answer within 0.2 s"):
        bureau.fetch("12345678")
    assert time.monotonic() - started < 1.5  # two tries of 0.2 s, not the server's 3 s
    assert bureau.calls == 2


def test_a_refused_key_is_not_retried(fake_bureau):
    fake_bureau.reports["12345678"] = report("12345678")
    bureau = provider(fake_bureau, api_key="wrong", retries=3)
    with pytest.raises(BureauUnavailable, match="HTTP 401"):
        bureau.fetch("12345678")
    assert bureau.calls == 1


def test_a_bureau_that_cannot_be_reached_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens
    bureau = HttpBureauProvider(base_url=f"http://127.0.0.1:{port}", retries=1, sleep=lambda _s: None)
    with pytest.raises(BureauUnavailable, match="cannot connect"):
        bureau.fetch("12345678")
    assert bureau.calls == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>maintenance</html>", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"name": ""}', "name"),
        (b'{"name": "X", "score": 101}', "score"),
        (b'{"name": "X", "score": 7.5}', "score"),
        (b'{"name": "X", "probability_of_default": "NaN"}', "probability_of_default"),
        (b'{"name": "X", "founded_on": "2020-02-30"}', "founded_on"),
        (b'{"name": "X", "negative_events": ["fraud"]}', "negative_events"),
        (b'{"name": "X", "registration_number": "99999999"}', "registration_number"),
        (b'{"name": ["X"]}', "name"),
    ],
)
def test_an_answer_that_cannot_be_read_is_unavailable_and_stores_nothing(fake_bureau, body, problem):
    fake_bureau.raw["12345678"] = body
    with pytest.raises(BureauAnswerError, match=problem):
        provider(fake_bureau).fetch("12345678")
    assert not BureauRecord.objects.exists()


def test_the_settings_choose_the_provider(http_bureau, settings):
    chosen = get_provider()
    assert isinstance(chosen, HttpBureauProvider)
    assert (chosen.base_url, chosen.timeout, chosen.retries) == (http_bureau.url, 0.3, 2)
    settings.ACCEPTANCE_BUREAU_PROVIDER = "local"
    assert isinstance(get_provider(), LocalBureauProvider)
    settings.ACCEPTANCE_BUREAU_PROVIDER = "carrier-pigeon"
    with pytest.raises(ValueError, match="carrier-pigeon"):
        get_provider()


def test_a_decision_asks_the_bureau_through_the_settings(http_bureau, controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("0"))
    http_bureau.reports[customer.kvk_number] = report(customer.kvk_number, recommended_limit="20000")
    decision = decide(by="api: webshop", channel=Channel.API, customer=customer, amount=D("500"))
    assert (decision.outcome, decision.limit) == (Outcome.ACCEPT, D("15000.00"))
    assert decision.features["bureau_unavailable"] is False
    assert not any("could not be reached" in reason for reason in decision.reasons_en)


def test_bureau_down_uses_the_stored_report_and_says_so(http_bureau, controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("0"))
    http_bureau.reports[customer.kvk_number] = report(customer.kvk_number, recommended_limit="20000")
    with time_machine.travel(timezone.now() - timedelta(days=60)):
        decide(by="test", channel=Channel.API, customer=customer)  # fetched and stored 60 days ago
        stored_on = timezone.localdate()  # (not today - 60: a DST change can move the local day)
    http_bureau.failures[customer.kvk_number] = 100

    decision = decide(by="api: webshop", channel=Channel.API, customer=customer, amount=D("500"))

    assert decision.features["bureau_unavailable"] is True
    assert (decision.outcome, decision.limit) == (Outcome.ACCEPT, D("15000.00"))
    assert decision.reasons_en[-1] == (
        f"The bureau could not be reached: the stored report of {stored_on:%d-%m-%Y} was used."
    )
    assert decision.reasons_nl[-1].startswith("Het bureau is niet bereikbaar: het bewaarde rapport")
    assert decision.features["report_age_days"] == "60"


def test_bureau_down_without_a_stored_report_refers_to_a_person(http_bureau, controller):
    customer = CustomerFactory(controller=controller)
    http_bureau.slow.add(customer.kvk_number)
    decision = decide(by="api: webshop", channel=Channel.API, customer=customer, amount=D("500"))
    assert (decision.outcome, decision.limit, decision.available) == (Outcome.REFER, 0, 0)
    assert decision.reasons_en == [
        "The bureau could not be reached and no earlier report is stored: a person decides."
    ]
    assert not any(e["decisive"] for e in decision.evaluations)
    assert customer.tasks.filter(kind="review").exists()
