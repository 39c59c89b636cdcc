from decimal import Decimal

import pytest
from django.urls import reverse

from acceptance.models import Channel, Decision
from creditmgmt.models import Role
from tests.creditmgmt.test_access import EXPECTED
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def companies(bureau, controller):
    green = CustomerFactory(
        name="Groen Bouw BV",
        number="C100",
        kvk_number="11111111",
        postal_code="3511 AB",
        controller=controller,
        open_amount=Decimal("4321.00"),
    )
    orange = CustomerFactory(
        name="Oranje Handel BV", number="C200", kvk_number="22222222", controller=controller
    )
    red = CustomerFactory(
        name="Rood Transport BV", number="C300", kvk_number="33333333", controller=controller
    )
    bureau("11111111")
    bureau("33333333", negative_events=["bankruptcy"])  # orange: unknown to the bureau, no history
    bureau("77777777", name="Groen Nieuw BV", recommended_limit=Decimal("8000"))  # a prospect
    return {"green": green, "orange": orange, "red": red}


@pytest.fixture
def clerk(client, counter_clerk):
    client.force_login(counter_clerk)
    return client


def test_the_counter_role_reaches_the_lookup_and_nothing_else(clerk):
    reachable = {name for name, roles in EXPECTED.items() if Role.COUNTER in roles}
    assert reachable == {
        "home",
        "acceptance:counter",
        "acceptance:counter_decide",
        "acceptance:release_request",  # from an orange or red answer
        "acceptance:release_status",  # the credit department's answer to it
    }
    assert clerk.get(reverse("home"))["Location"] == reverse("acceptance:counter")
    page = clerk.get(reverse("acceptance:counter"))
    items = [item for group in page.context["nav_groups"] for item in group["items"]]
    assert [str(item["label"]) for item in items] == ["Counter lookup"]
    for name in ("accounts:customer_list", "accounts:task_list", "acceptance:decision_list"):
        assert clerk.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("groen", ["Groen Bouw BV", "Groen Nieuw BV"]),
        ("11111111", ["Groen Bouw BV"]),
        ("C200", ["Oranje Handel BV"]),
        ("3511ab", ["Groen Bouw BV"]),
        ("3511 AB", ["Groen Bouw BV"]),
        ("77777777", ["Groen Nieuw BV"]),
        ("x", []),
    ],
)
def test_live_search_by_name_kvk_number_or_postcode(clerk, companies, text, names, django_assert_num_queries):
    # session, user, customers, bureau companies (nothing is searched for less than two characters)
    with django_assert_num_queries(4 if len(text) > 1 else 2):
        response = clerk.get(reverse("acceptance:counter"), {"q": text}, HTTP_HX_TARGET="results", **HTMX)
    assert [hit.name for hit in response.context["hits"]] == names
    assert "<html" not in response.text  # the partial only
    assert "4.321" not in response.text and "4,321" not in response.text  # nothing of the ledger


def test_full_page_search_works_without_javascript(clerk, companies):
    response = clerk.get(reverse("acceptance:counter"), {"q": "rood"})
    assert "<html" in response.text and "Rood Transport BV" in response.text
    assert 'name="customer"' in response.text and "hx-post=" in response.text


@pytest.mark.parametrize(
    ("key", "colour", "text"),
    [
        ("green", "green", "Deliver on account up to €5,678.00"),
        ("orange", "orange", "Only with prepayment, ask the credit department"),
        ("red", "red", "Cash or card only"),
    ],
)
def test_the_answer_card(clerk, counter_clerk, companies, key, colour, text, django_assert_num_queries):
    customer = companies[key]
    if key == "green":
        customer.credit_limit = Decimal("10000.00")
        customer.save()
        from accounts import services as ledger

        ledger.post_invoice(
            customer=customer,
            number="F-1",
            issue_date=customer.created_at.date(),
            amount=Decimal("4322.00"),
            by="test",
        )
    response = clerk.post(
        reverse("acceptance:counter_decide"), {"customer": customer.pk}, HTTP_HX_TARGET="answer", **HTMX
    )
    assert response.status_code == 200
    assert f'data-outcome="{colour}"' in response.text
    assert text in " ".join(response.text.split())
    for secret in ("10,000", "4,322", "reason", "score"):
        assert secret not in response.text  # nothing more about the customer's finances
    decision = Decision.objects.get()
    assert (decision.channel, decision.requester, decision.customer) == (
        Channel.COUNTER,
        counter_clerk,
        customer,
    )


def test_a_prospect_gets_an_answer_too(clerk, companies):
    response = clerk.post(reverse("acceptance:counter_decide"), {"registration": "77777777"})
    assert "<html" in response.text  # without htmx: the whole page
    assert "Deliver on account up to €6,000.00" in " ".join(response.text.split())
    assert Decision.objects.get().customer is None


def test_answer_query_count(clerk, companies, django_assert_num_queries, django_assert_max_num_queries):
    answer = reverse("acceptance:counter_decide")
    # The first answer of a process also reads the active rules (3 queries, then cached) and,
    # unless an earlier test did, the timeline's ContentType.
    with django_assert_max_num_queries(13):
        clerk.post(answer, {"customer": companies["red"].pk}, HTTP_HX_TARGET="answer", **HTMX)
    # session, user, customer; bureau 1; the ledger with the group's exposure, dunning's promises
    # and open disputes and the active version 1; the decision and its event
    with django_assert_num_queries(7):
        clerk.post(answer, {"customer": companies["green"].pk}, HTTP_HX_TARGET="answer", **HTMX)


@pytest.mark.parametrize("data", [{}, {"customer": "1", "registration": "12345678"}, {"registration": "12"}])
def test_a_bad_pick_says_so_and_decides_nothing(clerk, data):
    response = clerk.post(reverse("acceptance:counter_decide"), data, HTTP_HX_TARGET="answer", **HTMX)
    assert response.status_code == 200 and "answer-none" in response.text
    assert not Decision.objects.exists()


def test_an_unknown_customer_is_404(clerk):
    assert clerk.post(reverse("acceptance:counter_decide"), {"customer": 999999}).status_code == 404


def test_controllers_do_not_use_the_counter_screen(controller_client):
    assert controller_client.get(reverse("acceptance:counter")).status_code == 403
    assert controller_client.post(reverse("acceptance:counter_decide"), {}).status_code == 403
