"""Mail to customers from the inbox: replies and new mails from templates, through the outbox.

A reply is an outbox `Message` like a reminder: the outbox delivers it, marks it sent and puts it on
the customer's timeline. It carries In-Reply-To and References so the customer's mail program keeps
the conversation together, and its own Message-ID so their next answer threads back here. Invoice
copies and the statement are rendered when the mail is sent (the same PDFs as the invoice page and
the portal), so the message row stays small and a retried send attaches the same documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contact, Customer, Invoice, Task
from accounts.services import Actor, lock_customer
from dunning.compose import TemplateIndex, find_template
from dunning.models import Channel, InboundMail, Message, Template
from dunning.portal.links import sample_links
from dunning.rendering import Rendered, build_context, email_contact, portal_url, render_text

PORTAL_PLACEHOLDER = "[portal-link]"
REPLY_KEY = "inbox-reply"
COPY_KEY = "inbox-copy"
MAX_COPIES = 20  # a mail asking for "all invoices" of a big customer gets the statement and the first 20
# A copy request that says one of these wants the statement of account too (nl, en, de, fr).
STATEMENT_WORDS = (
    "statement", "overzicht", "rekeningoverzicht", "saldo", "kontoauszug", "relevé", "releve", "aperçu",
)  # fmt: skip


def key_label(key: str) -> str:
    """What a person sees for a template key in the reply form."""
    labels = {REPLY_KEY: _("Reply"), COPY_KEY: _("Invoice copies")}
    return str(labels.get(key, key))


def new_token() -> str:
    """Put in the reply form: submitting the same form twice queues one message."""
    return uuid.uuid4().hex


def reply_keys() -> list[str]:
    """The template keys a person can start a reply from (every current inbox-… e-mail text)."""
    return sorted(
        set(
            Template.objects.current()
            .filter(channel=Channel.EMAIL, key__startswith="inbox-")
            .values_list("key", flat=True)
        )
    )


def addressee(customer: Customer, to: str) -> tuple[Contact | None, str]:
    """The contact we write to (by address, else the e-mail contact) and the language to write in."""
    contacts = list(customer.contacts.all())
    contact = next((c for c in contacts if c.email and c.email.lower() == to.lower()), None)
    contact = contact or email_contact(contacts)
    return contact, (contact.language if contact and contact.language else "") or customer.language


def open_invoices(customer_id: int) -> QuerySet[Invoice]:
    """The customer's open invoices, the oldest due first: what a mail to them names and attaches."""
    return Invoice.objects.filter(
        customer_id=customer_id, status=Invoice.Status.OPEN, open_amount__gt=0
    ).order_by("due_date", "id")


def copy_documents(mail: InboundMail, suggested: list[Invoice] | None = None) -> tuple[list[Invoice], bool]:
    """The invoices to send copies of (the ones named, else all open) and whether to add the statement.

    `suggested` is the mail's suggested invoices when the caller has them already."""
    from dunning.inbox.services import suggested_invoices

    invoices = suggested_invoices(mail) if suggested is None else suggested
    named = bool(mail.invoice_numbers) and any(i.number in mail.invoice_numbers for i in invoices)
    text = f"{mail.subject} {mail.body_text}".lower()
    statement = not named or any(word in text for word in STATEMENT_WORDS)
    return invoices[:MAX_COPIES], statement


def draft(
    *,
    customer: Customer,
    key: str,
    to: str,
    mail: InboundMail | None = None,
    invoices: Sequence[Invoice] | None = None,
    today: date | None = None,
) -> tuple[Rendered, str]:
    """The template's text for this customer, in their language; (rendered, language). Writes nothing.

    `invoices` are the ones the text lists; None reads the customer's open ones."""
    today = today or timezone.localdate()
    contact, language = addressee(customer, to)
    # The index keeps the first variant (A) per language: a reply is not part of a wording test.
    templates = TemplateIndex(Template.objects.current().filter(key=key, channel=Channel.EMAIL))
    if not templates:
        raise ValidationError(_("There is no e-mail template “%(key)s”.") % {"key": key})
    template = find_template(templates, key, Channel.EMAIL, language)
    if invoices is None:
        invoices = open_invoices(customer.pk)[:MAX_COPIES]
    # A draft writes nothing: no portal link yet, a placeholder that queue_email swaps for a real one.
    with sample_links():
        context = build_context(customer=customer, contact=contact, invoices=list(invoices), today=today)
    context["portal_url"] = PORTAL_PLACEHOLDER
    subject = (mail.subject if mail else "") or ""
    # "Re: Re: ..." stays one "Re:" however long the conversation.
    while subject[:3].lower() in ("re:", "aw:", "sv:"):
        subject = subject[3:].strip()
    received = mail.sent_at or mail.received_at if mail else None
    context["mail"] = {
        "subject": subject,
        "received": timezone.localtime(received).date() if received else None,
    }
    return render_text(
        subject=template.subject, body=template.body, context=context, language=template.language
    ), template.language


def _thread_headers(mail: InboundMail) -> tuple[str, str]:
    """In-Reply-To and References (RFC 5322 3.6.4): their references plus the mail answered."""
    if not mail.message_id:
        return "", mail.references[:2000]
    references = [r for r in mail.references.split() if r] + [mail.message_id]
    # Long conversations: keep the first and the last ones (the root and the recent context).
    if len(references) > 10:
        references = references[:1] + references[-9:]
    return mail.message_id, " ".join(references)


def queue_email(
    *,
    customer: Customer,
    to: str,
    subject: str,
    body: str,
    by: Actor,
    token: str,
    mail: InboundMail | None = None,
    invoices: Sequence[Invoice] = (),
    statement: bool = False,
    language: str = "",
    acted: str = "reply",
) -> Message:
    """Queue an e-mail to the customer (a reply to `mail`, or a new one); the outbox sends it.

    Answering a mail counts as its first response and moves it to "waiting for the customer"."""
    from django_q.tasks import async_task

    from dunning.outbox import outgoing_message_id

    to, subject, body = to.strip(), " ".join(subject.split()), body.strip()
    errors = {}
    if "@" not in to or len(to) > 300:
        errors["to"] = _("Give the e-mail address to write to.")
    if not subject:
        errors["subject"] = _("The subject is empty.")
    elif len(subject) > 200:
        errors["subject"] = _("The subject is longer than 200 characters.")
    if not body:
        errors["body"] = _("The text is empty.")
    if mail is not None and mail.customer_id != customer.pk:
        errors["to"] = _("Link the mail to a customer first.")
    if errors:
        raise ValidationError(errors)
    key = f"inbox:{mail.pk if mail else 'new'}:{customer.pk}:{token}"[:100]
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing:  # the same form sent twice
        return existing
    in_reply_to, references = _thread_headers(mail) if mail else ("", "")
    now = timezone.now()
    try:
        with transaction.atomic():
            lock_customer(customer.pk)
            if PORTAL_PLACEHOLDER in body:  # the customer's personal link, made now it is sent
                body = body.replace(PORTAL_PLACEHOLDER, portal_url(customer))
            message = Message(
                customer=customer,
                channel=Channel.EMAIL,
                language=language or customer.language,
                recipient=to,
                subject=subject,
                body=body + "\n",
                idempotency_key=key,
                reply_to_mail=mail,
                in_reply_to=in_reply_to,
                references=references,
                attachments=[{"invoice": i.pk} for i in invoices]
                + ([{"statement": True}] if statement else []),
            )
            message.message_id = outgoing_message_id(message)
            message.save(force_insert=True)
            if mail is not None:
                mark_responded(mail=mail, at=now, by=by, status=InboundMail.Status.WAITING, acted=acted)
            transaction.on_commit(lambda: async_task("dunning.tasks.deliver"))
    except IntegrityError:  # two submits of one form at the same moment: the other one queued it
        return Message.objects.get(idempotency_key=key)
    return message


def queue_email_from_form(
    data: Mapping[str, str], *, customer: Customer, by: Actor, mail: InboundMail | None = None
) -> Message:
    """queue_email with what the reply and the compose form send: to, subject, body, language, token."""
    return queue_email(
        customer=customer,
        to=data.get("to", ""),
        subject=data.get("subject", ""),
        body=data.get("body", ""),
        language=data.get("language", "")[:2],
        # The form's token makes a double submit one message; a form without one still sends.
        token=data.get("token", "")[:40] or new_token(),
        mail=mail,
        by=by,
    )


def mark_responded(
    *, mail: InboundMail, at: datetime, by: Actor, status: str | None = None, acted: str = ""
) -> None:
    """The first response to a mail: stamp it once, and close the follow-up task the target made."""
    from accounts.services import complete_task

    changes: dict = {}
    if status:
        changes["status"] = status
    if acted:
        changes["acted"] = acted
    if changes:
        InboundMail.objects.filter(pk=mail.pk).update(**changes)
    InboundMail.objects.filter(pk=mail.pk, responded_at__isnull=True).update(responded_at=at)
    task_id = InboundMail.objects.filter(pk=mail.pk).values_list("response_task_id", flat=True).first()
    if task_id and Task.objects.filter(pk=task_id, status=Task.Status.OPEN).exists():
        complete_task(
            task=Task.objects.get(pk=task_id), outcome=Task.Outcome.RESOLVED, by=by, note=_("Mail answered")
        )


def accept_copy(*, mail: InboundMail, by: Actor, token: str) -> Message:
    """The "invoice copy / statement" suggestion: a reply from the copy template with the PDFs attached."""
    if mail.customer_id is None:
        raise ValidationError(_("Link the mail to a customer first."))
    customer = mail.customer
    invoices, statement = copy_documents(mail)
    if not invoices and not statement:
        raise ValidationError(_("This customer has no open invoices to send."))
    rendered, language = draft(
        customer=customer, key=COPY_KEY, to=mail.from_address, mail=mail, invoices=invoices
    )
    return queue_email(
        customer=customer,
        to=mail.from_address,
        subject=rendered.subject,
        body=rendered.body,
        by=by,
        token=token,
        mail=mail,
        invoices=invoices,
        statement=statement,
        language=language,
        acted="copy",
    )


def attachments_for(message: Message) -> list[tuple[str, bytes, str]]:
    """The PDFs a message carries, rendered now: (filename, bytes, content type)."""
    from accounts.pdf import render_invoice_pdf
    from dunning.portal.statement import render_statement_pdf

    wanted = [a["invoice"] for a in message.attachments if "invoice" in a]
    files = []
    if wanted:
        by_pk = {i.pk: i for i in Invoice.objects.filter(pk__in=wanted).select_related("customer")}
        for pk in wanted:
            if (invoice := by_pk.get(pk)) is not None:
                files.append(
                    (f"{invoice.number}.pdf", render_invoice_pdf(invoice).getvalue(), "application/pdf")
                )
    if any(a.get("statement") for a in message.attachments):
        customer = message.customer
        pdf = render_statement_pdf(
            customer, list(open_invoices(customer.pk)), today=timezone.localdate(), language=message.language
        )
        files.append((f"statement-{customer.number}.pdf", pdf.getvalue(), "application/pdf"))
    return files


def respond_by(received: datetime, *, days: int | None = None) -> datetime:
    """`days` working days (Monday to Friday) after arrival; a weekend arrival counts from Monday morning."""
    days = settings.INBOX_FIRST_RESPONSE_DAYS if days is None else days
    local = timezone.localtime(received)
    if local.weekday() >= 5:
        local = (local + timedelta(days=7 - local.weekday())).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
    while days > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local
