"""A Dutch controller reads in Dutch what the nightly worker wrote in English, and the other way round:
timeline entries and task titles are stored with their message and shown in the reader's language."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from acceptance import limits
from accounts import services
from accounts.models import Event, Task
from creditmgmt.texts import Text
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

DAY = timezone.localdate()
DUTCH_TITLE = f"Herzie de kredietlimiet (herzieningsdatum {DAY.day} "
ENGLISH_TITLE = "Review the credit limit (review date "


@pytest.fixture
def customer(controller):
    return CustomerFactory(name="Bakkerij De Vries", controller=controller, credit_limit=Decimal("5000"))


def pages(client, customer, language: str) -> dict[str, str]:
    return {
        name: client.get(url, HTTP_ACCEPT_LANGUAGE=language).text
        for name, url in {
            "360": reverse("accounts:customer_detail", args=[customer.pk]),
            "my tasks": reverse("accounts:task_list"),
            "worklist": reverse("dunning:worklist"),
        }.items()
    }


def test_a_dutch_controller_reads_in_dutch_what_the_daily_workflow_wrote_in_english(
    controller_client, customer, manager
):
    limits.set_credit_limit(
        customer=customer, amount=Decimal("8000"), reason="Groei", by=manager, review_on=DAY
    )
    with translation.override("en"):  # the worker's language
        assert limits.daily(today=DAY)["reviews"] == 1
    task = Task.objects.get(customer=customer)
    planned = Event.objects.get(customer=customer, verb="created", kind=Event.Kind.TASK)
    assert task.title.startswith(ENGLISH_TITLE) and "Task planned for" in planned.summary  # as written

    seen = pages(controller_client, customer, "nl")
    assert all(DUTCH_TITLE in page for page in seen.values()), "360, My tasks and the worklist speak Dutch"
    assert f"Taak gepland op {DAY.day} " in seen["360"]
    assert ENGLISH_TITLE not in seen["360"] + seen["my tasks"] + seen["worklist"]

    seen = pages(controller_client, customer, "en")
    assert all(ENGLISH_TITLE in page for page in seen.values())
    assert "Task planned for " in seen["360"]


def test_an_english_reader_reads_in_english_what_a_dutch_user_wrote(controller_client, customer, manager):
    with translation.override("nl"):  # the writer's language
        services.create_task(
            customer=customer,
            title=Text(gettext_noop("Review the credit limit (review date %(date)s)"), date=date(2026, 3, 2)),
            due_date=DAY,
            by=manager,
        )
    task = Task.objects.get(customer=customer)
    assert task.title == "Herzie de kredietlimiet (herzieningsdatum 2 maart 2026)"  # stored as written

    seen = pages(controller_client, customer, "en")
    assert "Review the credit limit (review date 2 March 2026)" in seen["360"]
    assert "Review the credit limit (review date 2 March 2026)" in seen["my tasks"]
    assert "Task planned for " in seen["360"] and "Taak gepland" not in seen["360"]


def test_typed_titles_and_notes_show_as_written_in_every_language(controller_client, customer, controller):
    with translation.override("nl"):
        services.create_task(
            customer=customer, title="Bel Petra over de levering", due_date=DAY, by=controller
        )
        services.add_note(customer=customer, text="Belt vrijdag terug", by=controller)
    seen = pages(controller_client, customer, "en")
    assert "Bel Petra over de levering" in seen["my tasks"]
    assert "Belt vrijdag terug" in seen["360"]


def test_the_360_page_renders_texts_without_extra_queries(
    controller_client, customer, manager, django_assert_max_num_queries
):
    url = reverse("accounts:customer_detail", args=[customer.pk])
    controller_client.get(url)
    with django_assert_max_num_queries(23):  # as tests/accounts/test_views.py allows for the 360 page
        controller_client.get(url, HTTP_ACCEPT_LANGUAGE="nl")
    for n in range(5):
        limits.set_credit_limit(
            customer=customer, amount=Decimal(9000 + n), reason="x", by=manager, review_on=DAY
        )
        services.create_task(
            customer=customer,
            title=Text(gettext_noop("Review the credit limit (review date %(date)s)"), date=DAY),
            due_date=DAY,
            by="system: daily run",
        )
    with django_assert_max_num_queries(23):
        page = controller_client.get(url, HTTP_ACCEPT_LANGUAGE="nl").text
    assert page.count(DUTCH_TITLE) >= 5


def test_a_delivery_block_set_by_a_job_reads_in_the_readers_language(controller_client, customer):
    with translation.override("nl"):  # the worker's language
        services.set_delivery_block(
            customer=customer,
            blocked=True,
            reason=Text(gettext_noop("Delivery block set: %(reason)s"), reason="limit"),
            by="system: daily run",
        )
    customer.refresh_from_db()
    assert customer.delivery_block_reason == "Leverstop ingesteld: limit"  # stored as written
    detail = reverse("accounts:customer_detail", args=[customer.pk])
    listing = reverse("accounts:customer_list")
    english = controller_client.get(detail, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Delivery block: Delivery block set: limit" in " ".join(english.split())
    in_the_list = controller_client.get(listing, HTTP_ACCEPT_LANGUAGE="en").text
    assert 'title="Delivery block set: limit"' in in_the_list
    dutch = controller_client.get(detail, HTTP_ACCEPT_LANGUAGE="nl").text
    assert "Leverstop ingesteld: limit" in dutch

    services.set_delivery_block(customer=customer, blocked=False, reason="", by="system: daily run")
    customer.refresh_from_db()
    assert (customer.delivery_block_reason, customer.delivery_block_reason_msgid) == ("", "")
