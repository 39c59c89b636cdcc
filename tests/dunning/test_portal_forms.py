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


# --- dispute ---------------------------------------------------------------------------


def reasons():
    from dunning.models import DisputeReason

    return {r.code: r for r in DisputeReason.objects.active()}


def test_a_dispute_starts_without_a_reason_and_a_missing_one_is_said_at_the_field(client, token):
    """No reason is chosen for the customer: an untouched list used to file every such dispute as "Price"."""
    from dunning.models import Dispute

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:dispute", args=[token])
    page = client.get(url, {"invoice": f1.pk})
    select = re.search(r'<select name="reason".*?</select>', page.text, re.S).group(0)
    assert '<option value="" selected>Choose what is wrong</option>' in select
    said = "The price is not what we agreed."
    response = client.post(url, {"invoice": f1.pk, "reason": "", "message": said})
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "This field is required." in field_errors(response.text, "reason")
    assert said in response.text
    assert f'<option value="{f1.pk}" selected>' in response.text


def test_other_needs_a_few_words_said_at_the_text(client, token):
    from dunning.models import Dispute

    f1 = Invoice.objects.get(number="F-1")
    response = client.post(
        reverse("portal:dispute", args=[token]),
        {"invoice": f1.pk, "reason": reasons()["other"].pk, "message": "   "},
    )
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "Tell us what is wrong" in field_errors(response.text, "message")


def test_a_wrong_attachment_is_said_at_the_attachment_and_the_text_is_kept(client, token):
    from django.core.files.uploadedfile import SimpleUploadedFile

    f1 = Invoice.objects.get(number="F-1")
    response = client.post(
        reverse("portal:dispute", args=[token]),
        {
            "invoice": f1.pk,
            "reason": reasons()["damaged"].pk,
            "message": "Pallet 3 was broken.",
            "attachment": SimpleUploadedFile("photo.exe", b"MZ\x90\0", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "Only PDF, PNG and JPEG" in field_errors(response.text, "attachment")
    assert "Pallet 3 was broken." in response.text


def test_a_file_sent_with_another_mistake_is_asked_for_again(client, token):
    """A browser never keeps a chosen file when the form comes back: say so at the field."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    f1 = Invoice.objects.get(number="F-1")
    response = client.post(
        reverse("portal:dispute", args=[token]),
        {
            "invoice": f1.pk,
            "reason": "",
            "message": "See the photo.",
            "attachment": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png"),
        },
    )
    assert response.status_code == 200
    assert "Choose the file again" in response.text


def test_a_double_submitted_dispute_is_one_dispute_and_says_thank_you_twice(client, token):
    from dunning.models import Dispute

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:dispute", args=[token])
    data = {"invoice": f1.pk, "reason": reasons()["not_received"].pk, "message": "Never arrived."}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and second.redirect_chain[0][1] == 302
    assert "We will look into invoice F-1" in second.text
    assert Dispute.objects.count() == 1


def test_an_invoice_already_in_dispute_is_not_offered_again(client, token):
    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    url = reverse("portal:dispute", args=[token])
    client.post(url, {"invoice": f1.pk, "reason": reasons()["price"].pk, "message": ""})
    invoices = re.search(r'<select name="invoice".*?</select>', client.get(url).text, re.S).group(0)
    assert f'<option value="{f1.pk}"' not in invoices and f'<option value="{f2.pk}"' in invoices


def test_the_dispute_form_speaks_dutch(client, token):
    client.cookies["portal_language"] = "nl"
    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:dispute", args=[token])
    assert "Kies wat er niet klopt" in client.get(url).text
    response = client.post(url, {"invoice": f1.pk, "reason": reasons()["other"].pk, "message": ""})
    assert "Vertel in een paar woorden wat er niet klopt." in field_errors(response.text, "message")


# --- promise and plan --------------------------------------------------------------------


def test_a_double_submitted_promise_is_one_promise_and_says_thank_you_twice(client, token):
    from dunning.models import Promise

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:promise", args=[token])
    data = {"invoices": [f1.pk], "promised_date": (DAY + timedelta(days=7)).isoformat()}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert first.status_code == 302 and second.redirect_chain and second.redirect_chain[0][1] == 302
    assert "We expect your payment on 27 November 2026" in second.text
    assert "already has an open promise" not in second.text
    assert Promise.objects.count() == 1


def test_the_promised_date_is_written_as_people_read_it(client, token):
    client.cookies["portal_language"] = "nl"
    f1 = Invoice.objects.get(number="F-1")
    done = client.post(
        reverse("portal:promise", args=[token]),
        {"invoices": [f1.pk], "promised_date": (DAY + timedelta(days=7)).isoformat()},
        follow=True,
    )
    assert "We verwachten uw betaling op 27 november 2026" in done.text and "2026-11-27" not in done.text


@pytest.mark.parametrize(
    ("promised_date", "said"),
    [
        (DAY - timedelta(days=1), "Choose today or a later date."),
        (DAY + timedelta(days=400), "Choose a date within 90 days"),
        ("31-02-2026", "Enter a valid date."),
        ("", "This field is required."),
    ],
)
def test_a_wrong_promise_date_is_said_at_the_date_and_the_ticks_are_kept(client, token, promised_date, said):
    from dunning.models import Promise

    f2 = Invoice.objects.get(number="F-2")
    response = client.post(
        reverse("portal:promise", args=[token]), {"invoices": [f2.pk], "promised_date": str(promised_date)}
    )
    assert response.status_code == 200 and not Promise.objects.exists()
    assert said in field_errors(response.text, "promised_date")
    f1 = Invoice.objects.get(number="F-1")
    assert f'value="{f2.pk}" checked' in response.text and f'value="{f1.pk}" checked' not in response.text


def test_an_invoice_already_promised_is_shown_and_not_ticked_again(client, customer, token):
    from dunning.services.promises import make_promise

    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    make_promise(
        customer=customer, invoices=[f1], promised_date=DAY + timedelta(days=5), channel="phone", by="t"
    )
    home = client.get(reverse("portal:home", args=[token]))
    assert "Payment promised for 25\u00a0Nov\u00a02026" in home.text
    page = client.get(reverse("portal:promise", args=[token]))
    assert f'value="{f1.pk}">' in page.text and f'value="{f2.pk}" checked' in page.text
    assert "promised for 25\u00a0Nov\u00a02026" in page.text
    # Sending the form as it comes (only the free invoice ticked) works at once.
    done = client.post(
        reverse("portal:promise", args=[token]),
        {"invoices": [f2.pk], "promised_date": (DAY + timedelta(days=9)).isoformat()},
    )
    assert done.status_code == 302


def test_a_double_confirmed_plan_is_one_plan_and_says_so_twice(client, token):
    from dunning.models import PaymentPlan

    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    url = reverse("portal:plan", args=[token])
    data = {
        "invoices": [f1.pk, f2.pk],
        "count": 3,
        "first_date": (DAY + timedelta(days=10)).isoformat(),
        "confirm": "1",
    }
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert second.redirect_chain and "Your payment plan is approved" in second.text
    assert "already in a payment plan" not in second.text
    assert PaymentPlan.objects.count() == 1


def test_what_was_agreed_is_shown_in_dutch(client, customer, token):
    from dunning.services.promises import make_promise

    client.cookies["portal_language"] = "nl"
    f1 = Invoice.objects.get(number="F-1")
    make_promise(
        customer=customer, invoices=[f1], promised_date=DAY + timedelta(days=5), channel="phone", by="t"
    )
    assert "Betaling toegezegd op 25-11-2026" in client.get(reverse("portal:home", args=[token])).text
    assert "toegezegd op 25-11-2026" in client.get(reverse("portal:promise", args=[token])).text


# --- nothing open ------------------------------------------------------------------------


def test_with_nothing_open_no_action_leads_to_a_form_that_cannot_succeed(client, controller):
    paid_up = CustomerFactory(name="Op Tijd B.V.", number="C9", controller=controller, language="en")
    token = token_of(link_path(paid_up))
    home = client.get(reverse("portal:home", args=[token])).text
    assert "You have no open invoices" in home
    for name in ("promise", "plan", "dispute"):
        assert reverse(f"portal:{name}", args=[token]) not in home, name
        # Reached anyway (an old bookmark): a plain word instead of a form that can only be refused.
        page = client.get(reverse(f"portal:{name}", args=[token])).text
        assert "You have no open invoices" in page and '<form method="post" class="stack"' not in page, name
    assert reverse("portal:remittance", args=[token]) in home  # "Already paid?" still makes sense


def test_with_every_open_invoice_in_dispute_the_dispute_page_says_so(client, customer, token):
    from dunning.models import DisputeReason
    from dunning.services.disputes import open_dispute

    reason = DisputeReason.objects.active().first()
    for invoice in Invoice.objects.filter(customer=customer):
        open_dispute(customer=customer, invoices=[invoice], reason=reason, by="t", channel="phone")
    page = client.get(reverse("portal:dispute", args=[token])).text
    assert "Every open invoice is already under dispute" in page and 'name="invoice"' not in page
