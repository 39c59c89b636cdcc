"""The rule-set editor: drafts are edited, active and retired versions never; test and simulation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from acceptance.models import Decision, Outcome, Rule, RuleSet, RuleSetVersion, VersionLocked
from acceptance.queries import find_company
from acceptance.services import (
    activate_version,
    add_rule,
    create_draft_version,
    decide,
    delete_rule,
    load_version,
    move_rule,
    override_decision,
    update_rule,
)
from acceptance.simulation import NOT_PAID, PAID, UNKNOWN, simulate
from accounts import services as ledger
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "rules"}


def reasons(text):
    return {"reason_nl": text, "reason_en": text}


@pytest.fixture
def rule_set():
    return RuleSet.objects.create(code="test", name="Test policy", risk_appetite="medium")


@pytest.fixture
def draft(rule_set):
    version = create_draft_version(rule_set=rule_set, by="test")
    add_rule(
        version=version,
        name="Low score",
        outcome=Outcome.REJECT,
        conditions=[("score", "lt", "50")],
        by="test",
        **reasons("Score below 50"),
    )
    add_rule(
        version=version,
        name="Rest",
        outcome=Outcome.ACCEPT,
        limit_kind="fixed",
        limit_amount=D("5000"),
        by="test",
        **reasons("Accepted"),
    )
    return version


def edits(version):
    rule = version.rules.order_by("position").first()
    return {
        "add": lambda: add_rule(version=version, name="X", outcome=Outcome.REFER, by="t", **reasons("x")),
        "update": lambda: update_rule(rule=rule, name="Changed", by="t"),
        "conditions": lambda: update_rule(rule=rule, conditions=[("score", "lt", "10")], by="t"),
        "delete": lambda: delete_rule(rule=rule, by="t"),
        "move": lambda: move_rule(rule=rule, up=False, by="t"),
        "model save": lambda: Rule.objects.filter(pk=rule.pk).first().save(),
        "condition save": lambda: rule.conditions.first().save(),
    }


@pytest.mark.parametrize("status", ["active", "retired"])
@pytest.mark.parametrize(
    "edit", ["add", "update", "conditions", "delete", "move", "model save", "condition save"]
)
def test_active_or_retired_version_cannot_be_edited(draft, status, edit):
    activate_version(version=draft, by="test")
    if status == "retired":
        newer = create_draft_version(rule_set=draft.rule_set, by="t", copy_from=draft)
        activate_version(version=newer, by="test")
    draft.refresh_from_db()
    assert draft.status == status
    before = [(r.position, r.name, [str(c) for c in r.conditions.all()]) for r in draft.rules.all()]
    with pytest.raises(VersionLocked):
        edits(draft)[edit]()
    after = [(r.position, r.name, [str(c) for c in r.conditions.all()]) for r in draft.rules.all()]
    assert after == before


def test_draft_edits(draft):
    low, rest = draft.rules.order_by("position")
    update_rule(
        rule=low,
        name="Very low score",
        conditions=[("score", "lt", "30"), ("negative_event", "is_false", "")],
        by="t",
    )
    low.refresh_from_db()
    assert low.name == "Very low score"
    assert [str(c) for c in low.conditions.order_by("id")] == ["score lt 30", "negative_event is_false"]
    move_rule(rule=low, up=False, by="t")
    assert [r.name for r in draft.rules.order_by("position")] == ["Rest", "Very low score"]
    move_rule(rule=low, up=False, by="t")  # already last: nothing moves
    assert [r.name for r in draft.rules.order_by("position")] == ["Rest", "Very low score"]
    delete_rule(rule=rest, by="t")
    assert [r.name for r in draft.rules.all()] == ["Very low score"]


def test_copy_to_new_draft_keeps_rules_and_conditions(draft):
    activate_version(version=draft, by="test")
    copy = create_draft_version(rule_set=draft.rule_set, by="t", copy_from=draft)
    assert copy.number == 2 and copy.status == RuleSetVersion.Status.DRAFT
    assert [(r.name, [str(c) for c in r.conditions.all()]) for r in copy.rules.all()] == [
        (r.name, [str(c) for c in r.conditions.all()]) for r in draft.rules.all()
    ]
    update_rule(rule=copy.rules.first(), name="Changed", by="t")
    assert draft.rules.first().name == "Low score"


# --- pages ---------------------------------------------------------------------


def test_manager_edits_a_draft_with_htmx(client, manager, draft):
    client.force_login(manager)
    page = client.get(reverse("acceptance:version_detail", args=[draft.pk]))
    assert page.status_code == 200
    assert b"Low score" in page.content and b"Activate" in page.content
    low = draft.rules.get(name="Low score")
    data = {
        f"rule{low.pk}-name": "Low score",
        f"rule{low.pk}-name_nl": "Lage score",
        f"rule{low.pk}-outcome": "refer",
        f"rule{low.pk}-limit_kind": "none",
        f"rule{low.pk}-reason_en": "Score low: a person looks",
        f"rule{low.pk}-reason_nl": "Score laag",
        f"rule{low.pk}c-TOTAL_FORMS": "2",
        f"rule{low.pk}c-INITIAL_FORMS": "0",
        f"rule{low.pk}c-0-feature": "score",
        f"rule{low.pk}c-0-operator": "lt",
        f"rule{low.pk}c-0-value": "40",
        f"rule{low.pk}c-1-feature": "",
        f"rule{low.pk}c-1-operator": "",
        f"rule{low.pk}c-1-value": "",
    }
    response = client.post(reverse("acceptance:rule_edit", args=[low.pk]), data, **HTMX)
    assert response.status_code == 200
    assert b'id="rules"' in response.content and b"<html" not in response.content
    low.refresh_from_db()
    assert low.outcome == "refer" and [str(c) for c in low.conditions.all()] == ["score lt 40"]
    # A bad condition is refused with what is wrong, and nothing changes.
    data[f"rule{low.pk}c-0-value"] = "forty"
    response = client.post(reverse("acceptance:rule_edit", args=[low.pk]), data, **HTMX)
    assert b"score needs a number" in response.content
    assert [str(c) for c in low.conditions.all()] == ["score lt 40"]
    # Add a rule.
    response = client.post(
        reverse("acceptance:rule_add", args=[draft.pk]),
        {
            "new-name": "Big orders",
            "new-name_nl": "Grote orders",
            "new-outcome": "conditions",
            "new-limit_kind": "share",
            "new-limit_share": "50",
            "new-limit_cap": "20000",
            "new-prepayment_percent": "30",
            "new-reason_en": "Big order: 30% prepaid",
            "new-reason_nl": "Grote order: 30% vooruit",
            "newc-TOTAL_FORMS": "1",
            "newc-INITIAL_FORMS": "0",
            "newc-0-feature": "amount",
            "newc-0-operator": "gt",
            "newc-0-value": "10000",
        },
        **HTMX,
    )
    assert response.status_code == 200
    big = draft.rules.get(name="Big orders")
    assert big.position > low.position and big.limit_share == D("50")
    assert [str(c) for c in big.conditions.all()] == ["amount gt 10000"]
    # Move it up, delete it.
    client.post(reverse("acceptance:rule_move", args=[big.pk]), {"direction": "up"}, **HTMX)
    assert [r.name for r in draft.rules.order_by("position")] == ["Low score", "Big orders", "Rest"]
    client.post(reverse("acceptance:rule_delete", args=[big.pk]), **HTMX)
    assert not draft.rules.filter(name="Big orders").exists()
    # Activate: the page no longer offers to edit.
    response = client.post(reverse("acceptance:version_activate", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active"
    page = client.get(reverse("acceptance:version_detail", args=[draft.pk]))
    assert b"cannot be changed" in page.content and b"Save rule" not in page.content


def test_posting_to_an_active_version_changes_nothing(client, manager, draft):
    activate_version(version=draft, by="test")
    client.force_login(manager)
    low = draft.rules.get(name="Low score")
    response = client.post(reverse("acceptance:rule_delete", args=[low.pk]))
    assert response.status_code == 302
    assert draft.rules.filter(pk=low.pk).exists()
    page = client.get(response["Location"])
    assert b"cannot be changed" in page.content


def test_copy_page_makes_a_draft(client, manager):
    client.force_login(manager)
    medium = load_version(rule_set=RuleSet.objects.get(code="medium"))
    response = client.post(reverse("acceptance:version_copy", args=[medium.pk]))
    draft = RuleSetVersion.objects.get(rule_set__code="medium", status="draft")
    assert response["Location"] == reverse("acceptance:version_detail", args=[draft.pk])
    assert draft.rules.count() == medium.rules.count()
    assert client.get(reverse("acceptance:rule_set_list")).status_code == 200


def test_test_against_a_company_stores_nothing(client, manager, draft, bureau):
    customer = CustomerFactory(kvk_number="12345678", credit_limit=D("0"))
    bureau("12345678", score=40)
    bureau("87654321", score=90, name="Prospect B.V.")
    client.force_login(manager)
    url = reverse("acceptance:version_test", args=[draft.pk])
    response = client.get(url, {"company": customer.number, "channel": "counter"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Reject" in text and "Score below 50" in text and "score lt 50 → 40 ✓" in text
    response = client.get(url, {"company": "87654321", "channel": "api", "amount": "100"})
    text = response.content.decode()
    assert "Prospect B.V." in text and "Accept" in text and "5.000,00" in text or "5,000.00" in text
    response = client.get(url, {"company": "nobody at all", "channel": "api"})
    assert b"No single company matches" in response.content
    assert Decision.objects.count() == 0


def test_test_against_a_company_finds_a_prospect_by_name_as_the_counter_does(client, manager, draft, bureau):
    """A company the bureau knows and that is no customer is found by (part of) its name, as at the
    counter; a customer that matches comes first, and two companies that match are no answer."""
    bureau("87654321", score=90, name="Prospect Noord B.V.", city="Zwolle")
    bureau("87654322", score=30, name="Prospect Zuid B.V.")
    customer = CustomerFactory(name="Zuidwind Handel B.V.", kvk_number="12345678", credit_limit=D("0"))
    bureau("12345678", score=40, name="Zuidwind Bureaunaam")  # a customer's report: not a prospect
    client.force_login(manager)
    url = reverse("acceptance:version_test", args=[draft.pk])
    assert find_company("prospect  noord") == (None, "87654321")
    response = client.get(url, {"company": "prospect noord", "channel": "api"}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert "Prospect Noord B.V." in text and "87654321" in text and "Accept" in text
    assert "No single company matches" not in text
    assert "Score below 50" in client.get(url, {"company": "Prospect Zuid", "channel": "api"}).text
    assert find_company("Prospect") == (None, "")  # two of them
    assert b"No single company matches" in client.get(url, {"company": "prospect", "channel": "api"}).content
    client.cookies["django_language"] = "nl"
    dutch = client.get(url, {"company": "prospect", "channel": "api"}).text
    assert "Geen bedrijf, of meer dan één, komt overeen" in dutch and "preciezere naam" in dutch
    assert find_company("zuid") == (customer, "")  # the customer before the bureau's Prospect Zuid
    assert find_company("Bureaunaam") == (None, "")  # the customer's bureau name makes no prospect
    assert find_company(customer.number) == (customer, "") and find_company("12345678") == (customer, "")
    assert find_company("99999999") == (None, "99999999")  # unknown to the bureau: still a prospect
    assert Decision.objects.count() == 0


# --- simulation ------------------------------------------------------------------

START = date(2026, 3, 2)


def invoice(customer, number, *, issued, paid_after_due=None, amount="1000.00"):
    inv = ledger.post_invoice(
        customer=customer,
        number=number,
        issue_date=issued,
        due_date=issued + timedelta(days=30),
        amount=D(amount),
        by="test",
    )
    if paid_after_due is not None:
        payment = ledger.record_payment(
            customer=customer,
            amount=D(amount),
            value_date=inv.due_date + timedelta(days=paid_after_due),
            by="test",
        )
        ledger.allocate(invoice=inv, payment=payment, by="test")
    return inv


@pytest.fixture
def book(rule_set, draft, bureau):
    """A small book: five requests in March under an accept-all policy, and what happened after."""
    accept_all = create_draft_version(rule_set=rule_set, by="t")
    add_rule(
        version=accept_all,
        name="All",
        outcome=Outcome.ACCEPT,
        limit_kind="fixed",
        limit_amount=D("1000"),
        by="t",
        **reasons("ok"),
    )
    activate_version(version=accept_all, by="t")
    companies = {
        # name: score, events, customer?, invoice paid days after due (None: still open)
        "A": (80, [], True, 5),  # paid
        "B": (40, [], True, None),  # not paid
        "C": (30, [], True, 10),  # paid
        "P": (20, ["bankruptcy"], False, None),  # prospect, went bankrupt: not paid
        "Q": (45, [], False, None),  # prospect: not known
    }
    customers = {}
    for index, (name, (score, events, is_customer, _paid)) in enumerate(companies.items()):
        kvk = f"5000000{index}"
        bureau(kvk, score=score, negative_events=events, name=name)
        customers[name] = CustomerFactory(kvk_number=kvk, name=name) if is_customer else None
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 2, 10, 0)), tick=False):
        for name, (_score, _events, _c, _paid) in companies.items():
            kvk = f"5000000{list(companies).index(name)}"
            decision = decide(
                by="t", channel="api", customer=customers[name], registration_number=kvk, rule_set=rule_set
            )
    # Outside the period, and a manager's override: neither is a request of March.
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 5, 2, 10, 0)), tick=False):
        decide(by="t", channel="api", registration_number="50000003", rule_set=rule_set)
    for name, (_score, _events, is_customer, paid) in companies.items():
        if is_customer:
            invoice(customers[name], f"F-{name}", issued=START + timedelta(days=3), paid_after_due=paid)
    # An invoice before the request does not count for it.
    invoice(customers["A"], "F-A-old", issued=START - timedelta(days=60))
    return {"baseline": accept_all, "draft": draft, "decision": decision}


def test_simulation_counts_and_retro_analysis(book):
    result = simulate(
        draft=load_version(book["draft"].pk),
        baseline=load_version(book["baseline"].pk),
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        days=30,
        today=date(2026, 6, 1),
    )
    assert result.requests == 5
    base, draft = result.baseline, result.draft
    assert (base.accepted, base.referred, base.rejected) == (5, 0, 0)
    assert base.retro["accepted"] == {PAID: 2, NOT_PAID: 2, UNKNOWN: 1}
    assert base.limit_total == D("5000.00")
    assert (draft.accepted, draft.referred, draft.rejected) == (1, 0, 4)
    assert draft.retro["accepted"] == {PAID: 1, NOT_PAID: 0, UNKNOWN: 0}
    assert draft.retro["rejected"] == {PAID: 1, NOT_PAID: 2, UNKNOWN: 1}
    assert result.changed_count == 4
    assert sorted(c.company_name for c in result.changed) == ["B", "C", "P", "Q"]
    assert {c.company_name: c.behaviour for c in result.changed}["C"] == PAID


def test_simulation_stricter_grace(book):
    # With 7 days of grace, C (paid 10 days late) did not pay in time.
    result = simulate(
        draft=load_version(book["draft"].pk),
        baseline=load_version(book["baseline"].pk),
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        days=7,
        today=date(2026, 6, 1),
    )
    assert result.baseline.retro["accepted"] == {PAID: 1, NOT_PAID: 3, UNKNOWN: 1}


def test_simulation_leaves_out_overrides(rule_set, draft, bureau, manager):
    refer_all = create_draft_version(rule_set=rule_set, by="t")
    add_rule(version=refer_all, name="All", outcome=Outcome.REFER, by="t", **reasons("look"))
    activate_version(version=refer_all, by="t")
    bureau("50000009", score=90)
    referred = decide(by="t", channel="api", registration_number="50000009", rule_set=rule_set)
    override_decision(decision=referred, outcome=Outcome.ACCEPT, limit=D("100"), reason="known", by=manager)
    today = timezone.localdate()
    result = simulate(
        draft=load_version(draft.pk), baseline=load_version(refer_all.pk), start=today, end=today
    )
    assert result.requests == 1
    assert (result.baseline.referred, result.draft.accepted) == (1, 1)


def test_simulation_applies_the_checkpoint_policy_as_the_decision_did(rule_set, draft, bureau):
    """An order above the available credit was referred at the order checkpoint (block): the
    version in use, replayed, refers it too; under *warn* it would have been accepted."""
    from acceptance.models import Checkpoint

    accept_small = create_draft_version(rule_set=rule_set, by="t")
    add_rule(
        version=accept_small, name="All", outcome=Outcome.ACCEPT, limit_kind="fixed",
        limit_amount=D("1000"), by="t", **reasons("ok"),
    )  # fmt: skip
    activate_version(version=accept_small, by="t")
    bureau("50000011", score=90)
    customer = CustomerFactory(kvk_number="50000011")
    big = decide(by="t", channel="api", customer=customer, amount=D("5000"), rule_set=rule_set)
    small = decide(by="t", channel="api", customer=customer, amount=D("500"), rule_set=rule_set)
    assert (big.outcome, big.breach, small.outcome) == (Outcome.REFER, True, Outcome.ACCEPT)
    today = timezone.localdate()
    version = load_version(accept_small.pk)

    def replay():
        return simulate(draft=version, baseline=version, start=today, end=today).baseline

    assert (replay().accepted, replay().referred) == (1, 1)
    Checkpoint.objects.filter(code=Checkpoint.Code.ORDER).update(on_breach=Checkpoint.OnBreach.WARN)
    assert (replay().accepted, replay().referred) == (2, 0)


def test_simulation_page(client, manager, book, django_assert_max_num_queries):
    client.force_login(manager)
    url = reverse("acceptance:version_simulate", args=[book["draft"].pk])
    with django_assert_max_num_queries(20):
        response = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "days": "30"})
    assert response.status_code == 200
    text = response.content.decode()
    # Beside the version in use (medium), not the test's own accept-all.
    assert "5 requests from" in text and "Balanced v1 <small" in text
    assert "3 requests answered differently" in text
    assert "Rejected and would not have paid" in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_simulation_period_fills_the_date_inputs_in_both_languages(client, manager, draft, language):
    """A date input takes only YYYY-MM-DD: the default period comes up filled, in Dutch too (whose
    dates are typed day first) and when the form is sent back."""
    from django.conf import settings

    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = reverse("acceptance:version_simulate", args=[draft.pk])
    with time_machine.travel(date(2026, 3, 31), tick=False):
        text = client.get(url).content.decode()
    assert f'<html lang="{language}"' in text
    assert 'type="date" name="start" value="2025-12-31"' in text
    assert 'type="date" name="end" value="2026-03-31"' in text
    text = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "days": "30"}).content.decode()
    assert 'name="start" value="2026-03-01"' in text and 'name="end" value="2026-03-31"' in text


def test_simulation_period_reads_as_inclusive_in_dutch(client, manager, draft):
    """The period's last day counts: "Tot en met", not "Aan" (a letter's addressee) or "tot"."""
    from django.conf import settings

    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    url = reverse("acceptance:version_simulate", args=[draft.pk])
    text = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "days": "30"}).content.decode()
    assert "Tot en met" in text and "Aan <input" not in text
    assert "aanvragen van 1 maart 2026 tot en met 31 maart 2026" in text or (
        "aanvraag van 1 maart 2026 tot en met 31 maart 2026" in text
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get(url, {"start": "2026-03-01", "end": "2026-03-31", "days": "30"}).content.decode()
    assert "To <input" in text
