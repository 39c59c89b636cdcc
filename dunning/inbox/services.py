"""Ingest a mail once, thread it, link it, classify it, assign it; and what people do with it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Contact, Customer, Event, Invoice, Task
from accounts.services import Actor, lock_customer, record_event
from creditmgmt import texts
from creditmgmt.texts import Text
from dunning.inbox import classify as classifier
from dunning.inbox import replies
from dunning.inbox.extract import candidate_references, find_amount, find_date
from dunning.inbox.parse import parse
from dunning.models import InboundAttachment, InboundMail, MailCategory, Message

SYSTEM = "system: inbox"
# Words that point at a dispute reason (nl, en, de, fr); the first reason whose word is in the mail.
REASON_WORDS = {
    "damaged": ("beschadigd", "kapot", "verkeerd", "damaged", "broken", "wrong", "beschädigt", "endommag"),
    "not_received": ("niet ontvangen", "niet geleverd", "not received", "never arrived", "nicht erhalten"),
    "price": ("prijs", "te duur", "price", "overcharged", "preis", "prix"),
    "quantity": ("aantal", "hoeveelheid", "quantity", "menge", "quantité"),
    "duplicate": ("dubbel", "twee keer", "duplicate", "twice", "doppelt"),
    "not_ordered": ("niet besteld", "not ordered", "nicht bestellt"),
}


def dispute_reason_for(mail: InboundMail):
    """The dispute reason the mail's words suggest, else "other" (a controller refines it later)."""
    from dunning.models import DisputeReason

    text = f"{mail.subject} {mail.body_text}".lower()
    reasons = {r.code: r for r in DisputeReason.objects.active()}
    for code, words in REASON_WORDS.items():
        if code in reasons and any(word in text for word in words):
            return reasons[code]
    return reasons.get("other") or next(iter(reasons.values()), None)


@dataclass
class Link:
    customer: Customer | None
    how: str
    invoices: list[str]


def thread_of(*, in_reply_to: str, references: list[str]) -> tuple[str, Customer | None]:
    """The conversation's root and customer, from the mails and outbox messages it answers."""
    wanted = [i for i in [in_reply_to, *reversed(references)] if i]
    if not wanted:
        return "", None
    ours = {m.message_id: m for m in Message.objects.filter(message_id__in=wanted).select_related("customer")}
    theirs = {
        m.message_id: m for m in InboundMail.objects.filter(message_id__in=wanted).select_related("customer")
    }
    for mid in wanted:
        if mid in theirs:
            parent = theirs[mid]
            return parent.thread_root or mid, parent.customer
        if mid in ours:
            # Our reply carries the conversation's references: its first one is the root.
            root = (ours[mid].references.split() or [None])[0]
            return root or (references[0] if references else mid), ours[mid].customer
    return (references[0] if references else in_reply_to), None


def link(*, from_address: str, text: str, thread_customer: Customer | None) -> Link:
    """Thread first, then the sender's address (contacts, then earlier mail), then invoice numbers."""
    tokens = candidate_references(text)
    invoices = list(
        Invoice.objects.filter(Q(number__in=tokens) | Q(payment_reference__in=tokens)).values_list(
            "number", "customer_id"
        )
    )
    numbers = [n for n, _ in invoices]
    if thread_customer is not None:
        return Link(thread_customer, "thread", [n for n, c in invoices if c == thread_customer.pk])
    if from_address:
        contact = Contact.objects.filter(email__iexact=from_address).select_related("customer").first()
        if contact:
            return Link(contact.customer, "contact", [n for n, c in invoices if c == contact.customer_id])
        seen = (
            InboundMail.objects.filter(from_address=from_address, customer__isnull=False)
            .select_related("customer")
            .first()
        )
        if seen:
            return Link(seen.customer, "seen", [n for n, c in invoices if c == seen.customer_id])
    owners = {c for _, c in invoices}
    if len(owners) == 1:
        return Link(Customer.objects.get(pk=owners.pop()), "invoice", numbers)
    return Link(None, "", numbers)


def ingest(raw: bytes, *, source: str) -> tuple[InboundMail, bool]:
    """Store the mail once; returns (mail, created). A duplicate returns the stored one untouched."""
    parsed = parse(raw)
    existing = InboundMail.objects.filter(
        Q(content_hash=parsed.content_hash) | Q(message_id=parsed.message_id)
        if parsed.message_id
        else Q(content_hash=parsed.content_hash)
    ).first()
    if existing:
        return existing, False
    root, thread_customer = thread_of(in_reply_to=parsed.in_reply_to, references=parsed.references)
    found = link(
        from_address=parsed.from_address,
        text=f"{parsed.subject}\n{parsed.body_text}",
        thread_customer=thread_customer,
    )
    verdict = (
        classifier.classify(subject=parsed.subject, body=parsed.body_text, headers=parsed.headers)
        if not parsed.error
        else classifier.Verdict(MailCategory.OTHER, "rule", _("malformed mail"))
    )
    today = timezone.localdate()
    auto = verdict.category == MailCategory.AUTO_REPLY
    # Auto-replies need no answer: closed at once, no response target, nothing held back.
    respond_by = None if auto else replies.respond_by(timezone.now())
    try:
        with transaction.atomic():
            if found.customer:
                lock_customer(found.customer.pk)
            mail = InboundMail.objects.create(
                message_id=parsed.message_id,
                content_hash=parsed.content_hash,
                raw=raw,
                source=source,
                malformed=bool(parsed.error),
                parse_error=parsed.error,
                from_address=parsed.from_address,
                from_name=parsed.from_name,
                to=parsed.to,
                subject=parsed.subject,
                sent_at=parsed.sent_at,
                in_reply_to=parsed.in_reply_to,
                references=" ".join(parsed.references),
                thread_root=root or parsed.message_id or "",
                body_text=parsed.body_text,
                body_html=parsed.body_html,
                customer=found.customer,
                linked_by=found.how,
                assignee=found.customer.controller if found.customer else None,
                status=InboundMail.Status.DONE if auto else InboundMail.Status.OPEN,
                category=verdict.category,
                classified_by=verdict.by,
                why=verdict.why[:300],
                invoice_numbers=found.invoices,
                promised_date=find_date(parsed.body_text, today=today)
                if verdict.category == MailCategory.PROMISE
                else None,
                promised_amount=find_amount(parsed.body_text)
                if verdict.category == MailCategory.PROMISE
                else None,
                acted="auto_closed" if auto else "",
                respond_by=respond_by,
            )
            InboundAttachment.objects.bulk_create(
                InboundAttachment(
                    mail=mail,
                    filename=a.filename,
                    content_type=a.content_type[:100],
                    size=len(a.data) if not a.refused else 0,
                    data=a.data,
                    refused=a.refused,
                )
                for a in parsed.attachments
            )
            if found.customer:
                _on_timeline(mail)
    except IntegrityError:  # the same mail arrived twice at once: the other one won
        return InboundMail.objects.get(content_hash=parsed.content_hash), False
    return mail, True


def _on_timeline(mail: InboundMail, by: Actor = SYSTEM) -> None:
    record_event(
        customer=mail.customer_id,
        kind=Event.Kind.MESSAGE,
        verb="received",
        summary=Text(
            gettext_noop("E-mail received from %(sender)s: %(subject)s"),
            sender=mail.from_address or "?",
            subject=mail.subject or "–",
        ),
        by=by,
        target=mail,
        data={"mail": mail.pk, "category": mail.category},
    )


def link_to_customer(*, mail: InboundMail, customer: Customer, by: Actor) -> InboundMail:
    """Triage: a person names the customer; the mail goes to that customer's controller."""
    with transaction.atomic():
        lock_customer(customer.pk)
        mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
        mail.customer = customer
        mail.linked_by = "person"
        mail.assignee = customer.controller
        numbers = set(Invoice.objects.filter(customer=customer).values_list("number", flat=True))
        mail.invoice_numbers = [
            n for n in candidate_references(f"{mail.subject}\n{mail.body_text}") if n in numbers
        ]
        mail.save(update_fields=["customer", "linked_by", "assignee", "invoice_numbers"])
        _on_timeline(mail, by)
    return mail


def set_status(*, mail: InboundMail, status: str, by: Actor) -> InboundMail:
    """Open, waiting for the customer, done; leaving "open" is a response (it meets the target)."""
    if status not in InboundMail.Status.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        InboundMail.objects.filter(pk=mail.pk).update(status=status)
        if status != InboundMail.Status.OPEN:
            replies.mark_responded(mail=mail, at=timezone.now(), by=by)
    mail.status = status
    return mail


def follow_up_unanswered(*, now=None) -> int:
    """Mails past their first-response target get one task for their assignee (safe to run again:
    the mail keeps its task, one per mail in the database). Returns how many tasks were made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    candidates = list(
        InboundMail.objects.response_overdue(now)
        .select_related("customer", "assignee")
        .order_by("respond_by")[:500]
    )
    for mail in candidates:
        with transaction.atomic():
            locked = (
                InboundMail.objects.response_overdue(now)
                .select_for_update(skip_locked=True)
                .filter(pk=mail.pk)
                .first()
            )
            if locked is None:  # answered meanwhile, or another worker took it
                continue
            task = Task.objects.create(
                customer=mail.customer,
                kind=Task.Kind.FOLLOW_UP,
                **texts.stored(
                    "title",
                    Text(
                        gettext_noop("Answer the e-mail from %(sender)s: %(subject)s"),
                        sender=mail.from_name or mail.from_address,
                        subject=mail.subject or "–",
                    ),
                    200,
                ),
                # The ids: reading customer.controller would fetch the user per mail.
                assignee_id=mail.assignee_id or mail.customer.controller_id,
                due_date=today,
                priority=Task.Priority.HIGH,
            )
            InboundMail.objects.filter(pk=mail.pk).update(response_task=task)
            record_event(
                customer=mail.customer_id,
                kind=Event.Kind.TASK,
                verb="created",
                summary=Text(
                    gettext_noop("E-mail not answered within the response target: %(title)s"),
                    title=task.title_message,
                ),
                by=SYSTEM,
                target=task,
                data={"mail": mail.pk},
            )
            made += 1
    return made


def correct_category(*, mail: InboundMail, category: str, by: Actor) -> InboundMail:
    """A person's label: used from now on for this mail and by the next training run."""
    if category not in MailCategory.values:
        raise ValidationError(_("Unknown category."))
    mail.category = category
    mail.classified_by = InboundMail.ClassifiedBy.PERSON
    mail.why = _("set by %(who)s") % {"who": by}
    if category == MailCategory.PROMISE and mail.promised_date is None:
        mail.promised_date = find_date(mail.body_text, today=timezone.localdate())
        mail.promised_amount = find_amount(mail.body_text)
    mail.save(update_fields=["category", "classified_by", "why", "promised_date", "promised_amount"])
    return mail


def mark_read(mail: InboundMail) -> None:
    if mail.read_at is None:
        InboundMail.objects.filter(pk=mail.pk, read_at__isnull=True).update(read_at=timezone.now())


def suggested_invoices(mail: InboundMail, open_invoices: Sequence[Invoice] | None = None) -> list[Invoice]:
    """The open invoices the mail names, or else all the customer's open invoices.

    `open_invoices` is the customer's open invoices (replies.open_invoices) when the caller has them."""
    if mail.customer_id is None:
        return []
    if open_invoices is None:
        open_invoices = list(replies.open_invoices(mail.customer_id))
    named = [i for i in open_invoices if i.number in set(mail.invoice_numbers)]
    return named or list(open_invoices)


def accept_promise(*, mail: InboundMail, by: Actor):
    from dunning.services.promises import make_promise

    if mail.customer_id is None:
        raise ValidationError(_("Link the mail to a customer first."))
    if mail.promised_date is None:
        raise ValidationError(_("No date found in the mail: record the promise from the customer page."))
    invoices = suggested_invoices(mail)
    with transaction.atomic():
        promise = make_promise(
            customer=mail.customer,
            invoices=invoices,
            promised_date=mail.promised_date,
            amount=mail.promised_amount
            if mail.promised_amount and mail.promised_amount <= sum(i.open_amount for i in invoices)
            else None,
            channel="mail",
            by=by,
            note=_("From the e-mail: %(subject)s") % {"subject": mail.subject},
        )
        replies.mark_responded(
            mail=mail, at=timezone.now(), by=by, status=InboundMail.Status.DONE, acted="promise"
        )
    return promise


def accept_dispute(*, mail: InboundMail, by: Actor):
    from dunning.services.disputes import open_dispute

    if mail.customer_id is None:
        raise ValidationError(_("Link the mail to a customer first."))
    with transaction.atomic():
        dispute = open_dispute(
            customer=mail.customer,
            invoices=suggested_invoices(mail),
            reason=dispute_reason_for(mail),
            message=mail.body_text[:2000],
            by=by,
            channel="mail",
        )
        replies.mark_responded(
            mail=mail, at=timezone.now(), by=by, status=InboundMail.Status.DONE, acted="dispute"
        )
    return dispute
