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
from decimal import Context as DecimalContext
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from acceptance.models import CreditTerms, Decision, Reservation
from accounts.models import ZERO, Customer, Event, Invoice, Task
from accounts.services import Actor, build_event, create_task, lock_customer, record_event
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.permissions import MANAGERS
from creditmgmt.rows import OneRowQuery, RowInsert, RowQuery, read_together
from creditmgmt.templatetags.money import money
from creditmgmt.texts import Text

ACTOR = "system: credit limits"


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


# The decision path reads the exposure on every request: written out in SQL, one statement for any
# group (the ORM spent ~3 ms of Python building the correlated subqueries, the database answers in
# ~0.1 ms). The group is accounts.queries.group_member_ids's: up to `depth` levels to the top
# company, then down every level below it, at most `depth` + 1 (a cycle in bad data stops there).
# Same rules as open_reservations() and CreditTerms (temporary_applies, objects.running);
# tests/acceptance/test_limits.py and test_features.py hold them to the same answers.
_EXPOSURE_SQL = """
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM {customer} WHERE id = %s
    UNION ALL
    SELECT c.id, c.parent_id, up.depth + 1 FROM {customer} c JOIN up ON c.id = up.parent_id
    WHERE up.depth < %s
),
top_company AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
grp(id, depth) AS (
    SELECT id, 0 FROM top_company
    UNION ALL
    SELECT c.id, grp.depth + 1 FROM {customer} c JOIN grp ON c.parent_id = grp.id WHERE grp.depth < %s
)
SELECT
    SUM(CASE WHEN m.currency = %s THEN m.open_amount END),
    SUM(CASE WHEN m.currency = %s THEN m.reserved END),
    MAX(CASE WHEN m.id = %s THEN m.temporary_limit END)
FROM (
    SELECT c.id, c.currency, c.open_amount,
        (SELECT SUM(r.amount) FROM {reservation} r
         WHERE r.customer_id = c.id AND r.currency = c.currency AND r.status = %s AND r.expires_on >= %s
           AND NOT EXISTS (SELECT 1 FROM {invoice} i WHERE i.customer_id = r.customer_id
                           AND i.order_reference = r.order_reference AND i.status <> %s)) AS reserved,
        (SELECT t.temporary_limit FROM {terms} t
         WHERE t.customer_id = c.id AND t.temporary_until >= %s AND t.temporary_limit IS NOT NULL
         LIMIT 1) AS temporary_limit
    FROM {customer} c WHERE c.id IN (SELECT id FROM grp)
) m
"""


_FLOAT_CONTEXT = DecimalContext(prec=15)  # as Django's SQLite backend turns floats into Decimal
CENT = Decimal("0.01")


def sum_as_money(value) -> Decimal:
    """A sum as Decimal with cents: PostgreSQL gives Decimal, SQLite a float (as the ORM converts)."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = _FLOAT_CONTEXT.create_decimal_from_float(float(value))
    return value.quantize(CENT)


def exposure_query(customer: Customer, *, today: date, depth: int = 6) -> OneRowQuery:
    """The group exposure with reservations and the customer's limit today, as one row
    (`{"exposure": Exposure}`), to read alone (exposure_and_limit) or with other figures
    (the decision's features). Members invoiced in another currency are left out of the sums;
    the limit is a running temporary limit, else `customer.credit_limit` as given."""
    sql = _EXPOSURE_SQL.format(
        customer=Customer._meta.db_table,
        reservation=Reservation._meta.db_table,
        invoice=Invoice._meta.db_table,
        terms=CreditTerms._meta.db_table,
    )
    params = [
        *(customer.pk, depth, depth + 1),
        *(customer.currency, customer.currency, customer.pk),
        *(Reservation.Status.OPEN, today, Invoice.Status.CANCELLED, today),
    ]

    def read(row: tuple) -> dict:
        open_amount, reserved, temporary = row
        limit = sum_as_money(temporary) if temporary is not None else Decimal(customer.credit_limit)
        exposure = Exposure(
            open_amount=sum_as_money(open_amount), reserved=sum_as_money(reserved), limit=limit.quantize(CENT)
        )
        return {"exposure": exposure}

    return OneRowQuery(sql, params, 3, read)


def exposure_and_limit(customer: Customer, *, today: date) -> Exposure:
    """Group exposure with reservations, and the limit that applies today: one query
    (exposure_query)."""
    (answer,) = read_together([exposure_query(customer, today=today)])
    return answer["exposure"]


@dataclass(frozen=True)
class CustomerExposure(Exposure):
    own_open_amount: Decimal = ZERO  # the customer's own open invoices, without the group's


def exposures_over_limit(*, today: date, max_depth: int = 6) -> dict[int, CustomerExposure]:
    """Every customer (not closed) whose exposure is above a limit that is set, with its Exposure.

    The same answers as exposure_and_limit() for each customer (the group's open invoices in the
    customer's currency, open reservations, a running temporary limit), set-based for the daily
    run: four queries whatever the number of customers. A customer without parent or
    subsidiaries, without reservations and without a temporary limit is judged in SQL (its own
    open amount against its base limit); only group members and customers with reservations or
    a temporary limit come to Python.
    """
    running = CreditTerms.objects.running(today)
    temporary = {
        pk: sum_as_money(amount) for pk, amount in running.values_list("customer_id", "temporary_limit")
    }
    reservations = open_reservations(today).filter(currency=F("customer__currency"))
    reserved = {
        pk: sum_as_money(total)
        for pk, total in reservations.order_by()
        .values("customer_id")
        .annotate(total=Sum("amount"))
        .values_list("customer_id", "total")
    }
    in_group = Q(parent__isnull=False) | Q(
        pk__in=Customer.objects.filter(parent__isnull=False).values("parent_id")
    )
    members = {
        pk: (parent_id, currency, sum_as_money(open_))
        for pk, parent_id, currency, open_ in Customer.objects.filter(in_group)
        .order_by()
        .values_list("pk", "parent_id", "currency", "open_amount")
    }

    def root_of(pk: int) -> int:
        for _depth in range(max_depth):  # as exposure_query's depth: at most max_depth levels up
            parent_id = members[pk][0] if pk in members else None
            if parent_id is None:
                break
            pk = parent_id
        return pk

    group_open: dict[tuple[int, str], Decimal] = {}
    group_reserved: dict[tuple[int, str], Decimal] = {}
    roots = {}
    for pk, (_parent, currency, open_) in members.items():
        key = roots[pk] = (root_of(pk), currency)
        group_open[key] = group_open.get(key, ZERO) + open_
        group_reserved[key] = group_reserved.get(key, ZERO) + reserved.get(pk, ZERO)

    candidates = (
        Customer.objects.exclude(status=Customer.Status.CLOSED)
        .filter(
            Q(credit_limit__gt=0, open_amount__gt=F("credit_limit"))
            | in_group
            | Exists(reservations.filter(customer=OuterRef("pk")))
            | Exists(running.filter(customer=OuterRef("pk")))
        )
        .order_by()
        .values_list("pk", "open_amount", "credit_limit")
    )
    over = {}
    for pk, open_, base_limit in candidates:
        limit = temporary.get(pk, sum_as_money(base_limit))
        if pk in roots:
            group_total = group_open[roots[pk]]
            reserved_total = group_reserved[roots[pk]]
        else:
            group_total, reserved_total = sum_as_money(open_), reserved.get(pk, ZERO)
        exposure = CustomerExposure(
            open_amount=group_total, reserved=reserved_total, limit=limit, own_open_amount=sum_as_money(open_)
        )
        if limit > 0 and exposure.total > limit:
            over[pk] = exposure
    return over


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
            summary=Text(
                gettext_noop("Credit limit changed from %(old)s to %(new)s, review on %(date)s: %(reason)s")
                if review_on
                else gettext_noop("Credit limit changed from %(old)s to %(new)s: %(reason)s"),
                old=texts.money(old, customer.currency),
                new=texts.money(amount, customer.currency),
                date=review_on,
                reason=reason,
            ),
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
    # Keyed by the form's fields, so the page shows each message at its field.
    if not reason:
        raise ValidationError({"reason": _("Say why the limit is raised.")})
    if until < today:
        raise ValidationError({"until": _("The end date of a temporary limit cannot be in the past.")})
    with transaction.atomic():
        lock_customer(customer.pk)
        customer = Customer.objects.get(pk=customer.pk)
        if amount <= customer.credit_limit:
            raise ValidationError(
                {
                    "amount": _("A temporary limit is a raise: give more than the limit of %(limit)s.")
                    % {"limit": money(customer.credit_limit, customer.currency)}
                }
            )
        terms = _terms(customer.pk)
        terms.temporary_limit, terms.temporary_until, terms.temporary_reason = amount, until, reason
        terms.save(update_fields=["temporary_limit", "temporary_until", "temporary_reason"])
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="limit_raised",
            summary=Text(
                gettext_noop("Credit limit raised from %(old)s to %(new)s until %(until)s: %(reason)s"),
                old=texts.money(customer.credit_limit, customer.currency),
                new=texts.money(amount, customer.currency),
                until=until,
                reason=reason,
            ),
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


# The decision API asks this on every accepted order: a hand-written lookup (creditmgmt.rows).
_RESERVATION_BY_REFERENCE = RowQuery(Reservation, "customer_id = %s AND order_reference = %s")
_RESERVATION_INSERT = RowInsert(Reservation, unless_exists=("customer_id", "order_reference"))


def reserve(
    *,
    customer: Customer,
    order_reference: str,
    amount: Decimal,
    by: Actor,
    decision: Decision | None = None,
    today: date | None = None,
    days: int | None = None,
    customer_locked: bool = False,
    events: list[Event] | None = None,
) -> Reservation:
    """Reserve an accepted order's amount until it is invoiced (idempotent per order reference).

    `customer_locked`: the caller's transaction holds the customer's lock already (decide_order).
    `events`: collects the timeline event unsaved, for a caller that writes its events in one
    INSERT before its transaction ends (decide_order).
    """
    today = today or timezone.localdate()
    order_reference = order_reference.strip()
    if not order_reference:
        raise ValidationError(_("A reservation needs the order reference."))
    if amount <= 0:
        raise ValidationError(_("A reservation needs an amount above zero."))
    with transaction.atomic(savepoint=False):  # inside a caller's transaction: no savepoint needed
        if not customer_locked:
            lock_customer(customer.pk)
        # Written unless the order is reserved already (one round trip); then that reservation stands.
        reservation = _RESERVATION_INSERT.save(
            Reservation(
                customer=customer,
                order_reference=order_reference,
                amount=amount,
                currency=customer.currency,
                decision=decision,
                expires_on=today + timedelta(days=days if days is not None else reservation_days()),
            )
        )
        if reservation is None:
            return _RESERVATION_BY_REFERENCE.get([customer.pk, order_reference])
        event = build_event(
            customer=customer,
            kind=Event.Kind.DECISION,
            verb="reserved",
            summary=Text(
                gettext_noop("Order %(ref)s reserved: %(amount)s until %(date)s"),
                ref=order_reference,
                amount=texts.money(amount, customer.currency),
                date=reservation.expires_on,
            ),
            by=by,
            target=reservation,
        )
        if events is None:
            event.save(force_insert=True)
        else:
            events.append(event)
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
                summary=Text(
                    gettext_noop(
                        "Temporary credit limit of %(amount)s ended on %(until)s; "
                        "the limit is %(limit)s again."
                    ),
                    amount=texts.money(row.temporary_limit, row.customer.currency),
                    until=row.temporary_until,
                    limit=texts.money(row.customer.credit_limit, row.customer.currency),
                ),
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
                    title=Text(
                        gettext_noop("Review the credit limit (review date %(date)s)"), date=row.review_on
                    ),
                    due_date=today,
                    by=ACTOR,
                    kind=Task.Kind.REVIEW,
                )
                counts["reviews"] += 1
            row.review_task_for = row.review_on
            row.save(update_fields=["review_task_for"])
    return counts
