"""Promises to pay: made by a controller or the customer, checked by the daily run (kept or broken).

While a promise is open its invoices are out of dunning until the promised date plus the grace
days (PROMISE_GRACE_DAYS); the day after, the daily run decides: kept when what was paid on the
invoices since the promise covers the promised amount, else broken (a task for the controller, a
timeline event, and dunning resumes because the exclusion has ended).
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

from accounts.models import ZERO, Customer, Event, Invoice, Task
from accounts.services import Actor, create_task, lock_customer, money, record_event
from creditmgmt.models import User
from creditmgmt.templatetags.money import money as format_money
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
            summary=_("Promise to pay %(amount)s on %(date)s for %(invoices)s (%(channel)s)")
            % {
                "amount": format_money(amount, promise.currency),
                "date": promised_date.isoformat(),
                "invoices": ", ".join(i.number for i in rows),
                "channel": promise.get_channel_display().lower(),
            },
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
            summary=_("Promise to pay of %(date)s cancelled") % {"date": promise.promised_date.isoformat()}
            + (f": {note.strip()}" if note.strip() else ""),
            by=by,
            target=promise,
        )
    return promise


def check_promises(*, today: date) -> dict:
    """The daily check: open promises that are paid are kept; those past their grace period are broken.

    One query finds the open promises with what is open on their invoices now; only the ones that
    change are written, each in its own transaction (customer lock first). Safe to run twice."""
    counts = {"kept": 0, "broken": 0}
    candidates = (
        Promise.objects.open()
        .annotate(open_now=Sum("invoices__open_amount", filter=Q(invoices__status=Invoice.Status.OPEN)))
        .values_list("pk", "open_at_promise", "amount", "open_now", "paused_until")
    )
    for pk, open_then, amount, open_now, paused_until in candidates:
        paid = max(open_then - (open_now or ZERO), ZERO)
        if paid >= amount:
            counts["kept"] += _close(pk, kept=True, today=today)
        elif paused_until < today:
            counts["broken"] += _close(pk, kept=False, today=today)
        elif paid:
            Promise.objects.filter(pk=pk, status=Promise.Status.OPEN).update(paid_amount=paid)
    return counts


def _close(pk: int, *, kept: bool, today: date) -> int:
    with transaction.atomic():
        customer_id = Promise.objects.values_list("customer_id", flat=True).get(pk=pk)
        lock_customer(customer_id)
        promise = Promise.objects.select_for_update(of=("self",)).select_related("customer").get(pk=pk)
        if promise.status != Promise.Status.OPEN:
            return 0  # another run got there first
        open_now = promise.invoices.filter(status=Invoice.Status.OPEN).aggregate(t=Sum("open_amount"))["t"]
        paid = max(promise.open_at_promise - (open_now or ZERO), ZERO)
        promise.paid_amount = paid
        promise.checked_at = timezone.now()
        words = {
            "amount": format_money(promise.amount, promise.currency),
            "date": promise.promised_date.isoformat(),
            "paid": format_money(paid, promise.currency),
        }
        if kept:
            promise.status = Promise.Status.KEPT
            promise.save(update_fields=["status", "paid_amount", "checked_at"])
            record_event(
                customer=promise.customer,
                kind=Event.Kind.PROMISE,
                verb="kept",
                summary=_("Promise kept: %(amount)s promised for %(date)s, %(paid)s paid") % words,
                by=SYSTEM,
                target=promise,
            )
            return 1
        promise.status = Promise.Status.BROKEN
        promise.save(update_fields=["status", "paid_amount", "checked_at"])
        record_event(
            customer=promise.customer,
            kind=Event.Kind.PROMISE,
            verb="broken",
            summary=_("Promise broken: %(amount)s promised for %(date)s, %(paid)s paid; dunning resumes")
            % words,
            by=SYSTEM,
            target=promise,
        )
        create_task(
            customer=promise.customer,
            title=_("Promise broken: %(amount)s promised for %(date)s, %(paid)s paid") % words,
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
