"""Release requests: the clerk asks from an orange or red answer, the controller answers, the clerk sees."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from acceptance.models import ReleaseRequest
from accounts.models import Event, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def red(bureau, controller):
    customer = CustomerFactory(name="Rood Transport BV", kvk_number="33333333", controller=controller)
    bureau("33333333", negative_events=["bankruptcy"])
    return customer


@pytest.fixture
def green(bureau, controller):
    customer = CustomerFactory(name="Groen Bouw BV", kvk_number="11111111", controller=controller)
    bureau("11111111")
    return customer


def counter_answer(client, customer):
    response = client.post(
        reverse("acceptance:counter_decide"), {"customer": customer.pk}, HTTP_HX_TARGET="answer", **HTMX
    )
    return response


def test_release_round_trip(client, counter_clerk, controller, red, django_assert_max_num_queries):
    client.force_login(counter_clerk)
    answer = counter_answer(client, red)
    assert 'data-outcome="red"' in answer.text and "Ask the credit department for a release" in answer.text
    decision = red.decisions.get()
    response = client.post(
        reverse("acceptance:release_request"),
        {"decision": decision.pk, "amount": "850.00", "note": "Regular customer, pays tomorrow"},
        **HTMX,
    )
    assert response.status_code == 200 and "<html" not in response.text
    release = ReleaseRequest.objects.get()
    status_url = reverse("acceptance:release_status", args=[release.pk])
    assert "Waiting for the credit department" in response.text
    assert f'hx-get="{status_url}"' in response.text and 'hx-trigger="every 5s"' in response.text
    # Asking again for the same answer adds nothing.
    client.post(reverse("acceptance:release_request"), {"decision": decision.pk}, **HTMX)
    task = Task.objects.get(kind=Task.Kind.APPROVAL)
    assert ReleaseRequest.objects.count() == 1
    assert task.assignee == controller and task.customer == red and "850" in task.title
    # The controller answers from the list of requests.
    client.force_login(controller)
    page = client.get(reverse("acceptance:release_list"))
    assert "Rood Transport BV" in page.text and "Regular customer" in page.text
    client.post(
        reverse("acceptance:release_answer", args=[release.pk]),
        {"release": "yes", "amount": "850.00", "answer": "OK, once"},
    )
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert Event.objects.filter(customer=red, verb="released").exists()
    # The clerk's screen polls and shows the answer, and stops polling.
    client.force_login(counter_clerk)
    with django_assert_max_num_queries(4):
        status = client.get(status_url, **HTMX)
    assert "Released: deliver on account up to €850.00" in status.text and "OK, once" in status.text
    assert "hx-trigger" not in status.text
    # A second answer is refused.
    client.force_login(controller)
    client.post(reverse("acceptance:release_answer", args=[release.pk]), {"release": "no", "answer": "No"})
    release.refresh_from_db()
    assert release.status == ReleaseRequest.Status.RELEASED
    # The answered list says what each column is and leads to the customer.
    answered = client.get(reverse("acceptance:release_list")).text.split("Answered", 1)[1]
    assert "<th>Outcome</th>" in answered and "<th>By</th>" in answered
    assert f'href="{red.get_absolute_url()}"' in answered and "OK, once" in answered


def test_refusal_needs_a_reason_and_shows_red(client, counter_clerk, controller, red):
    client.force_login(counter_clerk)
    counter_answer(client, red)
    client.post(reverse("acceptance:release_request"), {"decision": red.decisions.get().pk}, **HTMX)
    release = ReleaseRequest.objects.get()
    client.force_login(controller)
    client.post(reverse("acceptance:release_answer", args=[release.pk]), {"release": "no", "answer": ""})
    release.refresh_from_db()
    assert release.status == ReleaseRequest.Status.PENDING
    client.post(
        reverse("acceptance:release_answer", args=[release.pk]), {"release": "no", "answer": "Bankrupt"}
    )
    client.force_login(counter_clerk)
    status = client.get(reverse("acceptance:release_status", args=[release.pk]), **HTMX)
    assert "Not released: cash or card only" in status.text and "Bankrupt" in status.text


def test_green_answers_and_other_clerks(client, counter_clerk, green, red):
    from acceptance.services import decide

    client.force_login(counter_clerk)
    answer = counter_answer(client, green)
    assert "Ask the credit department" not in answer.text
    response = client.post(
        reverse("acceptance:release_request"), {"decision": green.decisions.get().pk}, **HTMX
    )
    assert "already allows delivery on account" in response.text
    # Another clerk's answer is not this clerk's to release, nor to watch.
    other = decide(by="someone", channel="counter", customer=red)
    assert (
        client.post(reverse("acceptance:release_request"), {"decision": other.pk}, **HTMX).status_code == 404
    )
    assert ReleaseRequest.objects.count() == 0


def test_only_a_customers_answer(counter_clerk, bureau):
    from acceptance.releases import request_release
    from acceptance.services import decide

    bureau("90000006", negative_events=["bankruptcy"])
    decision = decide(by=counter_clerk, channel="counter", registration_number="90000006")
    with pytest.raises(ValidationError, match="applies for credit"):
        request_release(decision=decision, by=counter_clerk, amount=Decimal("10"))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_answer_form_starts_at_the_asked_amount_in_both_languages(
    client, counter_clerk, controller, red, language
):
    """The amount box is an <input type=number>: a Dutch "1.500,50" is a value the browser drops."""
    from django.conf import settings

    from acceptance.releases import request_release

    client.force_login(counter_clerk)
    counter_answer(client, red)
    decision = red.decisions.get()
    request_release(decision=decision, by=counter_clerk, amount=Decimal("1500.50"))
    client.force_login(controller)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("acceptance:release_list")).text
    assert f'<html lang="{language}"' in page
    assert 'value="1500.50"' in page
