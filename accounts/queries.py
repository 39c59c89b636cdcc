"""Reads that the pages need, each with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import ZERO, Customer, Event, Invoice
from creditmgmt.fields import as_id

AGING_BUCKETS = [
    ("not_due", None, 0),
    ("d1_30", 1, 30),
    ("d31_60", 31, 60),
    ("d61_90", 61, 90),
    ("d90_plus", 91, None),
]

# The account manager filter: besides a person's id, these words.
MINE, NO_ACCOUNT_MANAGER = "mine", "none"

SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "open": ("open_amount", "id"),
    "-open": ("-open_amount", "id"),
    "oldest_due": ("oldest_open_due_date", "id"),
    "-oldest_due": ("-oldest_open_due_date", "id"),
    "city": ("city", "name"),
    "-city": ("-city", "name"),
}


def overdue_amount_subquery(today: date) -> Subquery:
    return Subquery(
        # Invoices only, as on the 360: an open credit note does not hide a late invoice.
        Invoice.objects.filter(
            customer=OuterRef("pk"), status=Invoice.Status.OPEN, open_amount__gt=0, due_date__lt=today
        )
        .order_by()
        .values("customer")
        .annotate(total=Sum("open_amount"))
        .values("total"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def search_customers(
    *,
    text: str = "",
    controller_id: int | None = None,
    account_manager: str = "",
    user=None,
    status: str = "",
    risk_class: str = "",
    overdue: bool = False,
    sort: str = "name",
    today: date,
) -> QuerySet[Customer]:
    """Customers matching the search box and filters; text is found in number, name, city or KvK.

    `account_manager` is a user id, "none" (customers without one) or "mine": `user`'s customers
    as sales see them (Customer.objects.of_sales)."""
    customers = Customer.objects.select_related("controller", "account_manager")
    if account_manager == MINE:
        customers = customers.of_sales(user)
    elif account_manager == NO_ACCOUNT_MANAGER:
        customers = customers.filter(account_manager__isnull=True)
    elif (manager_id := as_id(account_manager)) is not None:
        customers = customers.filter(account_manager_id=manager_id)
    text = " ".join(text.split()).upper()
    if text:
        # search_text is "NUMBER NAME CITY KVK" in upper case, trigram-indexed on PostgreSQL.
        customers = customers.filter(search_text__contains=text)
    if controller_id:
        customers = customers.filter(controller_id=controller_id)
    if status:
        customers = customers.filter(status=status)
    if risk_class:
        customers = customers.filter(risk_class=risk_class)
    if overdue:
        customers = customers.filter(oldest_open_due_date__lt=today, open_amount__gt=0)
    return customers.annotate(overdue_amount=Coalesce(overdue_amount_subquery(today), Value(ZERO))).order_by(
        *SORTS.get(sort, SORTS["name"])
    )


@dataclass
class LedgerSummary:
    open_amount: Decimal
    overdue_amount: Decimal
    aging: dict[str, Decimal]
    open_count: int
    overdue_count: int
    avg_days_late: float | None
    paid_count: int

    @property
    def behaviour(self) -> str:
        return describe_behaviour(self.avg_days_late, self.paid_count)


def describe_behaviour(avg_days_late: float | None, paid_count: int) -> str:
    from django.utils.translation import gettext as _
    from django.utils.translation import ngettext

    if avg_days_late is None or paid_count == 0:
        return _("No paid invoices yet")
    days = round(avg_days_late)
    if days > 0:
        return ngettext(
            "Pays on average %(days)d day after the due date",
            "Pays on average %(days)d days after the due date",
            days,
        ) % {"days": days}
    if days < 0:
        return ngettext(
            "Pays on average %(days)d day before the due date",
            "Pays on average %(days)d days before the due date",
            -days,
        ) % {"days": -days}
    return _("Pays on average on the due date")


def _months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, 28))


def behaviour_since(today: date, months: int = 12) -> date:
    """The first paid date that counts for payment behaviour (ledger_summary, acceptance features)."""
    return _months_back(today, months)


def ledger_summary(customer: Customer, *, today: date, behaviour_months: int = 12) -> LedgerSummary:
    """Open, overdue, aging buckets and payment behaviour in one query."""
    open_q = Q(status=Invoice.Status.OPEN)
    # Overdue and aging count what the customer owes: invoices, not open credit
    # notes (those lower the exposure, shown in "open", until they are allocated).
    owed_q = open_q & Q(open_amount__gt=0)
    aggregates = {
        "open": Sum("open_amount", filter=open_q),
        "overdue": Sum("open_amount", filter=owed_q & Q(due_date__lt=today)),
        "open_count": Count("id", filter=open_q & Q(open_amount__gt=0)),
        "overdue_count": Count("id", filter=open_q & Q(due_date__lt=today, open_amount__gt=0)),
        "avg_late": Avg(
            "days_late",
            filter=Q(
                status=Invoice.Status.PAID,
                amount__gt=0,
                days_late__isnull=False,  # settled by credit notes alone: not paid at all
                paid_date__gte=_months_back(today, behaviour_months),
            ),
        ),
        "paid_count": Count(
            "id",
            filter=Q(
                status=Invoice.Status.PAID,
                amount__gt=0,
                days_late__isnull=False,  # settled by credit notes alone: not paid at all
                paid_date__gte=_months_back(today, behaviour_months),
            ),
        ),
    }
    for key, low, high in AGING_BUCKETS:
        if low is None:  # not yet due (due today counts as not due)
            bucket = Q(due_date__gte=today)
        else:
            bucket = Q(due_date__lte=today - timedelta(days=low))
            if high is not None:
                bucket &= Q(due_date__gte=today - timedelta(days=high))
        aggregates[key] = Sum("open_amount", filter=owed_q & bucket)
    row = Invoice.objects.filter(customer=customer).aggregate(**aggregates)
    return LedgerSummary(
        open_amount=row["open"] or ZERO,
        overdue_amount=row["overdue"] or ZERO,
        aging={key: row[key] or ZERO for key, _low, _high in AGING_BUCKETS},
        open_count=row["open_count"],
        overdue_count=row["overdue_count"],
        avg_days_late=row["avg_late"],
        paid_count=row["paid_count"],
    )


def customer_invoices(customer: Customer, *, show: str = "open") -> QuerySet[Invoice]:
    invoices = Invoice.objects.filter(customer=customer)
    if show == "open":
        return invoices.filter(status=Invoice.Status.OPEN).order_by("due_date", "id")
    return invoices.order_by("-issue_date", "-id")


def customer_timeline(customer: Customer, *, kind: str = "") -> QuerySet[Event]:
    events = Event.objects.filter(customer=customer).for_timeline()
    if kind:
        events = events.filter(kind=kind)
    return events


def older_than(events: QuerySet[Event], *, event_id: int) -> QuerySet[Event]:
    """The events after `event_id` in timeline order (newest first, by time then id).

    Keyset paging on (created_at, id): ids need not follow time, since imported
    and back-dated events arrive late.
    """
    anchor = Event.objects.filter(pk=event_id).values_list("created_at", flat=True).first()
    if anchor is None:
        return events.none()
    return events.filter(Q(created_at__lt=anchor) | Q(created_at=anchor, id__lt=event_id))


def group_member_ids(customer: Customer, *, max_depth: int = 6) -> set[int]:
    """The customer and every company of its group: up to the top company and down through every
    level (one query per level, groups are shallow)."""
    root_id = customer.pk
    parent_id = customer.parent_id
    for _ in range(max_depth):
        if parent_id is None:
            break
        root_id = parent_id
        parent_id = Customer.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    members = {root_id}
    level = {root_id}
    for _ in range(max_depth):
        level = set(Customer.objects.filter(parent_id__in=level).values_list("pk", flat=True)) - members
        if not level:
            break
        members |= level
    return members


def group_exposure(customer: Customer, *, max_depth: int = 6) -> Decimal:
    """Open amount of the whole group the customer belongs to, in the customer's currency.

    Members billed in another currency are left out until totals convert with
    ExchangeRate (reporting issue). Acceptance adds reserved orders to this
    (acceptance.limits.exposure_and_limit).
    """
    members = group_member_ids(customer, max_depth=max_depth)
    total = Customer.objects.filter(pk__in=members, currency=customer.currency).aggregate(
        total=Sum("open_amount")
    )["total"]
    return total or ZERO


def in_company_currency(amount: Decimal, currency: str, *, on: date) -> Decimal | None:
    """The amount in the company currency with the latest stored rate valid on the date.

    `ExchangeRate.rate` is the company currency per unit of `currency`. None when no rate is
    stored yet: the caller decides what an unknown amount means (never a silent 1:1)."""
    from django.conf import settings

    from accounts.models import ExchangeRate

    if currency == settings.COMPANY["currency"]:
        return amount
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    return None if rate is None else (amount * rate).quantize(Decimal("0.01"))
