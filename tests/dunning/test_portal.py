"""The customer portal: links in reminders, pages, payments, uploads, change requests, the 360 panel."""

import re
import shutil
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal as D
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Allocation, Contact, Event, Invoice, Payment, Task
from creditmgmt.daily import run_daily
from dunning.models import ChangeRequest, Message, PortalToken, RemittanceAdvice, Template
from dunning.models.portal import hash_token
from tests.dunning.conftest import DAY, post
from tests.dunning.portal_helpers import link_path, token_of
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


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
    post(customer, "F-3", -10, amount="80.00")
    return customer


@pytest.fixture
def portal(client, customer):
    return link_path(customer)


def urls_in(text):
    return re.findall(r"https?://\S+/portal/\S+/", text)


# --- links in reminders ----------------------------------------------------------


def test_every_reminder_carries_a_working_link_saved_in_one_insert_per_chunk(book, client, settings):
    settings.SITE_URL = "https://credit.example.com"
    with CaptureQueriesContext(connection) as queries:
        run_daily(DAY.isoformat())
    inserts = [
        q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "dunning_portaltoken"')
    ]
    assert len(inserts) == 1  # three reminders, one chunk, one INSERT
    messages = list(Message.objects.order_by("customer__number"))
    assert len(messages) == 3
    for message in messages:
        (url,) = urls_in(message.body)
        assert url.startswith("https://credit.example.com/portal/")
        raw = token_of(urlsplit(url).path)
        token = PortalToken.objects.get(token_hash=hash_token(raw))
        assert token.customer_id == message.customer_id and token.message_id == message.pk
        assert token.expires_at == token.created_at + timedelta(days=60)
        assert client.get(urlsplit(url).path).status_code == 200
    # Only hashes are stored: no raw token in the table.
    assert not PortalToken.objects.filter(
        token_hash__in=[token_of(urlsplit(u).path) for u in urls_in(messages[0].body)]
    )


def test_template_preview_shows_a_sample_link_and_makes_no_token(client, manager, customer):
    client.force_login(manager)
    template = Template.objects.current().filter(channel="email", language="en").first()
    response = client.get(reverse("dunning:template_edit", args=[template.pk]), {"customer": customer.number})
    assert response.status_code == 200
    assert "/portal/sample-link-preview-only/" in response.text
    assert PortalToken.objects.count() == 0


def test_a_reminder_approved_by_hand_gets_a_saved_link(customer):
    from dunning.portal.links import portal_link

    url = portal_link(customer)
    assert PortalToken.objects.filter(token_hash=hash_token(token_of(urlsplit(url).path))).exists()


# --- opening is on the timeline ---------------------------------------------------


def test_opening_is_recorded_once_an_hour_and_shown_in_the_controllers_language(
    client, controller_client, controller, customer, portal
):
    # Tuesday 24 November 2026, 09:12 in Amsterdam.
    with time_machine.travel(datetime(2026, 11, 24, 9, 12, tzinfo=AMS), tick=False):
        assert client.get(portal).status_code == 200
        client.get(portal)
        client.get(portal)
    opened = Event.objects.filter(customer=customer, verb="portal_opened")
    assert opened.count() == 1
    assert opened.get().data["opened_at"].startswith("2026-11-24T08:12")  # UTC
    with time_machine.travel(datetime(2026, 11, 24, 9, 50, tzinfo=AMS), tick=False):
        client.get(portal)
    assert opened.count() == 1
    with time_machine.travel(datetime(2026, 11, 24, 11, 0, tzinfo=AMS), tick=False):
        client.get(portal)
    assert opened.count() == 2
    token = PortalToken.objects.get(customer=customer)
    assert token.last_opened_at == datetime(2026, 11, 24, 11, 0, tzinfo=AMS)

    page = controller_client.get(customer.get_absolute_url())
    assert "Opened the reminder link on Tuesday 09:12" in page.text
    controller_client.cookies["django_language"] = "nl"
    page = controller_client.get(customer.get_absolute_url())
    assert "dinsdag 09:12" in page.text


# --- pages ---------------------------------------------------------------------------


def test_home_lists_open_invoices_with_references_bank_details_and_aging(client, customer, portal):
    response = client.get(portal)
    assert response.status_code == 200
    text = response.text
    for invoice in Invoice.objects.filter(customer=customer):
        assert invoice.number in text and invoice.payment_reference in text
    assert "NL91ABNA0417164300" in text and "ABNANL2A" in text
    assert response.context["aging"].buckets == [D("80.00"), D("100.00"), D("250.00"), D("0.00"), D("0.00")]
    assert "DEMO" in text
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_home_runs_a_fixed_number_of_queries(client, customer, portal, django_assert_max_num_queries):
    client.get(portal)
    for n in range(40):
        post(customer, f"X-{n}", n)
    with django_assert_max_num_queries(5):  # token, opening, invoices, disputed ids (+1 spare)
        response = client.get(portal)
    assert len(response.context["invoices"]) == 43


def test_portal_speaks_the_customers_language_with_a_switch(client, customer, portal):
    customer.language = "nl"
    customer.save()
    response = client.get(portal)
    assert response["Content-Language"] == "nl" and '<html lang="nl">' in response.text
    switched = client.post(
        reverse("portal:language", args=[token_of(portal)]), {"language": "en", "next": portal}
    )
    assert switched.status_code == 302 and switched["Location"] == portal
    response = client.get(portal)
    assert response["Content-Language"] == "en" and '<html lang="en">' in response.text
    # A "next" outside this portal link is ignored.
    away = client.post(
        reverse("portal:language", args=[token_of(portal)]),
        {"language": "en", "next": "https://evil.example/"},
    )
    assert away["Location"] == portal


def test_paid_invoices_and_pdf_copies(client, customer, portal):
    from accounts.services import receive_payment

    receive_payment(customer=customer, amount=D("250.00"), value_date=DAY, by="bank", allocate_oldest=True)
    token = token_of(portal)
    paid = client.get(reverse("portal:paid", args=[token]))
    assert "F-2" in paid.text and "F-1" not in paid.text
    f2 = Invoice.objects.get(number="F-2")
    pdf = client.get(reverse("portal:invoice_pdf", args=[token, f2.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_invoice_copy_follows_the_language_chosen_in_the_portal(client, customer, portal, tmp_path):
    token = token_of(portal)
    f1 = Invoice.objects.get(number="F-1")

    def copy_text() -> str:
        path = tmp_path / "copy.pdf"
        response = client.get(reverse("portal:invoice_pdf", args=[token, f1.pk]))
        path.write_bytes(b"".join(response.streaming_content))
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout

    assert "Invoice" in copy_text()  # the customer's language (en)
    client.post(reverse("portal:language", args=[token]), {"language": "nl", "next": portal})
    text = copy_text()
    assert "Factuur" in text and "Invoice" not in text


def test_statement_pdf_has_the_open_invoices_and_aging(client, customer, portal):
    response = client.get(reverse("portal:statement_pdf", args=[token_of(portal)]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF")
    from dunning.portal.statement import aging

    summary = aging(list(Invoice.objects.filter(customer=customer)), DAY)
    assert summary.total == D("430.00") and summary.buckets[2] == D("250.00")


def test_message_history_shows_only_sent_messages_of_this_customer(client, customer, portal):
    other = CustomerFactory()
    common = {"channel": "email", "language": "en", "recipient": "x@example.com", "body": "text"}
    Message.objects.create(
        customer=customer,
        subject="Reminder one",
        status="sent",
        sent_at=DAY_AT(),
        idempotency_key="a",
        **common,
    )
    Message.objects.create(customer=customer, subject="Queued two", idempotency_key="b", **common)
    Message.objects.create(
        customer=other,
        subject="Other customer",
        status="sent",
        sent_at=DAY_AT(),
        idempotency_key="c",
        **common,
    )
    response = client.get(reverse("portal:messages", args=[token_of(portal)]))
    assert "Reminder one" in response.text
    assert "Queued two" not in response.text and "Other customer" not in response.text


def DAY_AT():  # noqa: N802
    return datetime(2026, 11, 19, 9, 0, tzinfo=AMS)


# --- paying --------------------------------------------------------------------------


def test_demo_pays_the_chosen_invoices(client, customer, portal):
    token = token_of(portal)
    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    start = client.post(reverse("portal:pay", args=[token]), {"invoices": [f1.pk, f2.pk]})
    assert start.status_code == 302
    checkout = client.get(start["Location"])
    assert "DEMO" in checkout.text and "F-1" in checkout.text and "F-2" in checkout.text
    done = client.post(start["Location"], {"invoices": f"{f1.pk},{f2.pk}"}, follow=True)
    assert "DEMO" in done.text
    payment = Payment.objects.get(customer=customer)
    assert payment.amount == D("350.00") and payment.unallocated_amount == 0
    assert payment.reference.startswith("DEMO")
    assert set(Invoice.objects.filter(customer=customer, status="paid").values_list("number", flat=True)) == {
        "F-1",
        "F-2",
    }
    assert Allocation.objects.filter(payment=payment).count() == 2


def test_pay_all(client, customer, portal):
    token = token_of(portal)
    start = client.post(reverse("portal:pay", args=[token]), {"all": "1"})
    ids = start["Location"].split("invoices=")[1]
    client.post(start["Location"], {"invoices": ids})
    assert not Invoice.objects.filter(customer=customer, status="open").exists()
    assert Payment.objects.get(customer=customer).amount == D("430.00")


# --- uploads, details ----------------------------------------------------------------


def test_remittance_advice_is_stored_and_gives_the_controller_a_task(client, controller, customer, portal):
    url = reverse("portal:remittance", args=[token_of(portal)])
    response = client.post(
        url, {"file": SimpleUploadedFile("paid.pdf", PDF, "application/pdf"), "note": "paid 12/11"}
    )
    assert response.status_code == 302
    advice = RemittanceAdvice.objects.get(customer=customer)
    assert advice.content_type == "application/pdf" and advice.file.read() == PDF
    assert advice.task.assignee == controller and advice.task.kind == Task.Kind.PAYMENT
    assert Event.objects.filter(customer=customer, verb="remittance_uploaded").exists()


def test_remittance_refuses_other_types_and_big_files(client, customer, portal, settings):
    url = reverse("portal:remittance", args=[token_of(portal)])
    exe = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary", "application/pdf")})
    assert exe.status_code == 200 and "Only PDF, PNG and JPEG" in exe.text
    settings.PORTAL_UPLOAD_MAX_BYTES = 20
    big = client.post(url, {"file": SimpleUploadedFile("big.png", PNG, "image/png")})
    assert big.status_code == 200 and "too large" in big.text
    assert not RemittanceAdvice.objects.exists()


def test_contact_corrections_wait_for_the_controller(client, controller_client, customer, portal):
    url = reverse("portal:details", args=[token_of(portal)])
    response = client.post(
        url,
        {
            "form": "contact",
            "contact_name": "Petra Smit",
            "contact_email": "finance@devries.example",
            "contact_phone": "",
            "address": "Dorpsstraat 2",
            "postal_code": "",
            "city": customer.city,
        },
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get(customer=customer)
    assert change.status == "pending"
    assert change.changes == {
        "contact_email": ["petra@devries.example", "finance@devries.example"],
        "address": ["", "Dorpsstraat 2"],
    }
    assert Contact.objects.get(customer=customer).email == "petra@devries.example"  # not yet
    assert Task.objects.filter(customer=customer, kind="review").exists()
    page = controller_client.get(customer.get_absolute_url())
    assert "finance@devries.example" in page.text  # on the 360 panel and the timeline
    controller_client.post(reverse("portal:staff_change_decide", args=[change.pk]), {"decision": "apply"})
    assert Contact.objects.get(customer=customer).email == "finance@devries.example"
    customer.refresh_from_db()
    assert customer.address == "Dorpsstraat 2"
    change.refresh_from_db()
    assert change.status == "applied"


def test_preferences_apply_at_once(client, customer, portal):
    url = reverse("portal:details", args=[token_of(portal)])
    response = client.post(url, {"form": "preferences", "language": "nl", "channel": "letter"})
    assert response.status_code == 302 and response.cookies["portal_language"].value == "nl"
    customer.refresh_from_db()
    assert customer.language == "nl"
    assert Contact.objects.get(customer=customer).preferred_channel == "letter"
    change = ChangeRequest.objects.get(customer=customer)
    assert change.kind == "preferences" and change.status == "applied"
    assert Event.objects.filter(customer=customer, verb="preferences_changed").exists()


# --- the controller's side -----------------------------------------------------------


def test_controller_makes_a_link_and_revokes_all(client, controller_client, customer, portal):
    made = controller_client.post(reverse("portal:staff_new_link", args=[customer.pk]))
    (url,) = urls_in(made.text)
    fresh = urlsplit(url).path
    assert client.get(fresh).status_code == 200
    panel = controller_client.get(customer.get_absolute_url())
    assert "Revoke all links" in panel.text and "Make a new link" in panel.text
    controller_client.post(reverse("portal:staff_revoke", args=[customer.pk]))
    assert client.get(fresh).status_code == 404
    assert client.get(portal).status_code == 404
    assert Event.objects.filter(customer=customer, verb="portal_links_revoked").get().data == {"count": 2}


def test_staff_downloads_a_remittance(client, controller_client, customer, portal):
    client.post(
        reverse("portal:remittance", args=[token_of(portal)]),
        {"file": SimpleUploadedFile("paid.png", PNG, "image/png")},
    )
    advice = RemittanceAdvice.objects.get()
    response = controller_client.get(reverse("portal:staff_remittance", args=[advice.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


# --- disputes, promises and plans (contract services of the other issue-6 branches) ---------


def test_promise_a_date(client, customer, portal):
    from dunning.models import Promise

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:promise", args=[token_of(portal)])
    assert client.get(url, {"invoice": f1.pk}).status_code == 200
    response = client.post(url, {"invoices": [f1.pk], "promised_date": (DAY + timedelta(days=7)).isoformat()})
    assert response.status_code == 302
    promise = Promise.objects.get(customer=customer)
    assert promise.promised_date == DAY + timedelta(days=7)
    assert list(promise.invoices.all()) == [f1]


def test_ask_for_a_plan_shows_the_verdict_then_requests_it(client, customer, portal):
    from dunning.models import PaymentPlan

    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    url = reverse("portal:plan", args=[token_of(portal)])
    data = {"invoices": [f1.pk, f2.pk], "count": 3, "first_date": (DAY + timedelta(days=10)).isoformat()}
    preview = client.post(url, data)
    assert preview.status_code == 200
    installments = preview.context["installments"]
    assert len(installments) == 3 and sum(a for _, a in installments) == D("350.00")
    assert preview.context["verdict"].auto_approved  # small, short, unknown risk: the policy allows it
    assert "This plan would be approved at once." in preview.text
    assert not PaymentPlan.objects.exists()
    done = client.post(url, {**data, "confirm": "1"}, follow=True)
    assert "Your payment plan is approved" in done.text
    plan = PaymentPlan.objects.get(customer=customer)
    assert plan.status == "active" and plan.installments.count() == 3


def test_a_plan_too_long_for_the_policy_goes_to_a_manager(client, customer, portal):
    from dunning.models import PaymentPlan

    f1, f2 = Invoice.objects.get(number="F-1"), Invoice.objects.get(number="F-2")
    url = reverse("portal:plan", args=[token_of(portal)])
    data = {"invoices": [f1.pk, f2.pk], "count": 12, "first_date": (DAY + timedelta(days=10)).isoformat()}
    preview = client.post(url, data)
    assert not preview.context["verdict"].auto_approved and preview.context["verdict"].reasons
    assert "needs a manager" in preview.text
    done = client.post(url, {**data, "confirm": "1"}, follow=True)
    assert "goes to a manager" in done.text
    assert PaymentPlan.objects.get(customer=customer).status == "requested"


def test_dispute_an_invoice(client, customer, portal):
    from dunning.models import Dispute, DisputeReason

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:dispute", args=[token_of(portal)])
    form = client.get(url, {"invoice": f1.pk})
    reason = DisputeReason.objects.active().first()
    assert reason.label("en") in form.text
    response = client.post(
        url,
        {
            "invoice": f1.pk,
            "reason": reason.pk,
            "message": "Never arrived",
            "attachment": SimpleUploadedFile("photo.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(customer=customer)
    assert list(dispute.invoices.all()) == [f1] and dispute.channel == "portal"
    assert dispute.owner == customer.controller
    home = client.get(portal)
    assert "under dispute" in home.text and f"dispute/?invoice={f1.pk}" not in home.text
    assert Task.objects.filter(customer=customer, assignee=dispute.owner, status="open").exists()


def test_dispute_attachment_of_the_wrong_type_is_refused(client, customer, portal):
    from dunning.models import Dispute, DisputeReason

    f1 = Invoice.objects.get(number="F-1")
    url = reverse("portal:dispute", args=[token_of(portal)])
    reason = DisputeReason.objects.active().first()
    response = client.post(
        url,
        {
            "invoice": f1.pk,
            "reason": reason.pk,
            "attachment": SimpleUploadedFile("x.exe", b"MZ\x90", "image/png"),
        },
    )
    assert response.status_code == 200 and "Only PDF, PNG and JPEG" in response.text
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_fast_money_and_dates_equal_the_slow_ones(language):
    from datetime import date

    from django.utils import translation
    from django.utils.formats import date_format

    from creditmgmt.templatetags.money import money as slow
    from dunning.portal.display import money, short_date

    with translation.override(language):
        for currency in ("EUR", "USD", "GBP"):
            for value in ("0", "0.05", "12.30", "999.99", "1000", "1234567.89", "-0.50", "-1210.00"):
                assert money(D(value), currency) == slow(D(value), currency)
        for day in (date(2026, 1, 5), date(2026, 12, 31)):
            assert short_date(day) == date_format(day, "SHORT_DATE_FORMAT")
