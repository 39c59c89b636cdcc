"""Disputes: open, follow up and end them. Each function is keyword-only, runs in one
transaction with the customer's lock taken first, writes a timeline Event (Kind.DISPUTE) and a
DisputeUpdate, and mails the owner and watchers after the commit.

While a dispute is open or investigating, its disputed amount is out of dunning
(dunning.selection: a fully disputed invoice is excluded, a partly disputed one is
reminded of its undisputed rest only). Ending a dispute puts the amount back, at
the dunning stage the customer had when the dispute was opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ZERO, Customer, Event, Invoice, Task
from accounts.services import (
    Actor,
    allocate,
    complete_task,
    create_task,
    lock_customer,
    money,
    post_invoice,
    record_event,
)
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.texts import Text
from dunning.models import CustomerDunning, Dispute, DisputeInvoice, DisputeReason, DisputeUpdate

ACTOR = "system: daily run"
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# What an attachment may be: its extension and the bytes such a file starts with.
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def _user(by: Actor) -> User | None:
    return by if isinstance(by, User) else None


def check_attachment(upload: UploadedFile) -> None:
    """PDF, PNG or JPEG up to 10 MB, judged by the name and the file's first bytes."""
    name = (upload.name or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The attachment is %(size)s MB; at most 10 MB is accepted.")
            % {"size": round(upload.size / 1024 / 1024, 1)}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if ext not in ATTACHMENT_TYPES or not head.startswith(ATTACHMENT_TYPES[ext]):
        raise ValidationError(_("Attach a PDF, PNG or JPEG file."))


def _reason(reason: DisputeReason) -> dict:
    """A dispute reason is named in both languages: the reader sees theirs."""
    return texts.in_languages(nl=reason.name_nl, en=reason.name_en)


def _locked(dispute: Dispute) -> Dispute:
    """Customer lock first, then the dispute row."""
    lock_customer(dispute.customer_id)
    return Dispute.objects.select_for_update().select_related("customer", "reason").get(pk=dispute.pk)


def _update(dispute: Dispute, *, verb: str, by: Actor, summary: Text, text: str = "", data=None):
    """The dispute's own history line, the customer timeline event, and the mail after the commit."""
    from django_q.tasks import async_task

    update = DisputeUpdate.objects.create(
        dispute=dispute,
        verb=verb,
        text=text,
        data=data or {},
        author=_user(by),
        author_label="" if isinstance(by, User) else str(by)[:100],
    )
    record_event(
        customer=dispute.customer_id,
        kind=Event.Kind.DISPUTE,
        verb=verb,
        summary=Text(gettext_noop("%(summary)s: %(text)s"), summary=summary, text=text) if text else summary,
        by=by,
        target=dispute,
        data={"dispute": dispute.pk, **(data or {})},
    )
    transaction.on_commit(lambda: async_task("dunning.notify.dispute_update", update.pk))
    return update


def _restore_stage(dispute: Dispute) -> None:
    """Dunning resumes where it was: the stage never falls below what it was at the opening.

    (While the oldest invoice was out of dunning, the daily run may have dropped
    the stage to what the younger invoices reached.)"""
    CustomerDunning.objects.filter(pk=dispute.customer_id, stage__lt=dispute.dunning_stage).update(
        stage=dispute.dunning_stage
    )


def open_dispute(
    *,
    customer: Customer,
    invoices: Iterable[Invoice],
    reason: DisputeReason,
    message: str = "",
    amount: Decimal | None = None,
    by: Actor,
    channel: str = "controller",
    attachment: UploadedFile | None = None,
    owner: User | None = None,
    watchers: Sequence[User] = (),
    due_date: date | None = None,
) -> Dispute:
    """Dispute (part of) one or more open invoices of the customer.

    `amount` None disputes the invoices' whole open amount; a smaller amount is
    spread over the invoices oldest first (each up to its open amount), and only
    that part leaves dunning. An invoice can be in one open dispute at a time.
    """
    ids = sorted({i.pk for i in invoices})
    if not ids:
        raise ValidationError(_("Choose at least one invoice to dispute."))
    if reason is None or not DisputeReason.objects.active().filter(pk=reason.pk).exists():
        raise ValidationError(_("Choose a reason for the dispute."))
    if channel not in Dispute.Channel.values:
        raise ValidationError(_("Unknown channel: %(channel)s") % {"channel": channel})
    if owner is not None and not owner.is_active:
        raise ValidationError(_("%(user)s is not an active user.") % {"user": owner})
    if attachment is not None:
        check_attachment(attachment)
    today = timezone.localdate()
    with transaction.atomic():
        lock_customer(customer.pk)
        rows = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("due_date", "id"))
        if len(rows) != len(ids) or any(i.customer_id != customer.pk for i in rows):
            raise ValidationError(_("Every disputed invoice must belong to this customer."))
        for invoice in rows:
            if invoice.is_credit_note or invoice.status != Invoice.Status.OPEN or invoice.open_amount <= 0:
                raise ValidationError(
                    _("Invoice %(number)s has nothing open to dispute.") % {"number": invoice.number}
                )
        busy = list(
            DisputeInvoice.objects.filter(invoice_id__in=ids, dispute__status__in=Dispute.OPEN_STATUSES)
            .select_related("invoice")
            .values_list("invoice__number", "dispute_id")
        )
        if busy:
            raise ValidationError(
                _("Invoice %(number)s is already in open dispute %(id)s.")
                % {"number": busy[0][0], "id": busy[0][1]}
            )
        total_open = sum((i.open_amount for i in rows), ZERO)
        amount = total_open if amount is None else money(amount)
        if amount <= 0:
            raise ValidationError(_("The disputed amount must be more than zero."))
        if amount > total_open:
            raise ValidationError(
                _("The disputed amount %(amount)s is more than the %(open)s open on these invoices.")
                % {"amount": amount, "open": total_open}
            )
        state = CustomerDunning.objects.filter(pk=customer.pk).values_list("stage", flat=True).first()
        dispute = Dispute.objects.create(
            customer=customer,
            reason=reason,
            message=message.strip(),
            amount=amount,
            currency=customer.currency,
            owner=owner,
            status=Dispute.Status.OPEN,
            due_date=due_date or today + timedelta(days=settings.DISPUTE_DUE_DAYS),
            channel=channel,
            dunning_stage=state or 0,
            created_by=_user(by),
            actor_label="" if isinstance(by, User) else str(by)[:100],
        )
        left = amount
        lines = []
        for invoice in rows:
            part = min(left, invoice.open_amount)
            if part > 0:
                lines.append(DisputeInvoice(dispute=dispute, invoice=invoice, amount=part))
            left -= part
        DisputeInvoice.objects.bulk_create(lines)
        if watchers:
            dispute.watchers.set([w for w in watchers if w.is_active])
        if attachment is not None:
            dispute.attachment.save(attachment.name.rsplit("/", 1)[-1], attachment, save=True)
        if not isinstance(by, User):
            # Raised by the customer (portal) or a system: someone must pick it up.
            create_task(
                customer=customer,
                title=Text(
                    gettext_noop("New dispute %(id)s (%(reason)s): look into it"),
                    id=dispute.pk,
                    reason=_reason(reason),
                ),
                due_date=today,
                by=by,
                kind=Task.Kind.DISPUTE,
                assignee=owner or customer.controller,
            )
        numbers = ", ".join(line.invoice.number for line in lines)
        _update(
            dispute,
            verb=DisputeUpdate.Verb.OPENED,
            by=by,
            summary=Text(
                gettext_noop("Dispute opened on %(numbers)s: %(amount)s, %(reason)s"),
                numbers=numbers,
                amount=texts.money(amount, dispute.currency),
                reason=_reason(reason),
            ),
            text=dispute.message,
            data={"amount": str(amount), "invoices": [line.invoice_id for line in lines]},
        )
    return dispute


def assign_owner(*, dispute: Dispute, owner: User | None, by: Actor) -> Dispute:
    if owner is not None and not owner.is_active:
        raise ValidationError(_("%(user)s is not an active user.") % {"user": owner})
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.owner_id == (owner.pk if owner else None):
            raise ValidationError(_("The dispute already has this owner."))
        dispute.owner = owner
        dispute.save(update_fields=["owner"])
        _update(
            dispute,
            verb=DisputeUpdate.Verb.ASSIGNED,
            by=by,
            summary=Text(
                gettext_noop("Dispute %(id)s handed to %(user)s"),
                id=dispute.pk,
                user=str(owner) if owner else Text(gettext_noop("nobody")),
            ),
            data={"owner": owner.pk if owner else None, "owner_name": str(owner or "")},
        )
    return dispute


def set_watchers(
    *, dispute: Dispute, by: Actor, add: Sequence[User] = (), remove: Sequence[User] = ()
) -> Dispute:
    """Add or remove watchers (they are told of every update)."""
    if any(not u.is_active for u in add):
        raise ValidationError(_("Only active users can watch a dispute."))
    with transaction.atomic():
        dispute = _locked(dispute)
        current = set(dispute.watchers.values_list("pk", flat=True))
        added = [u for u in add if u.pk not in current]
        removed = [u for u in remove if u.pk in current]
        if not added and not removed:
            raise ValidationError(_("Nothing changes in the watchers."))
        dispute.watchers.add(*added)
        dispute.watchers.remove(*removed)
        parts = []
        if added:
            parts.append(Text(gettext_noop("%(users)s now watch"), users=", ".join(map(str, added))))
        if removed:
            parts.append(Text(gettext_noop("%(users)s no longer watch"), users=", ".join(map(str, removed))))
        _update(
            dispute,
            verb=DisputeUpdate.Verb.WATCHERS,
            by=by,
            summary=Text(
                gettext_noop("Dispute %(id)s: %(what)s"), id=dispute.pk, what=texts.joined(parts, "; ")
            ),
            data={"added": [str(u) for u in added], "removed": [str(u) for u in removed]},
        )
    return dispute


def add_comment(*, dispute: Dispute, text: str, by: Actor) -> DisputeUpdate:
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a comment first."))
    with transaction.atomic():
        dispute = _locked(dispute)
        return _update(
            dispute,
            verb=DisputeUpdate.Verb.COMMENT,
            by=by,
            summary=Text(gettext_noop("Comment on dispute %(id)s"), id=dispute.pk),
            text=text,
        )


def _require_open(dispute: Dispute) -> None:
    if not dispute.is_open:
        raise ValidationError(
            _("This dispute is already %(status)s.") % {"status": dispute.get_status_display().lower()}
        )


def start_investigating(*, dispute: Dispute, by: Actor, note: str = "") -> Dispute:
    with transaction.atomic():
        dispute = _locked(dispute)
        if dispute.status != Dispute.Status.OPEN:
            raise ValidationError(_("Only an open dispute can be taken into investigation."))
        dispute.status = Dispute.Status.INVESTIGATING
        dispute.save(update_fields=["status"])
        _update(
            dispute,
            verb=DisputeUpdate.Verb.INVESTIGATING,
            by=by,
            summary=Text(gettext_noop("Dispute %(id)s under investigation"), id=dispute.pk),
            text=note.strip(),
        )
    return dispute


def _finish(dispute: Dispute, status: str, note: str, by: Actor) -> None:
    dispute.status = status
    dispute.resolved_at = timezone.now()
    dispute.resolution_note = note.strip()
    dispute.save(update_fields=["status", "resolved_at", "resolution_note", "credit_note"])
    _restore_stage(dispute)
    if dispute.escalation_task_id and dispute.escalation_task.status == Task.Status.OPEN:
        complete_task(
            task=dispute.escalation_task,
            outcome=Task.Outcome.RESOLVED,
            note=dispute.get_status_display(),
            by=by,
        )


def resolve_with_credit_note(
    *, dispute: Dispute, by: Actor, amount: Decimal | None = None, note: str = ""
) -> Dispute:
    """Post a credit note for the amount (default: the disputed amount) and allocate it to the
    disputed invoices, each up to its disputed and its open amount; in one transaction."""
    with transaction.atomic():
        dispute = _locked(dispute)
        _require_open(dispute)
        amount = dispute.amount if amount is None else money(amount)
        if amount <= 0:
            raise ValidationError(_("The credit note must be more than zero."))
        if amount > dispute.amount:
            raise ValidationError(
                _("The credit note %(amount)s is more than the disputed %(disputed)s.")
                % {"amount": amount, "disputed": dispute.amount}
            )
        today = timezone.localdate()
        credit_note = post_invoice(
            customer=dispute.customer,
            number=f"CN-D{dispute.pk}",
            issue_date=today,
            due_date=today,
            amount=-amount,
            by=by,
            description=_("Credit note for dispute %(id)s (%(reason)s)")
            % {"id": dispute.pk, "reason": dispute.reason.label(dispute.customer.language)},
        )
        left = amount
        lines = list(dispute.lines.select_related("invoice").order_by("invoice__due_date", "invoice_id"))
        for line in lines:
            part = min(left, line.amount, line.invoice.open_amount)
            if part > 0:
                allocate(invoice=line.invoice, credit_note=credit_note, amount=part, by=by)
                left -= part
        dispute.credit_note = credit_note
        _finish(dispute, Dispute.Status.RESOLVED_CREDIT_NOTE, note, by)
        _update(
            dispute,
            verb=DisputeUpdate.Verb.RESOLVED,
            by=by,
            summary=Text(
                gettext_noop("Dispute %(id)s resolved with credit note %(number)s of %(amount)s"),
                id=dispute.pk,
                number=credit_note.number,
                amount=texts.money(amount, dispute.currency),
            ),
            text=dispute.resolution_note,
            data={"credit_note": credit_note.pk, "amount": str(amount), "unallocated": str(left)},
        )
    return dispute


def reject_dispute(*, dispute: Dispute, by: Actor, note: str = "") -> Dispute:
    """The claim does not hold: the amount is back in dunning, at the stage it had."""
    if not note.strip():
        raise ValidationError(_("Say why the dispute is rejected (the customer will ask)."))
    with transaction.atomic():
        dispute = _locked(dispute)
        _require_open(dispute)
        _finish(dispute, Dispute.Status.REJECTED, note, by)
        _update(
            dispute,
            verb=DisputeUpdate.Verb.REJECTED,
            by=by,
            summary=Text(gettext_noop("Dispute %(id)s rejected; dunning resumes"), id=dispute.pk),
            text=dispute.resolution_note,
        )
    return dispute


def close_dispute(*, dispute: Dispute, by: Actor, note: str = "") -> Dispute:
    """Ended without a credit note (withdrawn, paid, settled otherwise): back in dunning."""
    with transaction.atomic():
        dispute = _locked(dispute)
        _require_open(dispute)
        _finish(dispute, Dispute.Status.CLOSED, note, by)
        _update(
            dispute,
            verb=DisputeUpdate.Verb.CLOSED,
            by=by,
            summary=Text(gettext_noop("Dispute %(id)s closed"), id=dispute.pk),
            text=dispute.resolution_note,
        )
    return dispute


def escalate_overdue(*, today: date) -> int:
    """A task for each open dispute past its due date, once per dispute (safe to run twice).

    The task goes to the owner, else to the customer's controller."""
    candidates = list(
        Dispute.objects.open()
        .filter(due_date__lt=today, escalation_task__isnull=True)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    made = 0
    for pk in candidates:
        with transaction.atomic():
            lock_customer(Dispute.objects.values_list("customer_id", flat=True).get(pk=pk))
            dispute = (
                Dispute.objects.select_for_update(of=("self",))
                .select_related("customer__controller", "owner")
                .get(pk=pk)
            )
            if dispute.escalation_task_id or not dispute.is_open:
                continue
            task = create_task(
                customer=dispute.customer,
                title=Text(
                    gettext_noop("Dispute %(id)s is past its due date (%(date)s): decide"),
                    id=dispute.pk,
                    date=dispute.due_date,
                ),
                due_date=today,
                by=ACTOR,
                kind=Task.Kind.DISPUTE,
                assignee=dispute.owner or dispute.customer.controller,
                priority=Task.Priority.HIGH,
            )
            dispute.escalation_task = task
            dispute.save(update_fields=["escalation_task"])
            _update(
                dispute,
                verb=DisputeUpdate.Verb.ESCALATED,
                by=ACTOR,
                summary=Text(
                    gettext_noop("Dispute %(id)s past its due date: task for %(user)s"),
                    id=dispute.pk,
                    user=str(task.assignee) if task.assignee else Text(gettext_noop("nobody")),
                ),
                data={"task": task.pk},
            )
            made += 1
    return made


def open_dispute_totals(customer_ids: Iterable[int]) -> dict[int, tuple[int, Decimal]]:
    """(open disputes, disputed amount) per customer, one query."""
    rows = (
        Dispute.objects.open()
        .filter(customer_id__in=list(customer_ids))
        .values("customer_id")
        .annotate(total=Sum("amount"), n=Count("id"))
        .values_list("customer_id", "n", "total")
    )
    return {c: (n, total) for c, n, total in rows}
