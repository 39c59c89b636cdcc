from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from acceptance.bureau import BureauUnavailable
from acceptance.models import Channel, Decision, Outcome, RuleSet
from acceptance.services import activate_version, active_version, add_rule, create_draft_version, decide
from accounts import services as ledger
from accounts.models import Event, Task
from accounts.services import complete_task, create_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date.today()


def overdue_invoice(customer, *, amount: str, days: int, number: str) -> None:
    ledger.post_invoice(
        customer=customer,
        number=number,
        issue_date=TODAY - timedelta(days=days + 30),
        due_date=TODAY - timedelta(days=days),
        amount=D(amount),
        by="test",
    )


# name, bureau report (None: unknown to the bureau), customer changes, invoices (amount, days overdue),
# expected outcome, limit, available, counter colour, words in the English reasons
CASES = [
    (
        "healthy",
        {},
        {"credit_limit": D("0")},
        [],
        Outcome.ACCEPT,
        "30000.00",
        "30000.00",
        "green",
        "Good bureau",
    ),
    ("capped by our limit", {}, {}, [("1210.00", 0)], Outcome.ACCEPT, "10000.00", "8790.00", "green", "Good"),
    ("fair score", {"score": 30}, {}, [], Outcome.ACCEPT, "2500.00", "2500.00", "green", "Fair bureau score"),
    ("bankrupt", {"negative_events": ["bankruptcy"]}, {}, [], Outcome.REJECT, "0", "0", "red", "Bankruptcy"),
    ("score too low", {"score": 10}, {}, [], Outcome.REJECT, "0", "0", "red", "below 25"),
    (
        "default risk",
        {"probability_of_default": D("12")},
        {},
        [],
        Outcome.REJECT,
        "0",
        "0",
        "red",
        "above 8%",
    ),
    ("blocked", {}, {"delivery_blocked": True}, [], Outcome.REJECT, "0", "0", "red", "delivery block"),
    ("over 90 days", {}, {}, [("500.00", 95)], Outcome.REFER, "0", "0", "orange", "more than 90 days"),
    (
        "overdue too much too long",
        {},
        {"credit_limit": D("50000")},
        [("6000.00", 40)],
        Outcome.ACCEPT_WITH_CONDITIONS,
        "0",
        "0",
        "orange",
        "50% prepayment",
    ),
    (
        "young company",
        {"founded_on": TODAY - timedelta(days=400)},
        {},
        [],
        Outcome.ACCEPT_WITH_CONDITIONS,
        "2500.00",
        "2500.00",
        "green",
        "14 days",
    ),
    ("customer unknown to bureau", None, {}, [], Outcome.REFER, "0", "0", "orange", "a person reviews"),
]


@pytest.mark.parametrize(
    ("name", "report", "changes", "invoices", "outcome", "limit", "available", "colour", "words"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_medium_policy(
    bureau, controller, name, report, changes, invoices, outcome, limit, available, colour, words
):
    customer = CustomerFactory(controller=controller, **changes)
    if report is not None:
        bureau(customer.kvk_number, **report)
    for index, (amount, days) in enumerate(invoices):
        overdue_invoice(customer, amount=amount, days=days, number=f"F-{index}")
    customer.refresh_from_db()

    decision = decide(by=controller, channel=Channel.SALES, customer=customer, amount=D("1000.00"))

    assert decision.outcome == outcome
    assert (decision.limit, decision.available) == (D(limit), D(available))
    assert decision.counter_colour == colour
    assert words in " ".join(decision.reasons_en)
    assert_reasons_match_fired_rules(decision)
    assert decision.version.rule_set.code == "medium"
    assert decision.features["amount"] == "1000.00" and decision.features["channel"] == "sales"


def assert_reasons_match_fired_rules(decision: Decision) -> None:
    """Every reason comes from a rule that fired and decided; the first fired rule always decides."""
    rules = {r.position: r for r in decision.version.rules.all()}
    fired = [e for e in decision.evaluations if e["fired"]]
    decisive = [e for e in decision.evaluations if e["decisive"]]
    assert all(e["fired"] for e in decisive)
    assert all(all(c["held"] for c in e["conditions"]) for e in fired)
    assert all(not all(c["held"] for c in e["conditions"]) for e in decision.evaluations if not e["fired"])
    assert fired and decisive[0] == fired[0]
    assert {e["outcome"] for e in decisive} == {decision.outcome}
    assert decision.reasons_en == [rules[e["position"]].reason_en for e in decisive]
    assert decision.reasons_nl == [rules[e["position"]].reason_nl for e in decisive]
    assert len(decision.evaluations) == len(rules)


def test_every_knock_out_that_fired_is_a_reason(bureau, controller):
    customer = CustomerFactory(controller=controller)
    bureau(customer.kvk_number, score=5, negative_events=["suspension"], probability_of_default=D("50"))
    decision = decide(by=controller, channel=Channel.API, customer=customer)
    assert decision.outcome == Outcome.REJECT
    assert len(decision.reasons_en) == 3
    assert_reasons_match_fired_rules(decision)


def test_a_decision_is_on_the_timeline_and_a_referral_is_a_task_for_the_controller(controller):
    customer = CustomerFactory(controller=controller)  # unknown to the bureau, no history: refer
    decision = decide(by="api: webshop", channel=Channel.WEBSHOP, customer=customer)
    assert decision.outcome == Outcome.REFER
    assert (decision.requester, decision.requester_label) == (None, "api: webshop")
    event = Event.objects.get(customer=customer, kind=Event.Kind.DECISION)
    assert event.target == decision and event.actor_label == "api: webshop"
    task = Task.objects.get(customer=customer)
    assert (task.kind, task.assignee, task.status) == (Task.Kind.REVIEW, controller, Task.Status.OPEN)
    assert "person reviews" in task.title
    # Written by the API in English; each reader gets the rules' reasons in their own language.
    dutch, english = " ".join(decision.reasons_nl), " ".join(decision.reasons_en)
    with translation.override("nl"):
        assert event.summary_text.startswith("Kredietbesluit (") and dutch in event.summary_text
        assert task.title_text == f"Kredietbesluit beoordelen: {dutch}"
    with translation.override("en"):
        assert event.summary_text == event.summary and english in event.summary_text
        assert task.title_text == f"Review credit decision: {english}"
    decide(by="api: webshop", channel=Channel.WEBSHOP, customer=customer)
    assert Task.objects.filter(customer=customer).count() == 1  # still one open review
    assert Event.objects.filter(customer=customer, kind=Event.Kind.DECISION).count() == 2
    # Another open task is no review, and a review done is no longer open: the next referral adds one.
    create_task(customer=customer, title="Call", due_date=task.due_date, by=controller)
    complete_task(task=task, outcome=Task.Outcome.RESOLVED, by=controller)
    assert not Task.objects.open().filter(customer=customer, kind=Task.Kind.REVIEW).exists()
    decide(by="api: webshop", channel=Channel.WEBSHOP, customer=customer)
    assert Task.objects.open().filter(customer=customer, kind=Task.Kind.REVIEW).count() == 1


def test_a_prospect_is_decided_from_the_bureau_alone(bureau, counter_clerk):
    bureau("55555555", name="Nieuw BV", score=70, recommended_limit=D("10000"))
    decision = decide(by=counter_clerk, channel=Channel.COUNTER, registration_number="55555555")
    assert (decision.customer, decision.company_name) == (None, "Nieuw BV")
    assert (decision.outcome, decision.limit) == (Outcome.ACCEPT, D("7500.00"))
    assert decision.features["is_customer"] is False
    unknown = decide(by=counter_clerk, channel=Channel.COUNTER, registration_number="44444444")
    assert unknown.outcome == Outcome.REFER
    assert "Unknown to the bureau" in unknown.reasons_en[0]
    assert not Task.objects.exists()


def test_a_prospect_unknown_to_the_bureau_is_named_as_the_requester_typed_it(
    bureau, sales_rep, django_assert_num_queries
):
    """The name typed for a company the bureau does not know names its decision (not the KvK number
    alone); the bureau's name and the customer's own come first. The name costs no query."""
    decide(by=sales_rep, channel=Channel.SALES, registration_number="44444443")  # rules cached
    with django_assert_num_queries(3):  # bureau 1, features and active version 1, decision 1
        unknown = decide(
            by=sales_rep, channel=Channel.SALES, registration_number="44444444", company_name="  Nieuw   BV "
        )
    assert (unknown.customer, unknown.company_name, unknown.registration_number) == (
        None,
        "Nieuw BV",
        "44444444",
    )
    assert Decision.objects.get(pk=unknown.pk).company_name == "Nieuw BV"
    assert unknown.outcome == Outcome.REFER
    untyped = decide(by=sales_rep, channel=Channel.SALES, registration_number="44444445", company_name=" ")
    assert untyped.company_name == "44444445"
    bureau("55555555", name="Bureau Naam BV")
    known = decide(by=sales_rep, channel=Channel.SALES, registration_number="55555555", company_name="Typed")
    assert known.company_name == "Bureau Naam BV"
    customer = CustomerFactory(name="Klant BV", kvk_number="66666666")
    mine = decide(by=sales_rep, channel=Channel.SALES, customer=customer, company_name="Typed")
    assert mine.company_name == "Klant BV"


def test_another_rule_set_can_be_asked(bureau, controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("0"))
    bureau(customer.kvk_number, score=30)  # fair for medium, too low for the cautious policy
    cautious = decide(
        by=controller, channel=Channel.API, customer=customer, rule_set=RuleSet.objects.get(code="low")
    )
    assert cautious.outcome == Outcome.REJECT
    assert decide(by=controller, channel=Channel.API, customer=customer).outcome == Outcome.ACCEPT


def test_decisions_are_append_only(controller):
    decision = decide(by=controller, channel=Channel.API, customer=CustomerFactory())
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()


def test_decide_runs_a_fixed_number_of_queries(
    bureau, controller, django_assert_num_queries, django_assert_max_num_queries
):
    few = CustomerFactory(controller=controller)
    many = CustomerFactory(controller=controller)
    for customer in (few, many):
        bureau(customer.kvk_number)
    overdue_invoice(few, amount="100.00", days=5, number="A-1")
    for index in range(25):
        overdue_invoice(many, amount="100.00", days=5, number=f"B-{index}")
    # The first decision of a process also reads the active version's rules (3, then cached) and,
    # unless an earlier test did, the event target's ContentType.
    with django_assert_max_num_queries(12):
        first = decide(by=controller, channel=Channel.API, customer=few)
    # bureau 1; one statement for the ledger, the group exposure with reservations and temporary
    # limit, dunning's promises and open disputes, and the active version; decision 1 and its
    # event 1, whatever the ledger's size
    with django_assert_num_queries(4):
        second = decide(by=controller, channel=Channel.API, customer=many)
    assert first.outcome == second.outcome == Outcome.ACCEPT


class DownBureau:
    name = "down"

    def fetch(self, registration_number):
        raise BureauUnavailable("timeout")


def test_when_the_bureau_is_down_the_stored_report_is_used_and_the_snapshot_says_so(bureau, controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("0"))
    bureau(customer.kvk_number, score=80)
    decision = decide(by=controller, channel=Channel.API, customer=customer, provider=DownBureau())
    assert decision.features["bureau_unavailable"] is True
    assert (decision.features["score"], decision.outcome) == ("80", Outcome.ACCEPT)
    prospect = decide(
        by=controller, channel=Channel.API, registration_number="98765432", provider=DownBureau()
    )
    assert prospect.outcome == Outcome.REFER and prospect.features["bureau_unavailable"] is True
    assert (
        decide(by=controller, channel=Channel.API, customer=customer).features["bureau_unavailable"] is False
    )


def test_the_rules_are_read_once_per_process_and_a_new_activation_applies_at_once(
    bureau, controller, django_assert_num_queries
):
    customer = CustomerFactory(controller=controller)
    bureau(customer.kvk_number)
    first = decide(by=controller, channel=Channel.API, customer=customer)
    assert first.outcome == Outcome.ACCEPT
    with django_assert_num_queries(1):  # which version is active; its rules come from the cache
        assert active_version() == first.version
    # A new version activated, here without the on-commit clearing (the test's transaction never
    # commits), as another process would see it: the key changes, nothing stale is used.
    draft = create_draft_version(rule_set=first.version.rule_set, by="test")
    add_rule(
        version=draft, name="Everyone to a person", outcome=Outcome.REFER, by="test",
        reason_nl="Iedereen naar een medewerker.", reason_en="Everyone to a person.",
    )  # fmt: skip
    activate_version(version=draft, by="test")
    second = decide(by=controller, channel=Channel.API, customer=customer)
    assert (second.version, second.outcome, second.reasons_en) == (
        draft,
        Outcome.REFER,
        ["Everyone to a person."],
    )
