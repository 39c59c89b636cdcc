"""Credit limits and reservations: the limit a decision may grant and what counts against it.

- The base limit is `Customer.credit_limit`. `CreditTerms` adds a review date
  (a limit-review task opens when it passes) and a temporary limit with an end
  date that a manager grants; while it runs it is the limit, afterwards the base
  applies again by itself.
- A `Reservation` is an accepted order not invoiced yet: its amount counts in
  the exposure of the customer's group until an invoice with the same order
  reference arrives or the reservation expires.
- Every change of a limit is on the customer's timeline with who and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from acceptance.models import CreditTerms, Decision, Reservation
from accounts.models import MONEY, ZERO, Customer, Event, Invoice, Task
from accounts.queries import group_member_ids
from accounts.services import Actor, create_task, lock_customer, record_event
from creditmgmt.models import User
from creditmgmt.permissions import MANAGERS

ACTOR = "system: credit limits"
MONEY_FIELD = DecimalField(**MONEY)


def reservation_days() -> int:
    return getattr(settings, "ACCEPTANCE_RESERVATION_DAYS", 30)


def open_reservations(today: date):
    """Reservations that count today: open, not expired, and no invoice with their order reference."""
    invoiced = Invoice.objects.filter(
        customer=OuterRef("customer"), order_reference=OuterRef("order_reference")
    ).exclude(status=Invoice.Status.CANCELLED)
    return Reservation.objects.filter(status=Reservation.Status.OPEN, expires_on__gte=today).exclude(
        Exists(invoiced)
    )


@dataclass(frozen=True)
class Exposure:
    open_amount: Decimal  # open invoices of the group
    reserved: Decimal  # open reservations of the group
    limit: Decimal  # the customer's limit today: a running temporary limit, else the base limit

    @property
    def total(self) -> Decimal:
        return self.open_amount + self.reserved

    @property
    def available(self) -> Decimal:
        return max(self.limit - self.total, ZERO)


def exposure_and_limit(customer: Customer, *, today: date) -> Exposure:
    """Group exposure with reservations, and the limit that applies today.

    The group walk (accounts.queries.group_member_ids, one query per level) and
    one aggregate that sums open amounts and reservations and reads a running
    temporary limit: as many queries as accounts.queries.group_exposure.
    """
    members = group_member_ids(customer)
    reserved = (
        open_reservations(today)
        .filter(customer=OuterRef("pk"), currency=OuterRef("currency"))
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    temporary = CreditTerms.objects.filter(
        customer=OuterRef("pk"), temporary_until__gte=today, temporary_limit__isnull=False
    ).values("temporary_limit")
    # One row per group company (groups are small), summed here: one query.
    rows = (
        Customer.objects.filter(pk__in=members, currency=customer.currency)
        .annotate(
            reserved=Subquery(reserved, output_field=MONEY_FIELD),
            temporary=Subquery(temporary[:1], output_field=MONEY_FIELD),
        )
        .values_list("pk", "open_amount", "reserved", "temporary")
    )
    open_amount = reserved_total = ZERO
    limit = customer.credit_limit
    for pk, open_, reserved_, temporary_ in rows:
        open_amount += open_ or ZERO
        reserved_total += reserved_ or ZERO
        if pk == customer.pk and temporary_ is not None:
            limit = temporary_
    cent = Decimal("0.01")
    return Exposure(
        open_amount=Decimal(open_amount).quantize(cent),
        reserved=Decimal(reserved_total).quantize(cent),
        limit=Decimal(limit).quantize(cent),
    )


def _terms(customer_id: int) -> CreditTerms:
    terms, _created = CreditTerms.objects.select_for_update().get_or_create(customer_id=customer_id)
    return terms


def set_credit_limit(
    *, customer: Customer, amount: Decimal, reason: str, by: Actor, review_on: date | None = None
) -> Customer:
    """Change the base credit limit (and the review date) with a reason; on the timeline."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the limit changes."))
    if amount < 0:
        raise ValidationError(_("A credit limit cannot be negative."))
    with transaction.atomic():
        lock_customer(customer.pk)
        customer = Customer.objects.get(pk=customer.pk)
        terms = _terms(customer.pk)
        old, old_review = customer.credit_limit, terms.review_on
        if old == amount and old_review == review_on:
            return customer
        Customer.objects.filter(pk=customer.pk).update(credit_limit=amount)
        customer.credit_limit = amount
        terms.review_on = review_on
        terms.save(update_fields=["review_on"])
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="limit_changed",
            summary=_("Credit limit changed from %(old)s to %(new)s%(review)s: %(reason)s")
            % {
                "old": old,
                "new": amount,
                "review": (_(", review on %(date)s") % {"date": review_on.isoformat()}) if review_on else "",
                "reason": reason,
            },
            by=by,
            target=customer,
            data={
                "from": str(old),
                "to": str(amount),
                "review_on": review_on.isoformat() if review_on else None,
                "reason": reason,
            },
        )
    return customer


def grant_temporary_limit(
    *, customer: Customer, amount: Decimal, until: date, reason: str, by: User, today: date | None = None
) -> CreditTerms:
    """A manager raises the limit until a date; afterwards the base limit applies again by itself."""
    today = today or timezone.localdate()
    reason = reason.strip()
    if not (isinstance(by, User) and by.has_role(*MANAGERS)):
        raise ValidationError(_("Only a credit manager can grant a temporary limit."))
    if not reason:
        raise ValidationError(_("Say why the limit is raised."))
    if until < today:
        raise ValidationError(_("The end date of a temporary limit cannot be in the past."))
    with transaction.atomic():
        lock_customer(customer.pk)
        customer = Customer.objects.get(pk=customer.pk)
        if amount <= customer.credit_limit:
            raise ValidationError(
                _("A temporary limit is a raise: give more than the limit of %(limit)s.")
                % {"limit": customer.credit_limit}
            )
        terms = _terms(customer.pk)
        terms.temporary_limit, terms.temporary_until, terms.temporary_reason = amount, until, reason
        terms.save(update_fields=["temporary_limit", "temporary_until", "temporary_reason"])
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="limit_raised",
            summary=_("Credit limit raised from %(old)s to %(new)s until %(until)s: %(reason)s")
            % {"old": customer.credit_limit, "new": amount, "until": until.isoformat(), "reason": reason},
            by=by,
            target=customer,
            data={
                "from": str(customer.credit_limit),
                "to": str(amount),
                "until": until.isoformat(),
                "reason": reason,
            },
        )
    return terms


def reserve(
    *,
    customer: Customer,
    order_reference: str,
    amount: Decimal,
    by: Actor,
    decision: Decision | None = None,
    today: date | None = None,
    days: int | None = None,
) -> Reservation:
    """Reserve an accepted order's amount until it is invoiced (idempotent per order reference)."""
    today = today or timezone.localdate()
    order_reference = order_reference.strip()
    if not order_reference:
        raise ValidationError(_("A reservation needs the order reference."))
    if amount <= 0:
        raise ValidationError(_("A reservation needs an amount above zero."))
    with transaction.atomic():
        lock_customer(customer.pk)
        existing = Reservation.objects.filter(customer=customer, order_reference=order_reference).first()
        if existing is not None:
            return existing
        reservation = Reservation.objects.create(
            customer=customer,
            order_reference=order_reference,
            amount=amount,
            currency=customer.currency,
            decision=decision,
            expires_on=today + timedelta(days=days if days is not None else reservation_days()),
        )
        record_event(
            customer=customer,
            kind=Event.Kind.DECISION,
            verb="reserved",
            summary=_("Order %(ref)s reserved: %(amount)s until %(date)s")
            % {"ref": order_reference, "amount": amount, "date": reservation.expires_on.isoformat()},
            by=by,
            target=reservation,
        )
    return reservation


def daily(*, today: date) -> dict:
    """Close invoiced and expired reservations, end temporary limits, open limit-review tasks.

    Set-based for reservations (two UPDATEs); temporary limits and reviews are
    few a day and each gets its timeline event. Idempotent.
    """
    invoiced = Invoice.objects.filter(
        customer=OuterRef("customer"), order_reference=OuterRef("order_reference")
    ).exclude(status=Invoice.Status.CANCELLED)
    counts = {
        "reservations_invoiced": Reservation.objects.filter(status=Reservation.Status.OPEN)
        .filter(Exists(invoiced))
        .update(status=Reservation.Status.INVOICED, closed_on=today),
        "reservations_expired": Reservation.objects.filter(
            status=Reservation.Status.OPEN, expires_on__lt=today
        ).update(status=Reservation.Status.EXPIRED, closed_on=today),
        "temporary_ended": 0,
        "reviews": 0,
    }
    for terms in CreditTerms.objects.filter(temporary_until__lt=today).values_list("pk", flat=True):
        with transaction.atomic():
            lock_customer(terms)
            row = CreditTerms.objects.select_for_update(of=("self",)).select_related("customer").get(pk=terms)
            if row.temporary_until is None or row.temporary_until >= today:
                continue
            record_event(
                customer=row.customer,
                kind=Event.Kind.CUSTOMER,
                verb="limit_raise_ended",
                summary=_(
                    "Temporary credit limit of %(amount)s ended on %(until)s; the limit is %(limit)s again."
                )
                % {
                    "amount": row.temporary_limit,
                    "until": row.temporary_until.isoformat(),
                    "limit": row.customer.credit_limit,
                },
                by=ACTOR,
                data={"temporary": str(row.temporary_limit), "limit": str(row.customer.credit_limit)},
            )
            row.temporary_limit = row.temporary_until = None
            row.temporary_reason = ""
            row.save(update_fields=["temporary_limit", "temporary_until", "temporary_reason"])
            counts["temporary_ended"] += 1
    due = CreditTerms.objects.filter(review_on__lte=today).filter(
        Q(review_task_for__isnull=True) | ~Q(review_task_for=F("review_on"))
    )
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            lock_customer(pk)
            row = (
                CreditTerms.objects.select_for_update(of=("self",))
                .select_related("customer__controller")
                .get(pk=pk)
            )
            if row.review_on is None or row.review_on > today or row.review_task_for == row.review_on:
                continue
            if not Task.objects.open().filter(customer=row.customer, kind=Task.Kind.REVIEW).exists():
                create_task(
                    customer=row.customer,
                    title=_("Review the credit limit (review date %(date)s)")
                    % {"date": row.review_on.isoformat()},
                    due_date=today,
                    by=ACTOR,
                    kind=Task.Kind.REVIEW,
                )
                counts["reviews"] += 1
            row.review_task_for = row.review_on
            row.save(update_fields=["review_task_for"])
    return counts
