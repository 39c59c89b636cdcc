"""Snapshots of the credit book, written by the daily workflow, so pages read small tables.

Two levels, one row per day each:
- `CustomerSnapshot`: a customer's open items by due-date bucket (drill-down, top
  debtors, a customer's trend);
- `PortfolioSnapshot`: the same summed per currency, segment and controller (the
  dashboard's trends and KPIs read this);
- `MonthlySales`: credit sales per month and group, for DSO and CEI.

Formulas and a worked example: docs/kpis.md.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OrderBy, Q
from django.db.models.expressions import CombinedExpression
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer
from creditmgmt.models import Role

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}

# Bucket fields in order: not yet due, then days past the due date.
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
BUCKET_LABELS = {
    "not_due": _("Not due"),
    "d1_30": _("1-30 days"),
    "d31_60": _("31-60 days"),
    "d61_90": _("61-90 days"),
    "d90_plus": _("Over 90 days"),
}
# The open credit notes, apart from the buckets (Figures.credit).
CREDIT_LABEL = _("Unapplied credit")


def overdue_total() -> CombinedExpression:
    """What a snapshot row owes past due: its overdue buckets summed. The buckets hold invoices only;
    open credit notes are the row's `credit`, never overdue (docs/kpis.md)."""
    return F("d1_30") + F("d31_60") + F("d61_90") + F("d90_plus")


def owed_total() -> CombinedExpression:
    """The invoices a snapshot row has open (not due and overdue), before its unapplied credit."""
    return F("not_due") + overdue_total()


# Amounts are whole cents, but SQLite keeps a decimal column as a binary float: cents that net to
# nothing can sum to 7e-15 there (PostgreSQL's numeric sums exactly). A snapshot figure is compared
# with half a cent, never with zero, so both databases count the same customers.
HALF_CENT = Decimal("0.005")


def is_overdue() -> GreaterThan:
    """The one rule for an overdue customer, for every role's figures and drill-downs: an invoice of
    theirs is open past its due date. An open credit note does not hide it (as on the customer 360 and
    in dunning, where the reminders go on and a controller gets a task to allocate the credit)."""
    return GreaterThan(overdue_total(), HALF_CENT)


def is_open() -> Q:
    """A snapshot row with something open: an invoice to be paid, or a credit balance. A customer whose
    late invoice a credit note cancels on balance still counts (as open and as overdue): the credit is
    to be allocated."""
    return Q(GreaterThan(owed_total(), HALF_CENT)) | Q(open_amount__lt=-HALF_CENT)


class Figures(models.Model):
    """The amounts both snapshot levels share."""

    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    segment = models.CharField(_("segment"), max_length=20)
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What is open on balance: the buckets (invoices) plus the credit (open credit notes, negative).
    open_amount = models.DecimalField(_("open"), **MONEY)
    not_due = models.DecimalField(_("not due"), **MONEY)
    d1_30 = models.DecimalField("1-30", **MONEY)
    d31_60 = models.DecimalField("31-60", **MONEY)
    d61_90 = models.DecimalField("61-90", **MONEY)
    d90_plus = models.DecimalField(">90", **MONEY)
    # The part of the open amount in an open dispute (at most each invoice's open amount).
    disputed = models.DecimalField(_("disputed"), **MONEY, db_default=0)
    # Unapplied credit: the open amount of the credit notes (negative), whatever their date. It is
    # credit the customer has, not money overdue, so it is kept out of the buckets.
    credit = models.DecimalField(_("unapplied credit"), **MONEY, db_default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.date} {self.currency} {self.open_amount}"

    @property
    def overdue_amount(self):
        return self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus


class CustomerSnapshot(Figures):
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="snapshots")
    open_invoices = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("customer snapshot")
        constraints = [
            models.UniqueConstraint(fields=["date", "customer", "currency"], name="customer_snapshot_once")
        ]
        # Each index here is written for every customer every night (100,000 rows at scale); a
        # (customer, date) index cost 5 s of the snapshot step there and nothing read by it (a
        # customer's rows: the foreign key's index).
        indexes = [
            # Top debtors and the overdue drill-down read a day's largest overdue amounts first: without
            # this they sort all of the day's rows (about 300 ms at 100,000 customers).
            models.Index(
                F("date"),
                F("currency"),
                OrderBy(overdue_total(), descending=True),
                F("customer"),
                name="customer_snapshot_overdue",
            ),
        ]


class PortfolioSnapshot(Figures):
    customers = models.PositiveIntegerField(default=0)
    customers_overdue = models.PositiveIntegerField(default=0)
    # True for days rebuilt from invoice history (`snapshot --backfill`): approximate, see docs/kpis.md.
    backfilled = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("portfolio snapshot")
        indexes = [models.Index(fields=["date", "currency"])]


class MonthlyCollections(models.Model):
    """Cash received per month (payments by value date, reversals left out), per group."""

    month = models.DateField(_("month"))
    currency = models.CharField(_("currency"), max_length=3)
    segment = models.CharField(_("segment"), max_length=20)
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collected = models.DecimalField(_("collected"), **MONEY)

    class Meta:
        verbose_name = _("monthly collections")
        indexes = [models.Index(fields=["month", "currency"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.currency} {self.collected}"


class SnapshotDay(models.Model):
    """A day whose snapshots are written (also when the book was empty that day)."""

    date = models.DateField(_("date"), unique=True)
    backfilled = models.BooleanField(default=False)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("snapshot day")

    def __str__(self) -> str:
        return str(self.date)


class MonthlySales(models.Model):
    """Credit sales (invoices issued, credit notes apart) per month; rebuilt for recent months daily."""

    month = models.DateField(_("month"))  # the first day of the month
    currency = models.CharField(_("currency"), max_length=3)
    segment = models.CharField(_("segment"), max_length=20)
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoiced = models.DecimalField(_("invoiced"), **MONEY)
    credit_notes = models.DecimalField(_("credit notes"), **MONEY)  # negative
    invoices = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly sales")
        indexes = [models.Index(fields=["month", "currency"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.currency} {self.invoiced}"


class InvoicePrediction(models.Model):
    """When an open invoice is expected to be paid (reporting.prediction); rebuilt daily."""

    invoice = models.OneToOneField(
        "accounts.Invoice", primary_key=True, on_delete=models.CASCADE, related_name="prediction"
    )
    expected_date = models.DateField(_("expected payment"))
    earliest = models.DateField(_("earliest"))
    latest = models.DateField(_("latest"))
    basis = models.PositiveSmallIntegerField(_("paid invoices it rests on"), default=0)
    made_on = models.DateField()

    class Meta:
        verbose_name = _("payment prediction")

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.expected_date}"


class ForecastWeek(models.Model):
    """The cash expected in a week, as forecast on `made_on`: central, early and late scenario."""

    made_on = models.DateField()
    week = models.DateField(_("week"))  # its Monday
    currency = models.CharField(_("currency"), max_length=3)
    expected = models.DecimalField(_("expected"), **MONEY)
    early = models.DecimalField(_("if paid early"), **MONEY)
    late = models.DecimalField(_("if paid late"), **MONEY)

    class Meta:
        verbose_name = _("cash forecast week")
        constraints = [
            models.UniqueConstraint(fields=["made_on", "week", "currency"], name="forecast_week_once")
        ]

    def __str__(self) -> str:
        return f"{self.made_on}: {self.week} {self.currency} {self.expected}"


class WeeklyCash(models.Model):
    """Cash received per week (payments by value date, reversals left out): the actual beside the forecast."""

    week = models.DateField(_("week"))
    currency = models.CharField(_("currency"), max_length=3)
    received = models.DecimalField(_("received"), **MONEY)

    class Meta:
        verbose_name = _("cash received per week")
        constraints = [models.UniqueConstraint(fields=["week", "currency"], name="weekly_cash_once")]

    def __str__(self) -> str:
        return f"{self.week} {self.currency} {self.received}"


class ActionOutcome(models.Model):
    """Whether a dunning step cured the customer: all listed invoices paid within the window and no
    further step in it. Written once the window has passed (reporting.cure)."""

    action = models.OneToOneField(
        "dunning.DunningAction", primary_key=True, on_delete=models.CASCADE, related_name="outcome"
    )
    step = models.ForeignKey("dunning.Step", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    cured = models.BooleanField(_("cured"))
    days_to_pay = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("dunning step outcome")
        indexes = [models.Index(fields=["date", "step"])]

    def __str__(self) -> str:
        return f"{self.action_id}: {'cured' if self.cured else 'not cured'}"


def segment_label(code: str) -> str:
    """A customer segment's name in the active language, as the segment filter shows it (the code
    itself for a segment no longer known)."""
    return str(dict(Customer.Segment.choices).get(code, code))


class ReportSubscription(models.Model):
    """A manager subscribes a person or a role to the dashboard report, mailed as a PDF."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (Mondays)")
        MONTHLY = "monthly", _("Monthly (the 1st)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    role = models.CharField(_("role"), max_length=20, blank=True)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    currency = models.CharField(_("currency"), max_length=3)
    segment = models.CharField(_("segment"), max_length=20, blank=True)
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("controller"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    months = models.PositiveSmallIntegerField(_("period (months)"), default=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report subscription")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, role="") | models.Q(user__isnull=True) & ~models.Q(role="")
                ),
                name="report_subscription_person_or_role",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()}: {self.user or self.role_label}"

    @property
    def segment_label(self) -> str:
        return segment_label(self.segment)

    @property
    def role_label(self) -> str:
        return str(dict(Role.choices).get(self.role, self.role))


class ReportDelivery(models.Model):
    """One report mailed to one person for one period: the unique key makes sending idempotent."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.DateField()  # the Monday or the 1st it was due
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report delivery")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "user", "period"], name="report_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} → {self.user_id} ({self.period})"


class DecisionDay(models.Model):
    """Credit decisions per day, channel, outcome and the customer's segment and controller of that day
    (acceptance figures without reading every decision). A prospect's decision, without a customer,
    has no segment ("") and no controller: it counts only when neither filter is chosen."""

    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10)
    outcome = models.CharField(_("outcome"), max_length=12)
    segment = models.CharField(_("segment"), max_length=20, blank=True, default="", db_default="")
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decisions = models.PositiveIntegerField(default=0)
    overridden = models.PositiveIntegerField(default=0)  # later overridden by a person

    class Meta:
        verbose_name = _("decisions per day")
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.outcome}: {self.decisions}"
