"""Portal forms as a demanding customer uses them: every mistake gets a message at its field and
nothing typed is lost; a double submit does not turn a success into an error."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Invoice
from tests.dunning.conftest import DAY, post
from tests.dunning.portal_helpers import link_path, token_of
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def on_day():
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=AMS), tick=False):
        yield


@pytest.fixture
def customer(controller):
    customer = CustomerFactory(name="Bakkerij De Vries", number="C1", controller=controller, language="en")
    ContactFactory(customer=customer, name="Petra Smit", email="petra@devries.example", is_primary=True)
    post(customer, "F-1", 12, amount="100.00")
    post(customer, "F-2", 40, amount="250.00")
    return customer


@pytest.fixture
def token(customer):
    return token_of(link_path(customer))


def field_errors(html: str, field: str) -> str:
    """The text of the field's own error list (the one right after its input)."""
    match = re.search(rf'id="id_{field}".*?(<ul class="errorlist[^>]*>.*?</ul>)', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_a_plan_note_too_long_is_said_at_the_note_and_kept(client, token):
    f1 = Invoice.objects.get(number="F-1")
    note = "We had a flood in the warehouse. " * 20  # 660 characters; at most 500
    response = client.post(
        reverse("portal:plan", args=[token]),
        {"invoices": [f1.pk], "count": 3, "first_date": (DAY + timedelta(days=10)).isoformat(), "note": note},
    )
    assert response.status_code == 200
    assert "at most 500 characters" in field_errors(response.text, "note")
    assert note.strip() in response.text


def test_long_texts_are_not_cut_silently_by_the_browser(client, token):
    """A textarea's maxlength makes the browser drop what is pasted past it, without a word;
    the server says how long it may be instead, and keeps the text."""
    for name in ("plan", "dispute"):
        page = client.get(reverse(f"portal:{name}", args=[token]))
        textarea = re.search(r"<textarea[^>]*>", page.text).group(0)
        assert "maxlength" not in textarea, name
