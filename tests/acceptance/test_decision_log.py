from decimal import Decimal

import pytest
from django.urls import reverse

from acceptance.models import Channel
from acceptance.services import decide
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def decisions(bureau, controller):
    made = []
    for index in range(6):
        customer = CustomerFactory(controller=controller)
        bureau(customer.kvk_number, score=10 if index % 2 else 80)
        made.append(
            decide(by=controller, channel=Channel.API if index % 3 else Channel.COUNTER, customer=customer)
        )
    made.append(decide(by="api: webshop", channel=Channel.WEBSHOP, registration_number="12121212"))
    return made


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_managers_see_every_decision_with_its_reasons(manager_client, decisions, django_assert_num_queries):
    # session, user, count, page with customers, requesters, versions; the versions' rule names
    with django_assert_num_queries(5):
        page = manager_client.get(reverse("acceptance:decision_list"))
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 7
    assert "Bureau score below 25." in page.text and "Rules evaluated" in page.text
    assert "api: webshop" in page.text


def test_the_filter_returns_the_partial(manager_client, decisions):
    response = manager_client.get(
        reverse("acceptance:decision_list"), {"outcome": "reject"}, HTTP_HX_TARGET="results", **HTMX
    )
    assert "<html" not in response.text
    assert {d.outcome for d in response.context["page"].object_list} == {"reject"}
    assert len(response.context["page"].object_list) == 3


def test_dutch_reasons_in_dutch(manager_client, decisions):
    manager_client.cookies["django_language"] = "nl"
    page = manager_client.get(reverse("acceptance:decision_list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Bureauscore lager dan 25." in page.text


def test_only_managers(controller_client, decisions):
    assert controller_client.get(reverse("acceptance:decision_list")).status_code == 403


def test_the_360_shows_the_latest_decision_and_available_credit(
    controller_client, decisions, django_assert_num_queries
):
    customer = decisions[0].customer
    customer.open_amount = Decimal("1500.00")
    customer.save()
    page = controller_client.get(customer.get_absolute_url())
    assert page.status_code == 200
    assert 'id="acceptance-panel"' in page.text
    url = reverse("acceptance:customer_decision", args=[customer.pk])
    assert f'hx-get="{url}"' in page.text and f'href="{url}"' in page.text
    # session, user, customer, latest decision, group exposure with limit, credit terms
    with django_assert_num_queries(6):
        part = controller_client.get(url, HTTP_HX_TARGET="latest-decision", **HTMX)
    assert "<html" not in part.text and "Good bureau score" in part.text
    assert "€8,500.00" in part.text  # limit 10,000 minus 1,500 open
    assert "Change the credit limit" not in part.text  # a manager's page
    assert "<html" in controller_client.get(url).text


def test_the_latest_decision_is_for_ledger_readers(client, counter_clerk, decisions):
    client.force_login(counter_clerk)
    url = reverse("acceptance:customer_decision", args=[decisions[0].customer.pk])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        (
            "nl",
            ["probability_of_default gt 8 → 3,75 ✗", "bureau_known is_false → ja ✗", "→ ontbreekt ✗"],
            ["3.75", "→ False", "→ ?"],
        ),
        (
            "en",
            ["probability_of_default gt 8 → 3.75 ✗", "bureau_known is_false → yes ✗", "→ missing ✗"],
            ["3,75", "→ False", "→ ?"],
        ),
    ],
)
def test_the_actual_values_read_in_the_users_language_in_the_log_and_the_test(
    client, manager, bureau, language, shown, not_shown
):
    """The log reads the stored snapshot (numbers as text, JSON true/false), the editor's test the live
    values (Decimal, bool): both say 3,75 / nee / ontbreekt in Dutch, 3.75 / no / missing in English."""
    from acceptance.services import active_version

    customer = CustomerFactory(kvk_number="45454545")
    bureau("45454545", probability_of_default=Decimal("3.75"))
    decide(by=manager, channel=Channel.COUNTER, customer=customer)
    client.force_login(manager)
    client.cookies["django_language"] = language
    log = client.get(reverse("acceptance:decision_list")).text
    test = client.get(
        reverse("acceptance:version_test", args=[active_version().pk]),
        {"company": customer.number, "channel": "counter"},
        **HTMX,
    ).text
    for page in (log, test):
        for text in shown:
            assert text in page
        for text in not_shown:
            assert text not in page
