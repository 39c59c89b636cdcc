"""Promises to pay: made by a controller or the customer, checked by the daily run (kept or broken).

While a promise is open its invoices are out of dunning until the promised date plus the grace
days (PROMISE_GRACE_DAYS); the day after, the daily run decides: kept when what was paid on the
invoices since the promise covers the promised amount, else broken (a task for the controller, a
timeline event, and dunning resumes because the exclusion has ended). A cancelled invoice is not a
payment: it leaves the promise with what it had open when promised (see still_owed); a promise
whose invoices were all cancelled ends as cancelled, neither kept nor broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ZERO, Customer, Event, Invoice, Task
from accounts.services import Actor, create_task, lock_customer, money, record_event
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.templatetags.money import money as format_money
from creditmgmt.texts import Text
from dunning.models import AgreementChannel, PaymentPlan, Promise

SYSTEM = "system: daily run"
# Promise further ahead than this are refused: the pause would be a dunning stop in disguise.
MAX_PROMISE_DAYS = 90


def actor_columns(by: Actor) -> dict:
    if isinstance(by, User):
        return {"created_by": by, "actor_label": ""}
    return {"created_by": None, "actor_label": str(by)[:100]}


def checked_invoices(*, customer: Customer, invoices: Sequence[Invoice]) -> list[Invoice]:
    """The invoices, locked and re-read: the customer's own, open, with something to pay.

    Call after lock_customer. Raises ValidationError naming what is wrong."""
    ids = sorted({i.pk for i in invoices})
    if not ids:
        raise ValidationError(_("Choose at least one invoice."))
    rows = list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("due_date", "id"))
    if len(rows) != len(ids) or any(i.customer_id != customer.pk for i in rows):
        raise ValidationError(_("An invoice belongs to another customer."))
    closed = [i.number for i in rows if i.status != Invoice.Status.OPEN or i.open_amount <= 0]
    if closed:
        raise ValidationError(_("Nothing is open on invoice %(numbers)s.") % {"numbers": ", ".join(closed)})
    return rows


def make_promise(
    *,
    customer: Customer,
    invoices: Sequence[Invoice],
    promised_date: date,
    amount: Decimal | None = None,
    channel: str,
    by: Actor,
    note: str = "",
) -> Promise:
    """Record a promise to pay; its invoices are out of dunning until the date plus the grace days."""
    today = timezone.localdate()
    if channel not in AgreementChannel.values:
        raise ValidationError(_("Choose how the promise was made."))
    if promised_date < today:
        raise ValidationError(_("The promised date is in the past."))
    if promised_date > today + timedelta(days=MAX_PROMISE_DAYS):
        raise ValidationError(
            _("A promise is at most %(days)s days ahead; propose a payment plan instead.")
            % {"days": MAX_PROMISE_DAYS}
        )
    with transaction.atomic():
        lock_customer(customer.pk)
        rows = checked_invoices(customer=customer, invoices=invoices)
        taken = set(
            Promise.objects.open().filter(invoices__in=rows).values_list("invoices__number", flat=True)
        ) | set(
            PaymentPlan.objects.pausing().filter(invoices__in=rows).values_list("invoices__number", flat=True)
        )
        taken &= {i.number for i in rows}
        if taken:
            raise ValidationError(
                _("Invoice %(numbers)s already has an open promise or payment plan.")
                % {"numbers": ", ".join(sorted(taken))}
            )
        currencies = {i.currency for i in rows}
        if len(currencies) > 1:
            raise ValidationError(
                _("The invoices are in different currencies; make one promise per currency.")
            )
        open_total = sum((i.open_amount for i in rows), ZERO)
        if amount is None:
            amount = open_total
        amount = money(amount)
        if amount <= 0:
            raise ValidationError(_("The promised amount must be more than zero."))
        if amount > open_total:
            raise ValidationError(
                _("The promised amount is more than the invoices' open amount (%(open)s).")
                % {"open": format_money(open_total, rows[0].currency)}
            )
        grace = settings.PROMISE_GRACE_DAYS
        promise = Promise.objects.create(
            customer=customer,
            amount=amount,
            currency=rows[0].currency,
            open_at_promise=open_total,
            open_by_invoice={str(i.pk): str(i.open_amount) for i in rows},
            promised_date=promised_date,
            grace_days=grace,
            paused_until=promised_date + timedelta(days=grace),
            channel=channel,
            note=note.strip()[:500],
            **actor_columns(by),
        )
        promise.invoices.set(rows)
        record_event(
            customer=customer,
            kind=Event.Kind.PROMISE,
            verb="promised",
            summary=Text(
                gettext_noop("Promise to pay %(amount)s on %(date)s for %(invoices)s (%(channel)s)"),
                amount=texts.money(amount, promise.currency),
                date=promised_date,
                invoices=", ".join(i.number for i in rows),
                channel=texts.choice(AgreementChannel, promise.channel),
            ),
            by=by,
            target=promise,
            data={"invoices": [i.pk for i in rows], "paused_until": promise.paused_until.isoformat()},
        )
    return promise


def cancel_promise(*, promise: Promise, by: Actor, note: str = "") -> Promise:
    """Withdraw an open promise: its invoices are back in dunning at once."""
    with transaction.atomic():
        lock_customer(promise.customer_id)
        promise = Promise.objects.select_for_update().get(pk=promise.pk)
        if promise.status != Promise.Status.OPEN:
            raise ValidationError(_("Only an open promise can be cancelled."))
        promise.status = Promise.Status.CANCELLED
        promise.checked_at = timezone.now()
        promise.save(update_fields=["status", "checked_at"])
        record_event(
            customer=promise.customer_id,
            kind=Event.Kind.PROMISE,
            verb="cancelled",
            summary=Text(
                gettext_noop("Promise to pay of %(date)s cancelled: %(note)s"),
                date=promise.promised_date,
                note=note.strip(),
            )
            if note.strip()
            else Text(gettext_noop("Promise to pay of %(date)s cancelled"), date=promise.promised_date),
            by=by,
            target=promise,
        )
    return promise


def still_owed(
    *, open_at_promise: Decimal, open_by_invoice: dict, cancelled: Sequence[tuple[int, Decimal]]
) -> Decimal:
    """What the promise covers once its cancelled invoices left it.

    A cancelled invoice is not a payment: it takes out what it had open when the promise was made
    (recorded per invoice; a promise made before that was recorded uses the invoice's open amount
    now). `cancelled`: (invoice id, open amount now) of the promise's cancelled invoices."""
    gone = sum(
        (
            Decimal(open_by_invoice[str(pk)]) if str(pk) in open_by_invoice else open_now
            for pk, open_now in cancelled
        ),
        ZERO,
    )
    return max(open_at_promise - gone, ZERO)


def judge(*, owed: Decimal, amount: Decimal, open_now: Decimal | None) -> tuple[str, Decimal]:
    """("kept" | "void" | "open", paid since the promise): kept when the payments cover the promised
    amount or everything still owed (less when invoices were cancelled); void when cancellations
    left nothing to pay."""
    if owed <= 0:
        return "void", ZERO
    paid = max(owed - (open_now or ZERO), ZERO)
    return ("kept" if paid >= min(amount, owed) else "open"), paid


def _cancelled_invoices(promises) -> dict[int, list[tuple[int, Decimal]]]:
    """Per promise, its cancelled invoices as (id, open amount now): one query."""
    cancelled: dict[int, list[tuple[int, Decimal]]] = {}
    rows = Promise.invoices.through.objects.filter(
        promise__in=promises, invoice__status=Invoice.Status.CANCELLED
    ).values_list("promise_id", "invoice_id", "invoice__open_amount")
    for promise_id, invoice_id, open_now in rows:
        cancelled.setdefault(promise_id, []).append((invoice_id, open_now))
    return cancelled


def check_promises(*, today: date) -> dict:
    """The daily check: open promises that are paid are kept; those past their grace period are broken.

    What counts as paid is what is no longer open on the promise's invoices, except for invoices
    cancelled since: those leave the promise (see still_owed). One query finds the open promises
    with what is open on their invoices now, one more their cancelled invoices; only the ones that
    change are written, each in its own transaction (customer lock first). Safe to run twice."""
    counts = {"kept": 0, "broken": 0, "void": 0}
    open_promises = Promise.objects.open()
    candidates = open_promises.annotate(
        open_now=Sum("invoices__open_amount", filter=Q(invoices__status=Invoice.Status.OPEN))
    ).values_list("pk", "open_at_promise", "amount", "open_now", "paused_until", "open_by_invoice")
    cancelled = _cancelled_invoices(open_promises.values("pk"))
    for pk, open_then, amount, open_now, paused_until, open_by_invoice in candidates:
        owed = still_owed(
            open_at_promise=open_then, open_by_invoice=open_by_invoice, cancelled=cancelled.get(pk, [])
        )
        verdict, paid = judge(owed=owed, amount=amount, open_now=open_now)
        if verdict != "open":
            counts[verdict] += _close(pk, verdict=verdict, today=today)
        elif paused_until < today:
            counts["broken"] += _close(pk, verdict="broken", today=today)
        elif paid:
            Promise.objects.filter(pk=pk, status=Promise.Status.OPEN).update(paid_amount=paid)
    return counts


# A closed promise's status, timeline verb and words, by verdict.
_CLOSING = {
    "void": (
        Promise.Status.CANCELLED,
        "cancelled",
        gettext_noop("Promise to pay of %(date)s ended: its invoices were cancelled, nothing is left to pay"),
    ),
    "kept": (
        Promise.Status.KEPT,
        "kept",
        gettext_noop("Promise kept: %(amount)s promised for %(date)s, %(paid)s paid"),
    ),
    "broken": (
        Promise.Status.BROKEN,
        "broken",
        gettext_noop("Promise broken: %(amount)s promised for %(date)s, %(paid)s paid; dunning resumes"),
    ),
}


def _close(pk: int, *, verdict: str, today: date) -> int:
    with transaction.atomic():
        customer_id = Promise.objects.values_list("customer_id", flat=True).get(pk=pk)
        lock_customer(customer_id)
        promise = Promise.objects.select_for_update(of=("self",)).select_related("customer").get(pk=pk)
        if promise.status != Promise.Status.OPEN:
            return 0  # another run got there first
        open_now = promise.invoices.filter(status=Invoice.Status.OPEN).aggregate(t=Sum("open_amount"))["t"]
        owed = still_owed(
            open_at_promise=promise.open_at_promise,
            open_by_invoice=promise.open_by_invoice,
            cancelled=_cancelled_invoices([pk]).get(pk, []),
        )
        # Judged again under the lock: a payment between the selection and here decides.
        now, paid = judge(owed=owed, amount=promise.amount, open_now=open_now)
        if now != "open":
            verdict = now
        elif verdict != "broken":
            return 0  # no longer kept (a payment undone meanwhile): the next check decides
        promise.paid_amount = paid
        promise.checked_at = timezone.now()
        words = {
            "amount": texts.money(promise.amount, promise.currency),
            "date": promise.promised_date,
            "paid": texts.money(paid, promise.currency),
        }
        status, verb, message = _CLOSING[verdict]
        promise.status = status
        promise.save(update_fields=["status", "paid_amount", "checked_at"])
        record_event(
            customer=promise.customer,
            kind=Event.Kind.PROMISE,
            verb=verb,
            summary=Text(message, **words),
            by=SYSTEM,
            target=promise,
        )
        if verdict != "broken":
            return 1
        create_task(
            customer=promise.customer,
            title=Text(
                gettext_noop("Promise broken: %(amount)s promised for %(date)s, %(paid)s paid"), **words
            ),
            due_date=today,
            kind=Task.Kind.CALL,
            priority=Task.Priority.HIGH,
            by=SYSTEM,
        )
        return 1


def kept_rate(customer: Customer, *, today: date) -> tuple[int, int, Decimal | None]:
    """(kept, broken, kept percentage) over promises due in the last 12 months; one query."""
    figures = Promise.objects.filter(
        customer=customer, promised_date__gt=today - timedelta(days=365)
    ).aggregate(
        kept=Count("pk", filter=Q(status=Promise.Status.KEPT)),
        broken=Count("pk", filter=Q(status=Promise.Status.BROKEN)),
    )
    kept, broken = figures["kept"], figures["broken"]
    return kept, broken, rate_of(kept, broken)


def rate_of(kept: int, broken: int) -> Decimal | None:
    """Kept promises as a percentage of the decided ones (one decimal); None when none was decided."""
    return (Decimal(100 * kept) / (kept + broken)).quantize(Decimal("0.1")) if kept + broken else None
