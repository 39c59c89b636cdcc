from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from acceptance.applications import apply_for_credit
from acceptance.models import Channel, CreditTerms, Decision, Outcome
from acceptance.services import decide, override_decision
from accounts.models import Customer, Event, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def referred(controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("5000.00"), open_amount=D("1000.00"))
    decision = decide(by="api: webshop", channel=Channel.WEBSHOP, customer=customer)  # unknown to the bureau
    assert decision.outcome == Outcome.REFER
    return decision


def test_a_manager_overrides_a_referral_with_a_reason(referred, manager):
    new = override_decision(
        decision=referred, outcome=Outcome.ACCEPT, limit=D("8000.00"), reason="Known for years.", by=manager
    )
    assert (new.outcome, new.limit, new.available) == (Outcome.ACCEPT, D("5000.00"), D("4000.00"))
    assert (new.overrides, new.requester, new.reasons_en) == (referred, manager, ["Known for years."])
    assert new.version == referred.version and new.features == referred.features
    referred.refresh_from_db()
    assert referred.outcome == Outcome.REFER  # the original is kept as it was
    task = Task.objects.get(customer=referred.customer)
    assert (task.status, task.completed_by) == (Task.Status.DONE, manager)
    assert Event.objects.filter(customer=referred.customer, verb="overridden").exists()


@pytest.mark.parametrize(
    ("outcome", "limit", "reason", "message"),
    [
        (Outcome.REFER, D("0"), "x", "accept or reject"),
        (Outcome.ACCEPT, D("10"), "  ", "why"),
        (Outcome.REJECT, D("10"), "x", "zero for a rejection"),
        (Outcome.ACCEPT, D("-1"), "x", "zero or more"),
    ],
)
def test_bad_overrides_are_refused(referred, manager, outcome, limit, reason, message):
    with pytest.raises(ValidationError, match=message):
        override_decision(decision=referred, outcome=outcome, limit=limit, reason=reason, by=manager)
    assert Decision.objects.count() == 1


def test_only_once_only_referrals_only_managers(referred, manager, controller, bureau):
    with pytest.raises(ValidationError, match="credit manager"):
        override_decision(decision=referred, outcome=Outcome.REJECT, limit=D("0"), reason="x", by=controller)
    new = override_decision(decision=referred, outcome=Outcome.REJECT, limit=D("0"), reason="No.", by=manager)
    with pytest.raises(ValidationError, match="already been overridden"):
        override_decision(decision=referred, outcome=Outcome.ACCEPT, limit=D("1"), reason="Yes.", by=manager)
    with pytest.raises(ValidationError, match="Only a referred decision"):
        override_decision(decision=new, outcome=Outcome.ACCEPT, limit=D("1"), reason="Yes.", by=manager)


def test_override_from_the_decision_log(client, manager, referred, django_assert_num_queries):
    client.force_login(manager)
    page = client.get(reverse("acceptance:decision_list"))
    assert 'name="reason"' in page.text
    url = reverse("acceptance:decision_override")
    response = client.post(
        url, {"decision": referred.pk, "outcome": "accept", "limit": "2500", "reason": "Ok."}
    )
    assert response.status_code == 302
    assert Decision.objects.get(overrides=referred).limit == D("2500.00")
    # session, user, count, page (overrides joined in), the versions' rule names
    with django_assert_num_queries(5):
        page = client.get(reverse("acceptance:decision_list"))
    assert f"Overridden by decision no. {referred.overridden_by.pk}" in page.text
    again = client.post(url, {"decision": referred.pk, "outcome": "reject", "reason": "No."}, follow=True)
    assert "already been overridden" in again.text
    bad = client.post(url, {"decision": referred.pk}, follow=True)
    assert "give a reason" in bad.text


@pytest.fixture
def referred_application(controller, bureau):
    """A credit application the bureau cannot judge: referred, with a prospect and its review task."""
    application = apply_for_credit(
        registration_number="95000001", name="Nieuw Staal B.V.", amount=D("3000"), by=controller
    )
    assert application.decision.outcome == Outcome.REFER
    assert application.decision.customer.status == Customer.Status.PROSPECT
    return application.decision


def test_accepting_a_referred_application_makes_the_prospect_a_customer(referred_application, manager):
    prospect = referred_application.customer
    new = override_decision(
        decision=referred_application,
        outcome=Outcome.ACCEPT,
        limit=D("2500.00"),
        reason="Visited them.",
        by=manager,
    )
    prospect.refresh_from_db()
    assert (prospect.status, prospect.credit_limit, prospect.payment_terms_days, prospect.risk_class) == (
        Customer.Status.ACTIVE,
        D("2500.00"),
        30,  # the override sets no terms: the application's default
        Customer.RiskClass.UNKNOWN,  # no bureau report
    )
    assert CreditTerms.objects.get(customer=prospect).review_on is not None
    accepted = Event.objects.get(customer=prospect, verb="application_accepted")
    assert (accepted.data["decision"], accepted.actor) == (new.pk, manager)
    assert Task.objects.get(customer=prospect).status == Task.Status.DONE


def test_rejecting_a_referred_application_leaves_a_prospect(referred_application, manager):
    prospect = referred_application.customer
    override_decision(
        decision=referred_application, outcome=Outcome.REJECT, limit=D("0"), reason="No.", by=manager
    )
    prospect.refresh_from_db()
    assert (prospect.status, prospect.credit_limit) == (Customer.Status.PROSPECT, D("0.00"))
    assert not Event.objects.filter(customer=prospect, verb="application_accepted").exists()
    assert Task.objects.get(customer=prospect).status == Task.Status.DONE


def test_accepting_another_channels_referral_of_a_prospect_is_no_application(manager):
    """Only a credit application (channel sales) is completed by an override; a webshop order of a
    prospect that a manager accepts leaves its status as it was."""
    prospect = CustomerFactory(kvk_number="95000002", status=Customer.Status.PROSPECT)
    decision = decide(by="api: webshop", channel=Channel.WEBSHOP, customer=prospect)
    assert decision.outcome == Outcome.REFER
    override_decision(decision=decision, outcome=Outcome.ACCEPT, limit=D("100"), reason="Ok.", by=manager)
    prospect.refresh_from_db()
    assert prospect.status == Customer.Status.PROSPECT
