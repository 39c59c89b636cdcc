"""What the dashboards read: the snapshots, filtered, summed per date. Never the whole ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import Customer, Invoice, Task
from reporting import kpis
from reporting.models import (
    BUCKETS,
    HALF_CENT,
    ActionOutcome,
    CustomerSnapshot,
    ForecastWeek,
    MonthlyCollections,
    MonthlySales,
    PortfolioSnapshot,
    SnapshotDay,
    WeeklyCash,
    is_open,
    is_overdue,
    overdue_total,
)
from reporting.snapshots import first_of_month, month_ends

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
OVERDUE = BUCKETS[1:]  # the buckets past the due date


@dataclass(frozen=True)
class Filters:
    currency: str
    segment: str = ""
    controller_id: int | None = None
    months: int = 12
    # A sales rep's customers only (None: no such limit). The grouped tables cannot answer
    # per customer, so figures are then summed from the customer snapshots and invoices.
    customer_ids: tuple[int, ...] | None = None

    def apply(self, qs: QuerySet) -> QuerySet:
        qs = self.apply_groups(qs.filter(currency=self.currency))
        if self.customer_ids is not None:
            qs = qs.filter(customer_id__in=self.customer_ids)
        return qs

    def apply_groups(self, qs: QuerySet) -> QuerySet:
        """The segment and controller filters on a table counted per segment and controller (the
        snapshots, sales, collections, decisions per day): the customer's ones of the row's day."""
        if self.segment:
            qs = qs.filter(segment=self.segment)
        if self.controller_id:
            qs = qs.filter(controller_id=self.controller_id)
        return qs

    def apply_segment(self, qs: QuerySet, customer: str = "customer") -> QuerySet:
        """The segment filter on rows reached from a customer by the path `customer` (tasks, dunning
        step outcomes): the customer's segment now, where the snapshots keep the one of their day."""
        return qs.filter(**{f"{customer}__segment": self.segment}) if self.segment else qs

    def apply_to_customers(self, qs: QuerySet) -> QuerySet:
        """The same filters (but the currency) on rows with a `customer` (promises, disputes, invoices,
        credit decisions): the customer's segment and controller now. A row without a customer (a
        prospect's credit decision) belongs to no segment and no controller: left out by either."""
        qs = self.apply_segment(qs)
        if self.controller_id:
            qs = qs.filter(customer__controller_id=self.controller_id)
        if self.customer_ids is not None:
            qs = qs.filter(customer_id__in=self.customer_ids)
        return qs


def customers_of_sales(user) -> tuple[int, ...]:
    """The ids of a sales rep's customers (Customer.objects.of_sales: the one rule), one query."""
    return tuple(Customer.objects.of_sales(user).order_by("pk").values_list("pk", flat=True))


def cents(total: Decimal | None) -> Decimal:
    """A sum of amounts as read from the database, in cents: on SQLite a Sum is a binary float
    (0.10 + 0.20 - 0.30 is 5.6e-17 there), on PostgreSQL exact already."""
    return ZERO if total is None else total.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Point:
    """The book on one date, summed over the filtered groups.

    The buckets hold the open invoices; `credit` is the open credit notes (unapplied credit, negative),
    kept apart; `open_amount` is the balance of both (docs/kpis.md).
    """

    date: date
    open_amount: Decimal = ZERO
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, ZERO))
    customers: int = 0
    customers_overdue: int = 0
    disputed: Decimal = ZERO
    credit: Decimal = ZERO
    backfilled: bool = False

    @property
    def overdue(self) -> Decimal:
        return sum((self.buckets[b] for b in OVERDUE), ZERO)

    @property
    def owed(self) -> Decimal:
        """The invoices open: the aging buckets summed, the unapplied credit left out."""
        return sum(self.buckets.values(), ZERO)

    @property
    def not_overdue(self) -> Decimal:
        """The part of the balance not past due ("current" in the DSO and CEI formulas): the invoices
        not yet due and the unapplied credit."""
        return self.open_amount - self.overdue


def points(filters: Filters, dates: list[date]) -> dict[date, Point]:
    """The book on each snapshot day asked (an empty book too), in two queries."""
    if filters.customer_ids is None:
        rows = (
            filters.apply(PortfolioSnapshot.objects.filter(date__in=dates))
            .values("date", "backfilled")
            .annotate(n=Sum("customers"), n_overdue=Sum("customers_overdue"))
        )
    else:  # counted as the snapshot counts them into customers_overdue
        rows = (
            filters.apply(CustomerSnapshot.objects.filter(date__in=dates))
            .values("date")
            .annotate(n=Count("pk", filter=is_open()), n_overdue=Count("pk", filter=is_overdue()))
        )
    sums = {"open": Sum("open_amount"), "disputed": Sum("disputed"), "credit": Sum("credit")}
    rows = rows.annotate(**sums, **{b: Sum(b) for b in BUCKETS})
    result: dict[date, Point] = {}
    for row in rows:
        point = result.setdefault(row["date"], Point(date=row["date"]))
        point.open_amount += cents(row["open"])
        for b in BUCKETS:
            point.buckets[b] += cents(row[b])
        point.customers += row["n"] or 0
        point.customers_overdue += row["n_overdue"] or 0
        point.disputed += cents(row["disputed"])
        point.credit += cents(row["credit"])
        point.backfilled = point.backfilled or row.get("backfilled", False)
    for day, backfilled in SnapshotDay.objects.filter(date__in=dates).values_list("date", "backfilled"):
        point = result.setdefault(day, Point(date=day))
        point.backfilled = point.backfilled or backfilled
    return result


def latest_date(on_or_before: date) -> date | None:
    return (
        SnapshotDay.objects.filter(date__lte=on_or_before)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def monthly_sales(filters: Filters, until: date, months: int) -> list[kpis.MonthSales]:
    """Credit sales per month, newest first, `months` months ending with `until`'s month."""
    start = first_of_month(until, months - 1)
    if filters.customer_ids is None:
        rows = (
            filters.apply(MonthlySales.objects.filter(month__gte=start, month__lte=until))
            .values("month")
            .annotate(sales=Sum("invoiced"))
        )
    else:  # a few customers: their invoices, as MonthlySales counts them
        invoices = Invoice.objects.filter(
            customer_id__in=filters.customer_ids, currency=filters.currency, amount__gt=0,
            issue_date__gte=start, issue_date__lte=until,
        ).exclude(status=Invoice.Status.CANCELLED)  # fmt: skip
        invoices = filters.apply_to_customers(invoices)
        rows = invoices.annotate(month=TruncMonth("issue_date")).values("month").annotate(sales=Sum("amount"))
    by_month = {r["month"]: r["sales"] or ZERO for r in rows}
    wanted = [first_of_month(until, n) for n in range(months)]
    return [kpis.MonthSales.until(m, by_month.get(m, ZERO), until) for m in wanted]


@dataclass
class Dashboard:
    day: date | None
    current: Point | None
    trend: list[Point]
    dso: Decimal | None = None
    disputed_dso: Decimal | None = None
    collectable_dso: Decimal | None = None
    countback_dso: Decimal | None = None
    best_possible_dso: Decimal | None = None
    average_days_delinquent: Decimal | None = None
    overdue_share: Decimal | None = None
    cei: list[tuple[date, Decimal | None]] = field(default_factory=list)
    # The months whose CEI is None for want of a snapshot at their start (or end), rather than
    # because nothing was due to be collected in them: the dashboard says which.
    cei_unmeasured: set[date] = field(default_factory=set)
    sales_3m: Decimal = ZERO


def dashboard(filters: Filters, *, today: date) -> Dashboard:
    """The manager's figures on the latest snapshot, with the monthly trend (4 queries)."""
    day = latest_date(today)
    if day is None:
        return Dashboard(day=None, current=None, trend=[])
    ends = month_ends(day, filters.months)
    # CEI of the oldest month needs the month end before it.
    dates = [month_ends(ends[0], 1)[0], *ends, day] if ends else [day]
    found = points(filters, dates)
    current = found.get(day, Point(date=day))
    trend = [found.get(d, Point(date=d)) for d in [*ends, day] if d in found]
    # DSO on the last three months' sales, the current month counted up to `day`.
    sales = monthly_sales(filters, day, max(filters.months, 3) + 1)
    recent = sales[:3]
    result = Dashboard(day=day, current=current, trend=trend)
    result.sales_3m = sum((m.sales for m in recent), ZERO)
    result.dso = kpis.standard_dso(current.open_amount, recent)
    result.disputed_dso = kpis.disputed_dso(current.disputed, recent)
    result.collectable_dso = kpis.collectable_dso(current.open_amount, current.disputed, recent)
    result.best_possible_dso = kpis.best_possible_dso(current.not_overdue, recent)
    result.average_days_delinquent = kpis.average_days_delinquent(result.dso, result.best_possible_dso)
    result.countback_dso = kpis.countback_dso(current.open_amount, sales)
    result.overdue_share = kpis.overdue_share(current.owed, current.overdue)
    sales_by_month = {m.month: m.sales for m in sales}
    previous = dates[0]
    for end in [*ends, day]:  # the last one is the running month, to date
        begin, finish = found.get(previous), found.get(end)
        value = None
        if begin is not None and finish is not None:
            value = kpis.collection_effectiveness(
                beginning=begin.open_amount,
                sales=sales_by_month.get(first_of_month(end), ZERO),
                ending=finish.open_amount,
                ending_current=finish.not_overdue,
            )
        else:
            result.cei_unmeasured.add(end)
        result.cei.append((end, value))
        previous = end
    return result


def top_debtors(filters: Filters, day: date, limit: int = 10) -> QuerySet[CustomerSnapshot]:
    return (
        filters.apply(CustomerSnapshot.objects.filter(date=day))
        .annotate(overdue=overdue_total())
        .filter(is_overdue())
        .select_related("customer", "controller")
        .order_by("-overdue", "customer_id")[:limit]
    )


def bucket_customers(filters: Filters, day: date, bucket: str) -> QuerySet[CustomerSnapshot]:
    """The customers behind one aging bucket (or all overdue, their unapplied credit, disputed, or all
    open) on a date."""
    qs = filters.apply(CustomerSnapshot.objects.filter(date=day)).annotate(overdue=overdue_total())
    if bucket in BUCKETS:
        qs = qs.filter(**{f"{bucket}__gt": HALF_CENT}).order_by(f"-{bucket}", "customer_id")
    elif bucket == "overdue":
        qs = qs.filter(is_overdue()).order_by("-overdue", "customer_id")
    elif bucket == "disputed":
        qs = qs.filter(disputed__gt=HALF_CENT).order_by("-disputed", "customer_id")
    elif bucket == "credit":  # the most credit first
        qs = qs.filter(credit__lt=-HALF_CENT).order_by("credit", "customer_id")
    else:
        qs = qs.filter(is_open()).order_by("-open_amount", "customer_id")
    # Customers and controllers fetched for the page only: joining them first made PostgreSQL join
    # every customer in the bucket before sorting (half of the page's time at 100,000 customers).
    return qs.prefetch_related("customer", "controller")


def aging_totals(point: Point) -> list[tuple[str, Decimal, Decimal]]:
    """(bucket, amount, share of the invoices open in %) for the aging bar: the shares add up to 100.
    The unapplied credit is no bucket (Point.credit, shown beside the bar)."""
    total = point.owed
    result = []
    for b in BUCKETS:
        amount = point.buckets[b]
        share = (amount / total * 100) if total > 0 else ZERO
        result.append((b, amount, share))
    return result


def by_controller(filters: Filters, day: date) -> list[dict]:
    """Per controller on a date: open and overdue, and over the period collected, tasks done and the
    cure rate of the dunning steps on their customers; with a segment, of that segment's customers."""
    rows = (
        filters.apply(PortfolioSnapshot.objects.filter(date=day))
        .values("controller_id", "controller__first_name", "controller__last_name", "controller__username")
        .annotate(open=Sum("open_amount"), n=Sum("customers"), **{b: Sum(b) for b in BUCKETS})
        .order_by("controller__username")
    )
    result = defaultdict(dict)
    for r in rows:
        name = " ".join(filter(None, [r["controller__first_name"], r["controller__last_name"]]))
        overdue = sum((r[b] or ZERO for b in OVERDUE), ZERO)
        owed = overdue + (r["not_due"] or ZERO)
        result[r["controller_id"]] = {
            "controller_id": r["controller_id"],
            "name": name or r["controller__username"] or "",
            "open": r["open"] or ZERO,
            "overdue": overdue,
            "customers": r["n"] or 0,
            "share": kpis.overdue_share(owed, overdue),
            "collected": ZERO,
            "tasks_done": 0,
            "cure_rate": None,
            "steps": 0,
        }
    since = first_of_month(day, filters.months - 1)
    collected = (
        filters.apply(MonthlyCollections.objects.filter(month__gte=since, month__lte=day))
        .values("controller_id")
        .annotate(total=Sum("collected"))
    )
    for row in collected:
        if row["controller_id"] in result:
            result[row["controller_id"]]["collected"] = row["total"] or ZERO
    done = (
        filters.apply_segment(
            Task.objects.filter(
                status=Task.Status.DONE, completed_at__date__gte=since, completed_at__date__lte=day
            )
        )
        .values("assignee_id")
        .annotate(n=Count("pk"))
    )
    for row in done:
        if row["assignee_id"] in result:
            result[row["assignee_id"]]["tasks_done"] = row["n"]
    cures = (
        filters.apply_segment(
            ActionOutcome.objects.filter(date__gte=since, date__lte=day, controller_id__in=list(result)),
            "action__customer",
        )
        .values("controller_id")
        .annotate(n=Count("pk"), cured=Count("pk", filter=Q(cured=True)))
    )
    for row in cures:
        result[row["controller_id"]]["steps"] = row["n"]
        result[row["controller_id"]]["cure_rate"] = round(100 * row["cured"] / row["n"], 1)
    return list(result.values())


@dataclass
class ForecastRow:
    week: date
    expected: Decimal
    early: Decimal
    late: Decimal
    cumulative: Decimal = ZERO
    cumulative_early: Decimal = ZERO
    cumulative_late: Decimal = ZERO


def cash_forecast(currency: str, today: date) -> tuple[date | None, list[ForecastRow]]:
    """The latest forecast: 13 weeks with the cumulative range (early and late scenario)."""
    made_on = (
        ForecastWeek.objects.filter(made_on__lte=today, currency=currency)
        .order_by("-made_on")
        .values_list("made_on", flat=True)
        .first()
    )
    if made_on is None:
        return None, []
    rows = [
        ForecastRow(w.week, w.expected, w.early, w.late)
        for w in ForecastWeek.objects.filter(made_on=made_on, currency=currency).order_by("week")
    ]
    total = early = late = ZERO
    for row in rows:
        total, early, late = total + row.expected, early + row.early, late + row.late
        row.cumulative, row.cumulative_early, row.cumulative_late = total, early, late
    return made_on, rows


def forecast_against_actual(currency: str, today: date, weeks: int = 12) -> list[dict]:
    """Past weeks: what the forecast made before the week began expected, and what came in."""
    from reporting.forecast import monday

    this_week = monday(today)
    past = [this_week - timedelta(weeks=n) for n in range(weeks, 0, -1)]
    received = dict(
        WeeklyCash.objects.filter(week__in=past, currency=currency).values_list("week", "received")
    )
    # The forecast made last before each week started (one query; a forecast is at most 13 weeks × days).
    forecasts = ForecastWeek.objects.filter(
        week__in=past, currency=currency, made_on__lt=F("week")
    ).values_list("week", "made_on", "expected")
    latest: dict[date, tuple[date, Decimal]] = {}
    for week, made_on, expected in forecasts:
        if week not in latest or made_on > latest[week][0]:
            latest[week] = (made_on, expected)
    rows = []
    for week in past:
        made = latest.get(week)
        actual = received.get(week, ZERO)
        rows.append(
            {
                "week": week,
                "made_on": made[0] if made else None,
                "expected": made[1] if made else None,
                "received": actual,
                "error": (actual - made[1]) if made else None,
            }
        )
    return rows


def promise_figures(filters: Filters, since: date, until: date) -> dict:
    """Promises to pay that fell due in the period: kept and broken, overall and per controller."""
    from dunning.models import Promise
    from dunning.services.promises import rate_of

    qs = Promise.objects.filter(promised_date__gte=since, promised_date__lte=until, currency=filters.currency)
    qs = filters.apply_to_customers(qs)
    rows = qs.values("customer__controller_id").annotate(
        kept=Count("pk", filter=Q(status=Promise.Status.KEPT)),
        broken=Count("pk", filter=Q(status=Promise.Status.BROKEN)),
    )
    per_controller = {r["customer__controller_id"]: rate_of(r["kept"], r["broken"]) for r in rows}
    kept = sum(r["kept"] for r in rows)
    broken = sum(r["broken"] for r in rows)
    return {"kept": kept, "broken": broken, "rate": rate_of(kept, broken), "per_controller": per_controller}


def _disputes(filters: Filters) -> QuerySet:
    from dunning.models import Dispute

    return filters.apply_to_customers(Dispute.objects.filter(currency=filters.currency))


def _dispute_counts(since: date, until: date) -> dict:
    """Opened in the period, finished in the period (with the average days it took), open now."""
    from dunning.models import Dispute

    opened = Q(created_at__date__gte=since, created_at__date__lte=until)
    finished = Q(resolved_at__date__gte=since, resolved_at__date__lte=until)
    still_open = Q(status__in=Dispute.OPEN_STATUSES)
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    return {
        "opened": Count("pk", filter=opened),
        "opened_amount": Sum("amount", filter=opened),
        "finished": Count("pk", filter=finished),
        "took": Avg(took, filter=finished),
        "open": Count("pk", filter=still_open),
        "open_amount": Sum("amount", filter=still_open),
        "_scope": opened | finished | still_open,
    }


def days_of(took: timedelta | None) -> Decimal | None:
    if took is None:
        return None
    return (Decimal(took.total_seconds()) / 86400).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def dispute_figures(filters: Filters, since: date, until: date) -> list[dict]:
    """Per reason: disputes opened in the period and their amount, those finished in it with the
    average days from opening to resolution, and the open ones now (one query)."""
    counts = _dispute_counts(since, until)
    scope = counts.pop("_scope")
    rows = (
        _disputes(filters)
        .filter(scope)
        .values("reason_id", "reason__code", "reason__name_nl", "reason__name_en", "reason__position")
        .annotate(**counts)
        .order_by("reason__position", "reason__code")
    )
    from django.utils.translation import get_language

    dutch = (get_language() or "")[:2] == "nl"
    return [
        {
            "code": r["reason__code"],
            "label": r["reason__name_nl"] if dutch else r["reason__name_en"],
            "opened": r["opened"],
            "opened_amount": r["opened_amount"] or ZERO,
            "finished": r["finished"],
            "days_to_resolve": days_of(r["took"]),
            "open": r["open"],
            "open_amount": r["open_amount"] or ZERO,
        }
        for r in rows
    ]


def dispute_customers(filters: Filters, since: date, until: date, reason: str = "") -> QuerySet:
    """The customers behind the dispute figures: per customer the same counts, largest first."""
    counts = _dispute_counts(since, until)
    scope = counts.pop("_scope")
    qs = _disputes(filters).filter(scope)
    if reason:
        qs = qs.filter(reason__code=reason)
    return (
        qs.values("customer_id", "customer__name", "customer__number")
        .annotate(**counts)
        .order_by(
            F("open_amount").desc(nulls_last=True), F("opened_amount").desc(nulls_last=True), "customer_id"
        )
    )


def promise_customers(filters: Filters, since: date, until: date) -> QuerySet:
    """The customers behind the promise-kept rate: their promises due in the period, kept and broken."""
    from dunning.models import Promise

    qs = Promise.objects.filter(promised_date__gte=since, promised_date__lte=until, currency=filters.currency)
    return (
        filters.apply_to_customers(qs)
        .values("customer_id", "customer__name", "customer__number")
        .annotate(
            kept=Count("pk", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("pk", filter=Q(status=Promise.Status.BROKEN)),
        )
        .filter(Q(kept__gt=0) | Q(broken__gt=0))
        .order_by("-broken", "-kept", "customer_id")
    )


def cure_customers(
    filters: Filters, since: date, until: date, step_id: int | None, variant: str = ""
) -> QuerySet:
    """The customers behind a cure rate: their dunning steps with a known outcome, and how many cured.

    With a variant, only the steps whose message went out in that template variant.
    """
    qs = ActionOutcome.objects.filter(date__gte=since, date__lte=until)
    if step_id:
        qs = qs.filter(step_id=step_id)
    if variant:
        # Blank: sent before variants existed, in the one text there was (A); as in cure.cure_rates.
        labels = [variant, ""] if variant == "A" else [variant]
        qs = qs.filter(action__template_variant__in=labels)
    if filters.controller_id:
        qs = qs.filter(controller_id=filters.controller_id)
    qs = filters.apply_segment(qs, "action__customer")
    return (
        qs.values(
            customer_id=F("action__customer_id"),
            customer__name=F("action__customer__name"),
            customer__number=F("action__customer__number"),
        )
        .annotate(steps=Count("pk"), cured=Count("pk", filter=Q(cured=True)))
        .order_by("cured", "-steps", "customer_id")
    )
