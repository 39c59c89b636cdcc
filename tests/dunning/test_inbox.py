"""The shared inbox: mail in (upload, webhook), stored once, threaded, linked, classified, acted on."""

from datetime import date
from decimal import Decimal as D
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Event
from dunning.inbox import services
from dunning.inbox.extract import find_amount, find_date
from dunning.models import InboundMail, Message, Promise
from dunning.outbox import deliver_outbox
from tests.dunning.conftest import post
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
NOW = "2026-11-20 10:00 +01:00"


def mail(
    *,
    sender="petra@devries.example",
    subject="Re: Herinnering",
    body="Hallo",
    mid="<a1@devries.example>",
    **headers,
) -> bytes:
    m = EmailMessage()
    m["From"] = f"Petra Smit <{sender}>"
    m["To"] = "credit@example.com"
    m["Subject"] = subject
    if mid:
        m["Message-ID"] = mid
    m["Date"] = "Fri, 20 Nov 2026 09:00:00 +0100"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return bytes(m)


@pytest.fixture
def vries(controller):
    customer = CustomerFactory(name="Bakkerij De Vries", number="C1", controller=controller)
    ContactFactory(customer=customer, name="Petra Smit", email="petra@devries.example")
    post(customer, "L-1", 12, today=date(2026, 11, 20))
    post(customer, "L-2", 5, amount="500.00", today=date(2026, 11, 20))
    return customer


@time_machine.travel(NOW, tick=False)
def test_upload_stores_once_links_classifies_and_assigns(controller_client, controller, vries):
    raw = mail(body="Beste,\n\nWe betalen op 30 november € 1.210,00 voor L-1.\n\nPetra")
    url = reverse("dunning:inbox_upload")
    response = controller_client.post(url, {"files": [SimpleUploadedFile("a.eml", raw)]})
    assert response.status_code == 200
    again = controller_client.post(url, {"files": [SimpleUploadedFile("b.eml", raw)]})
    assert "already in the inbox" in again.content.decode()
    stored = InboundMail.objects.get()
    assert (stored.customer, stored.linked_by, stored.assignee) == (vries, "contact", controller)
    assert stored.category == "promise" and stored.promised_date == date(2026, 11, 30)
    assert stored.promised_amount == D("1210.00") and stored.invoice_numbers == ["L-1"]
    assert Event.objects.filter(customer=vries, verb="received").count() == 1


@time_machine.travel(NOW, tick=False)
def test_accept_promise_with_one_click(controller_client, vries):
    stored, _ = services.ingest(mail(body="We betalen op 30 november voor factuur L-1."), source="upload")
    page = controller_client.get(stored.get_absolute_url())
    assert "Accept promise" in page.content.decode()
    response = controller_client.post(
        reverse("dunning:inbox_accept", args=[stored.pk]), {"action": "promise"}, HTTP_HX_REQUEST="true"
    )
    assert "Promise recorded" in response.content.decode()
    promise = Promise.objects.get()
    assert (promise.promised_date, promise.channel, promise.amount) == (
        date(2026, 11, 30),
        "mail",
        D("1210.00"),
    )
    assert [i.number for i in promise.invoices.all()] == ["L-1"]
    stored.refresh_from_db()
    assert (stored.status, stored.acted) == ("done", "promise")


@time_machine.travel(NOW, tick=False)
def test_accept_dispute_with_one_click_picks_the_reason_from_the_words(controller_client, controller, vries):
    from dunning.models import Dispute

    stored, _ = services.ingest(
        mail(body="De geleverde taarten van factuur L-2 waren beschadigd. Wij betalen deze niet."),
        source="upload",
    )
    assert stored.category == "dispute"
    response = controller_client.post(
        reverse("dunning:inbox_accept", args=[stored.pk]), {"action": "dispute"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert (dispute.reason.code, dispute.channel) == ("damaged", "mail")
    assert [i.number for i in dispute.invoices.all()] == ["L-2"]
    stored.refresh_from_db()
    assert (stored.status, stored.acted) == ("done", "dispute")


def test_webhook_needs_the_secret(client, settings, vries):
    settings.INBOX_WEBHOOK_SECRET = "s3cret"
    url = reverse("dunning:inbox_webhook")
    raw = mail(body="Kunt u een kopie van factuur L-2 sturen?")
    assert client.post(url, raw, content_type="message/rfc822").status_code == 403
    assert (
        client.post(url, raw, content_type="message/rfc822", HTTP_X_INBOX_SECRET="wrong").status_code == 403
    )
    assert InboundMail.objects.count() == 0
    ok = client.post(url, raw, content_type="message/rfc822", HTTP_X_INBOX_SECRET="s3cret")
    assert ok.status_code == 201 and ok.json()["created"] is True
    assert client.post(url, raw, content_type="message/rfc822", HTTP_X_INBOX_SECRET="s3cret").json() == {
        "id": ok.json()["id"],
        "created": False,
    }
    assert InboundMail.objects.get().category == "copy"


def test_mail_without_message_id_is_stored_once_by_content_hash(vries):
    raw = mail(mid=None, body="Is al betaald.")
    first, created = services.ingest(raw, source="upload")
    second, created_again = services.ingest(raw, source="upload")
    assert created and not created_again and first.pk == second.pk and first.message_id is None


def test_malformed_mail_is_kept_raw_and_shown(controller_client):
    raw = b"\x00\xff\xfe this is not a mail at all \x00"
    stored, created = services.ingest(raw, source="upload")
    assert created and stored.malformed and bytes(stored.raw) == raw and stored.customer is None
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "could not be read" in page and "this is not a mail at all" in page
    triage = controller_client.get(reverse("dunning:inbox") + "?view=triage").content.decode()
    assert stored.get_absolute_url() in triage


def test_unknown_sender_waits_in_triage_until_linked_by_hand(controller_client, controller, vries):
    stored, _ = services.ingest(mail(sender="someone@else.example", body="Hello"), source="upload")
    assert stored.customer is None and stored.assignee is None
    controller_client.post(reverse("dunning:inbox_link", args=[stored.pk]), {"customer": "C1"})
    stored.refresh_from_db()
    assert (stored.customer, stored.linked_by, stored.assignee) == (vries, "person", controller)
    # the next mail from that address is linked by the address seen before
    later, _ = services.ingest(mail(sender="someone@else.example", mid="<a2@x>", body="Hi"), source="upload")
    assert (later.customer, later.linked_by) == (vries, "seen")


def test_linked_by_invoice_number_when_the_sender_is_unknown(vries):
    stored, _ = services.ingest(
        mail(sender="ap@shared-service.example", subject="Invoice L-2", body="Already paid."), source="upload"
    )
    assert (stored.customer, stored.linked_by, stored.invoice_numbers) == (vries, "invoice", ["L-2"])
    assert stored.category == "paid"


def test_auto_reply_is_closed_by_itself(vries):
    stored, _ = services.ingest(
        mail(body="I am away until Monday.", Auto_Submitted="auto-replied"), source="webhook"
    )
    assert (stored.category, stored.status, stored.acted) == ("auto_reply", "done", "auto_closed")
    assert "Auto-Submitted" in stored.why


def test_attachments_kept_with_limits_and_served_as_download(controller_client, vries):
    m = BytesParser(policy=default_policy).parsebytes(mail(body="Zie bijlage, al betaald."))
    m.add_attachment(b"%PDF-1.4 proof", maintype="application", subtype="pdf", filename="betaling.pdf")
    m.add_attachment(b"MZ...", maintype="application", subtype="x-msdownload", filename="virus.exe")
    stored, _ = services.ingest(bytes(m), source="upload")
    pdf, exe = stored.attachments.all()
    assert (pdf.size, pdf.refused) == (14, "") and exe.refused and bytes(exe.data) == b""
    response = controller_client.get(reverse("dunning:inbox_attachment", args=[pdf.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="betaling.pdf"'
    assert response.content == b"%PDF-1.4 proof"
    assert controller_client.get(reverse("dunning:inbox_attachment", args=[exe.pk])).status_code == 404


def test_html_is_sanitized_and_remote_images_not_loaded(controller_client, vries):
    m = EmailMessage()
    m["From"], m["Subject"], m["Message-ID"] = "petra@devries.example", "html", "<h@x>"
    m.set_content("plain")
    m.add_alternative(
        '<p onclick="steal()">Betaald<script>alert(1)</script><img src="https://tracker.example/p.gif"></p>',
        subtype="html",
    )
    stored, _ = services.ingest(bytes(m), source="upload")
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "Betaald" in page and "tracker.example" not in page
    assert "<script>alert" not in page and "steal()" not in page


def test_reply_to_a_sent_reminder_threads_to_the_customer(smtp_server, vries):
    """The reminder goes out through a real SMTP server; the reply to it lands with the customer."""
    vries.contacts.all().delete()  # not by address: only the thread can link it
    message = Message.objects.create(
        customer=vries, channel="email", language="nl", recipient="petra@devries.example",
        subject="Herinnering L-1", body="Betaal", idempotency_key="thread-test",
    )  # fmt: skip
    assert deliver_outbox()["sent"] == 1
    sent = BytesParser(policy=default_policy).parsebytes(smtp_server.messages[0].content)
    message.refresh_from_db()
    assert message.message_id and sent["Message-ID"] == message.message_id
    reply = mail(
        sender="new.person@devries-holding.example",
        subject="Re: Herinnering L-1",
        body="Wij betalen volgende week.",
        mid="<reply-1@devries-holding.example>",
        In_Reply_To=sent["Message-ID"],
        References=sent["Message-ID"],
    )
    stored, _ = services.ingest(reply, source="imap")
    assert (stored.customer, stored.linked_by, stored.thread_root) == (vries, "thread", message.message_id)
    # and a reply to the reply follows the same thread
    second = mail(
        sender="x@y.example", mid="<reply-2@x>", body="ok", In_Reply_To="<reply-1@devries-holding.example>"
    )
    again, _ = services.ingest(second, source="imap")
    assert (again.customer, again.thread_root) == (vries, message.message_id)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("we betalen op 30 november", date(2026, 11, 30)),
        ("we will pay on 30 November", date(2026, 11, 30)),
        ("payment on December 15th", date(2026, 12, 15)),
        ("uiterlijk 7 januari", date(2027, 1, 7)),
        ("op 20-12 gaat het eruit", date(2026, 12, 20)),
        ("the 31st of December", date(2026, 12, 31)),
        ("nothing here", None),
    ],
)
def test_dates_in_dutch_and_english(text, expected):
    assert find_date(text, today=date(2026, 11, 20)) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("€ 1.210,00", D("1210.00")),
        ("EUR 2,500.50", D("2500.50")),
        ("1.875,00 euro", D("1875.00")),
        ("no", None),
    ],
)
def test_amounts(text, expected):
    assert find_amount(text) == expected


def test_inbox_views_and_unread_count(
    controller_client, controller, other_controller, vries, django_assert_max_num_queries
):
    for i in range(5):
        services.ingest(mail(mid=f"<m{i}@x>", body=f"Vraag {i}?"), source="upload")
    services.ingest(mail(sender="nobody@x.example", mid="<t@x>", body="?"), source="upload")
    with django_assert_max_num_queries(7):
        page = controller_client.get(reverse("dunning:inbox")).content.decode()
    assert reverse("dunning:inbox_unread") in page  # the badge comes after the page
    badge = reverse("dunning:inbox_unread")
    with django_assert_max_num_queries(3):  # session, user, the count
        assert ">6</span>" in controller_client.get(badge).content.decode()  # 5 mine + 1 nobody's
    mine = InboundMail.objects.filter(assignee=controller).first()
    controller_client.get(mine.get_absolute_url())
    assert ">5</span>" in controller_client.get(badge).content.decode()
    controller_client.post(reverse("dunning:inbox_update", args=[mine.pk]), {"status": "waiting"})
    waiting = controller_client.get(reverse("dunning:inbox") + "?view=waiting").content.decode()
    assert mine.get_absolute_url() in waiting
    controller_client.force_login(other_controller)
    theirs = controller_client.get(reverse("dunning:inbox")).content.decode()
    assert mine.get_absolute_url() not in theirs  # not in the other controller's "mine"
    team = controller_client.get(reverse("dunning:inbox") + "?view=team").content.decode()
    assert InboundMail.objects.filter(assignee=controller, status="open").first().get_absolute_url() in team


def test_correction_is_kept_for_training(controller_client, vries):
    stored, _ = services.ingest(mail(body="Hallo daar"), source="upload")
    controller_client.post(reverse("dunning:inbox_update", args=[stored.pk]), {"category": "question"})
    stored.refresh_from_db()
    assert (stored.category, stored.classified_by) == ("question", "person")
