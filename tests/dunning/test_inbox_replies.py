"""Mail out of the inbox: replies and new mails from templates, through the outbox, threaded; the
first-response target and its task; auto-replies that hold nothing back."""

from datetime import date, datetime
from email.parser import BytesParser
from email.policy import default as default_policy
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Event, Task
from creditmgmt.daily import run_daily
from dunning.inbox import replies, services
from dunning.models import InboundMail, Message
from dunning.outbox import deliver_outbox
from tests.dunning.conftest import DAY, post
from tests.dunning.test_inbox import NOW, mail
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def vries(controller):
    customer = CustomerFactory(name="Bakkerij De Vries", number="C1", controller=controller, language="nl")
    ContactFactory(customer=customer, name="Petra Smit", email="petra@devries.example", language="nl")
    post(customer, "L-1", 12, today=date(2026, 11, 20))
    post(customer, "L-2", 5, amount="500.00", today=date(2026, 11, 20))
    return customer


@pytest.fixture
def mueller(controller):
    customer = CustomerFactory(name="Müller Bau GmbH", number="C7", controller=controller, language="de")
    ContactFactory(customer=customer, name="Jana Müller", email="jana@mueller-bau.example", language="de")
    post(customer, "D-1", 20, amount="830.00", today=date(2026, 11, 20))
    return customer


def parsed(envelope):
    return BytesParser(policy=default_policy).parsebytes(envelope.content)


@time_machine.travel(NOW, tick=False)
def test_copy_request_is_answered_with_the_invoice_pdf_threaded_over_real_smtp(
    smtp_server, controller_client, vries
):
    stored, _ = services.ingest(
        mail(
            subject="Kopie factuur L-2",
            body="Goedemorgen,\n\nKunt u ons een kopie van factuur L-2 sturen?\n\nPetra",
            mid="<copy-1@devries.example>",
            References="<credit-earlier@example.com>",
        ),
        source="imap",
    )
    assert stored.category == "copy"
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "Send invoice copies" in page and "L-2" in page

    url = reverse("dunning:inbox_accept", args=[stored.pk])
    form = {"action": "copy", "token": "t-1"}
    response = controller_client.post(url, form, HTTP_HX_REQUEST="true")
    assert "Invoice copies sent" in response.content.decode()
    controller_client.post(url, form)  # the same form twice: one message
    message = Message.objects.get()
    assert (message.recipient, message.language, message.reply_to_mail) == (
        "petra@devries.example",
        "nl",
        stored,
    )
    assert message.attachments == [{"invoice": vries.invoices.get(number="L-2").pk}]
    stored.refresh_from_db()
    assert (stored.status, stored.acted) == ("waiting", "copy") and stored.responded_at is not None

    assert deliver_outbox()["sent"] == 1
    sent = parsed(smtp_server.messages[0])
    assert sent["Subject"] == "Re: Kopie factuur L-2"
    assert sent["In-Reply-To"] == "<copy-1@devries.example>"
    assert sent["References"] == "<credit-earlier@example.com> <copy-1@devries.example>"
    assert sent["Message-ID"] == message.message_id
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert "Beste Petra Smit" in body and "kopieën" in body and "factuur L-2" in body
    (attachment,) = sent.iter_attachments()
    assert attachment.get_filename() == "L-2.pdf" and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    # on the timeline next to the reminders
    assert Event.objects.filter(customer=vries, kind="message", verb="sent", object_id=message.pk).exists()

    # the customer's answer to our reply lands in the same conversation
    answer, _ = services.ingest(
        mail(
            sender="boekhouding@devries.example",
            mid="<copy-2@x>",
            body="Dank!",
            In_Reply_To=message.message_id,
        ),
        source="imap",
    )
    assert (answer.customer, answer.linked_by, answer.thread_root) == (vries, "thread", stored.thread_root)


@time_machine.travel(NOW, tick=False)
def test_statement_request_gets_the_statement_and_open_invoices(smtp_server, vries):
    stored, _ = services.ingest(
        mail(subject="Overzicht", body="Kunt u ons een rekeningoverzicht sturen van wat er openstaat?"),
        source="upload",
    )
    assert stored.category == "copy"
    replies.accept_copy(mail=stored, by="tester", token="s")
    deliver_outbox()
    names = [a.get_filename() for a in parsed(smtp_server.messages[0]).iter_attachments()]
    assert names == ["L-1.pdf", "L-2.pdf", "statement-C1.pdf"]


@time_machine.travel(NOW, tick=False)
def test_reply_from_a_template_in_the_customers_language(
    controller_client, mueller, django_capture_on_commit_callbacks
):
    stored, _ = services.ingest(
        mail(
            sender="jana@mueller-bau.example", subject="Frage zur Rechnung D-1", body="Warum ist D-1 so hoch?"
        ),
        source="upload",
    )
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "Guten Tag Jana Müller" in page and "vielen Dank für Ihre Nachricht" in page
    switched = controller_client.get(
        stored.get_absolute_url() + "?template=inbox-copy", HTTP_HX_REQUEST="true"
    )
    text = switched.content.decode()
    assert "<html" not in text and "Rechnung D-1" in text and "Kopien" in text

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = controller_client.post(
            reverse("dunning:inbox_reply", args=[stored.pk]),
            {
                "to": "jana@mueller-bau.example",
                "subject": "Re: Frage zur Rechnung D-1",
                "body": "Guten Tag Frau Müller,\n\nD-1 enthält die Lieferung vom Oktober.",
                "language": "de",
                "token": "r-1",
            },
        )
    assert response.status_code == 302 and len(callbacks) == 1  # delivery queued after commit
    message = Message.objects.get()
    assert (message.language, message.in_reply_to, message.attachments) == ("de", stored.message_id, [])
    assert message.idempotency_key.startswith("inbox:") and message.message_id.startswith("<credit-")
    stored.refresh_from_db()
    assert stored.status == "waiting"
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "Our reply" in page and "Lieferung vom Oktober" in page


def test_a_draft_writes_nothing_and_a_portal_link_is_made_when_sent(controller_client, vries):
    from dunning.models import PortalToken, Template

    Template.objects.filter(key="inbox-reply", language="nl").update(body="Zie {{ portal_url }}")
    stored, _ = services.ingest(mail(body="Hallo?"), source="upload")
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert "Zie [portal-link]" in page and not PortalToken.objects.exists()
    controller_client.post(
        reverse("dunning:inbox_reply", args=[stored.pk]),
        {"to": stored.from_address, "subject": "Re", "body": "Zie [portal-link]", "token": "p"},
    )
    message = Message.objects.get()
    assert (
        PortalToken.objects.count() == 1
        and "/portal/" in message.body
        and "[portal-link]" not in message.body
    )


def test_reply_with_bad_input_says_what_is_wrong(controller_client, vries):
    stored, _ = services.ingest(mail(body="Hallo?"), source="upload")
    response = controller_client.post(
        reverse("dunning:inbox_reply", args=[stored.pk]),
        {"to": "not-an-address", "subject": "", "body": ""},
        follow=True,
    )
    text = response.content.decode()
    assert "Give the e-mail address to write to." in text and "The subject is empty." in text
    assert "The text is empty." in text and not Message.objects.exists()


def test_new_mail_to_a_customer_from_a_template(controller_client, vries, django_assert_max_num_queries):
    url = reverse("dunning:inbox_compose")
    with django_assert_max_num_queries(8):
        page = controller_client.get(url, {"customer": "C1", "template": "inbox-copy"}).content.decode()
    assert "petra@devries.example" in page and "L-1" in page and "L-2" in page
    assert "No customer with number" in controller_client.get(url, {"customer": "nope"}).content.decode()
    response = controller_client.post(
        url,
        {
            "customer": "C1",
            "to": "petra@devries.example",
            "subject": "Uw facturen",
            "body": "Zie bijlage",
            "token": "n",
        },
    )
    assert response.status_code == 302 and response.url == vries.get_absolute_url()
    message = Message.objects.get()
    assert (message.reply_to_mail, message.in_reply_to, message.subject) == (None, "", "Uw facturen")


def test_the_mail_forms_fields_as_the_reply_and_compose_views_send_them(vries):
    """The language is cut to its code and the token to 40 characters; a form without a token still sends."""
    form = {
        "to": "petra@devries.example",
        "subject": "Uw facturen",
        "body": "Zie bijlage",
        "language": "de-CH",
        "token": "t" * 60,
    }
    first = replies.queue_email_from_form(form, customer=vries, by="tester")
    assert (first.recipient, first.subject, first.body, first.language) == (
        "petra@devries.example",
        "Uw facturen",
        "Zie bijlage\n",
        "de",
    )
    # A token that differs only after its 40th character is the same form sent twice: one message.
    again = replies.queue_email_from_form(form | {"token": "t" * 40 + "x"}, customer=vries, by="tester")
    assert again == first
    no_token = {k: v for k, v in form.items() if k != "token"}
    assert replies.queue_email_from_form(no_token, customer=vries, by="tester") != first
    assert Message.objects.count() == 2


@pytest.mark.parametrize("name", ["counter_clerk", "sales_rep"])
def test_replies_and_compose_refused_to_other_roles(client, request, name, vries):
    client.force_login(request.getfixturevalue(name))
    stored, _ = services.ingest(mail(body="Hallo?"), source="upload")
    assert client.get(reverse("dunning:inbox_compose")).status_code == 403
    assert client.post(reverse("dunning:inbox_reply", args=[stored.pk]), {"to": "a@b.c"}).status_code == 403


def test_first_response_target_makes_one_task_and_answering_closes_it(controller, vries):
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=AMS)
    with time_machine.travel(friday, tick=False):
        stored, _ = services.ingest(mail(body="Waarom is L-1 zo hoog?"), source="upload")
    assert stored.respond_by == datetime(2026, 11, 23, 16, 0, tzinfo=AMS)  # one working day: Monday
    assert services.follow_up_unanswered(now=datetime(2026, 11, 23, 15, 59, tzinfo=AMS)) == 0
    late = datetime(2026, 11, 23, 16, 1, tzinfo=AMS)
    assert services.follow_up_unanswered(now=late) == 1
    assert services.follow_up_unanswered(now=late) == 0  # idempotent
    stored.refresh_from_db()
    task = stored.response_task
    assert (task.assignee, task.status, task.due_date, task.kind) == (
        controller,
        "open",
        date(2026, 11, 23),
        "follow_up",
    )
    assert "Waarom" not in task.title and "Re: Herinnering" in task.title
    services.set_status(mail=stored, status="done", by=controller)
    task.refresh_from_db()
    assert task.status == "done" and task.outcome == "resolved"
    assert services.follow_up_unanswered(now=late) == 0


def test_weekend_arrival_counts_from_monday_morning():
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=AMS)
    assert replies.respond_by(saturday, days=1) == datetime(2026, 11, 24, 9, 0, tzinfo=AMS)
    assert replies.respond_by(saturday, days=0) == datetime(2026, 11, 23, 9, 0, tzinfo=AMS)


def test_answered_mail_gets_no_task(controller_client, vries):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=AMS), tick=False):
        stored, _ = services.ingest(mail(body="Kunt u bellen?"), source="upload")
        controller_client.post(
            reverse("dunning:inbox_reply", args=[stored.pk]),
            {"to": stored.from_address, "subject": "Re: x", "body": "Ik bel u morgen.", "token": "a"},
        )
    assert services.follow_up_unanswered(now=datetime(2026, 12, 1, 9, 0, tzinfo=AMS)) == 0
    assert not Task.objects.exists()


def test_auto_reply_needs_no_answer_and_holds_back_no_reminder(book):
    """An out-of-office to our reminder is closed at once and the next reminder goes out as planned."""
    with time_machine.travel(datetime(2026, 11, 19, 12, 0, tzinfo=AMS), tick=False):
        auto, _ = services.ingest(
            mail(
                sender="petra@devries.example",
                body="Ik ben afwezig tot 1 december.",
                Auto_Submitted="auto-replied",
            ),
            source="imap",
        )
    assert (auto.status, auto.respond_by, auto.customer) == ("done", None, book["low_nl"])
    assert services.follow_up_unanswered(now=datetime(2026, 12, 1, 9, 0, tzinfo=AMS)) == 0
    run_daily(DAY.isoformat())
    assert Message.objects.filter(customer=book["low_nl"], action__isnull=False, status="sent").count() == 1
    assert InboundMail.objects.get().status == "done"


def test_mail_page_runs_a_fixed_number_of_queries(controller_client, vries, django_assert_num_queries):
    """However many attachments and replies a mail has, its page asks the database the same times."""
    m = BytesParser(policy=default_policy).parsebytes(mail(subject="Kopie L-1", body="Kopie van L-1 graag"))
    for n in range(5):
        m.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=f"{n}.pdf")
    stored, _ = services.ingest(bytes(m), source="upload")
    for n in range(4):
        replies.queue_email(
            customer=vries,
            to=stored.from_address,
            subject="Re",
            body=f"Antwoord {n}",
            by="t",
            token=str(n),
            mail=stored,
        )
    # session, user, the mail, its attachments, marking it read, the open invoices (once: the suggestion,
    # the copies and the reply's draft share them), the reply templates' keys, the contacts, the template,
    # the replies sent
    with django_assert_num_queries(10):
        page = controller_client.get(stored.get_absolute_url()).content.decode()
    assert page.count("Our reply") == 4 and page.count(".pdf") >= 5 and "Send invoice copies" in page
    assert "Reply with copies of: L-1" in page


def test_html_tricks_are_cleaned_and_odd_file_names_stay_downloads(controller_client, vries):
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"], m["Subject"], m["Message-ID"] = "petra@devries.example", "html", "<tricks@x>"
    m.set_content("plain")
    m.add_alternative(
        '<p style="background:url(https://t.example/bg.gif)">Betaald</p><a href="javascript:steal()">x</a>'
        '<img src="data:image/gif;base64,R0lGOD"><img srcset="https://t.example/s.gif 2x" src="cid:logo">'
        '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input></form>',
        subtype="html",
    )
    m.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename='bewijs "1".pdf')
    stored, _ = services.ingest(bytes(m), source="upload")
    page = controller_client.get(stored.get_absolute_url()).content.decode()
    for bad in ("t.example", "javascript:", "data:image", "iframe", "evil.example", "style="):
        assert bad not in page, bad
    assert "Betaald" in page and 'src="cid:logo"' in page
    download = controller_client.get(reverse("dunning:inbox_attachment", args=[stored.attachments.get().pk]))
    assert (
        download["Content-Disposition"].startswith("attachment;")
        and "\n" not in download["Content-Disposition"]
    )
    assert (
        download["Content-Type"] == "application/octet-stream"
        and download["X-Content-Type-Options"] == "nosniff"
    )
