"""Credit application for a prospect: KvK check, bureau report, decision, a customer on acceptance."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from acceptance.models import CreditTerms, Decision, Outcome
from acceptance.services import override_decision
from accounts.models import Customer, Event, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(
    ("kvk", "report", "outcome", "creates"),
    [
        (
            "9000.0001",
            {"score": 80, "recommended_limit": D("20000"), "city": "Ede"},
            Outcome.ACCEPT,
            "active",
        ),
        ("90000002", {"score": 10}, Outcome.REJECT, None),
        ("90000003", {"negative_events": ["bankruptcy"]}, Outcome.REJECT, None),
        ("90000004", None, Outcome.REFER, "prospect"),  # unknown to the bureau: a person decides
    ],
)
def test_application(client, sales_rep, bureau, kvk, report, outcome, creates):
    number = kvk.replace(".", "")
    if report is not None:
        bureau(number, name=f"Applicant {number}", **report)
    client.force_login(sales_rep)
    response = client.post(
        reverse("acceptance:credit_application"),
        {"registration_number": kvk, "name": "Typed Name B.V.", "amount": "1000"},
    )
    assert response.status_code == 200
    decision = Decision.objects.get()
    assert (decision.outcome, decision.channel, decision.registration_number) == (outcome, "sales", number)
    assert f'data-outcome="{outcome}"' in response.text
    customer = Customer.objects.filter(kvk_number=number).first()
    assert (customer.status if customer else None) == creates
    if creates == "active":
        assert customer.name == f"Applicant {number}" and customer.city == "Ede"
        assert customer.credit_limit == D("15000.00")  # 75% of the recommended 20,000
        assert customer.risk_class == "low" and customer.status == "active"
        assert CreditTerms.objects.get(customer=customer).review_on is not None
        assert Event.objects.filter(customer=customer, verb="application_accepted").exists()
        assert customer.number in response.text
        assert customer.account_manager == sales_rep  # the rep who brought the customer in


def test_a_referred_application_keeps_the_typed_name(client, controller, manager, bureau):
    """The bureau does not know the company: the decision, its answer and the manager's decision log
    name it as typed, not by its KvK number alone; a manager's override keeps that name."""
    client.force_login(controller)
    response = client.post(
        reverse("acceptance:credit_application"),
        {"registration_number": "9300 0001", "name": "Bakkerij Nieuw B.V.", "amount": "500"},
    )
    decision = Decision.objects.get()
    assert (decision.outcome, decision.company_name, decision.registration_number) == (
        Outcome.REFER,
        "Bakkerij Nieuw B.V.",
        "93000001",
    )
    assert "<h2>Bakkerij Nieuw B.V. <span" in response.text
    prospect = Customer.objects.get()  # for the review task
    assert (prospect.status, prospect.name, prospect.kvk_number) == (
        "prospect",
        "Bakkerij Nieuw B.V.",
        "93000001",
    )
    client.force_login(manager)
    log = client.get(reverse("acceptance:decision_list")).text
    assert f'<a href="{prospect.get_absolute_url()}">Bakkerij Nieuw B.V.</a>' in log
    new = override_decision(decision=decision, outcome=Outcome.REJECT, limit=D("0"), reason="No", by=manager)
    assert new.company_name == "Bakkerij Nieuw B.V."


def test_bad_kvk_and_existing_customer(client, controller, bureau):
    client.force_login(controller)
    response = client.post(reverse("acceptance:credit_application"), {"registration_number": "1234"})
    assert "exactly 8 digits" in response.text
    # The message sits in its field's box: an error list inside a <p> closed it, and in the form's
    # grid the message fell into the next cell, under another field.
    box = r'<div class="field"><label for="id_registration_number">.*?</div>'
    field = re.search(box, response.text, re.S)
    assert field and "exactly 8 digits" in field.group(0)
    CustomerFactory(kvk_number="12345678", name="Bestaand B.V.")
    response = client.post(reverse("acceptance:credit_application"), {"registration_number": "12345678"})
    assert "is already a customer" in response.text
    response = client.post(
        reverse("acceptance:credit_application"), {"registration_number": "87654321", "vat_number": "NL123"}
    )
    assert "not a valid EU VAT number" in response.text
    assert Decision.objects.count() == 0


def test_controller_applicant_gets_the_controller(client, controller, bureau):
    bureau("91000001", score=85)
    client.force_login(controller)
    client.post(reverse("acceptance:credit_application"), {"registration_number": "91000001"})
    assert Customer.objects.get(kvk_number="91000001").controller == controller


def test_a_prospect_with_an_account_manager_keeps_them(client, sales_rep, bureau):
    from creditmgmt.models import Role
    from creditmgmt.services import create_user

    lisa = create_user(username="lisa.sales", role=Role.SALES)
    theirs = CustomerFactory(kvk_number="92000001", status="prospect", account_manager=lisa)
    mine = CustomerFactory(kvk_number="92000002", status="prospect")
    bureau("92000001", score=85)
    bureau("92000002", score=85)
    client.force_login(sales_rep)
    for kvk in ("92000001", "92000002"):
        client.post(reverse("acceptance:credit_application"), {"registration_number": kvk})
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert (theirs.status, theirs.account_manager) == ("active", lisa)
    assert (mine.status, mine.account_manager) == ("active", sales_rep)
    assert Event.objects.filter(customer=mine, verb="account_manager_changed").exists()


def test_dutch_form_asks_to_apply_and_says_what_is_wrong_with_a_vat_number_in_dutch(client, sales_rep):
    """The button is "Aanvragen" here (not the filter's "Toepassen"), and the VAT checker's reason is
    Dutch too, not python-stdnum's English."""
    client.force_login(sales_rep)
    client.cookies["django_language"] = "nl"
    page = client.get(reverse("acceptance:credit_application")).text
    assert ">Aanvragen</button>" in page and "Toepassen" not in page
    response = client.post(
        reverse("acceptance:credit_application"), {"registration_number": "12345678", "vat_number": "NL123"}
    )
    assert "NL123 is geen geldig EU-btw-nummer" in response.text
    assert "The number has an invalid format" not in response.text


@pytest.mark.parametrize("applicant", ["controller", "sales_rep"])
def test_a_referred_application_of_an_unknown_company_gets_a_prospect_and_one_review_task(
    client, bureau, request, applicant
):
    """The referral is on a worklist, not only in the decision log: the company becomes a prospect, the
    decision is its, and the review task goes to its controller (the applicant if a controller, else
    nobody yet, as other tasks of a customer without a controller). Applying again reuses both."""
    user = request.getfixturevalue(applicant)
    client.force_login(user)
    for amount in ("500", "800"):
        response = client.post(
            reverse("acceptance:credit_application"),
            {"registration_number": "94000001", "name": "Nieuw Hout B.V.", "amount": amount},
        )
        assert 'data-outcome="refer"' in response.text
    prospect = Customer.objects.get()
    assert (prospect.status, prospect.name, prospect.number, prospect.credit_limit) == (
        Customer.Status.PROSPECT,
        "Nieuw Hout B.V.",
        "N000001",
        D("0.00"),
    )
    first, second = Decision.objects.order_by("pk")
    assert first.customer == second.customer == prospect
    assert first.outcome == second.outcome == Outcome.REFER
    # The first decision judged the company as before, without a customer record.
    assert (first.features["is_customer"], first.features["credit_limit"]) == (False, None)
    assert second.features["is_customer"] is False
    assert (
        "a task to review the decision" in response.text and ">Nieuw Hout B.V. (N000001)</a>" in response.text
    )
    task = Task.objects.get(customer=prospect)  # one open review task for both referrals
    assert (task.kind, task.status) == (Task.Kind.REVIEW, Task.Status.OPEN)
    assert task.assignee == (user if applicant == "controller" else None)
    assert not Event.objects.filter(customer=prospect, verb="application_accepted").exists()
