"""Acceptance: bureau reports, rule sets with versions, and the decisions made with them.

A rule set version is a draft while a credit manager edits it; once activated
it never changes again (the model refuses, the services refuse), so every
decision can say exactly which rules it used. Decisions are append-only.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.models import MONEY, Customer

PERCENT = {"max_digits": 5, "decimal_places": 2}


class VersionLocked(ValidationError):
    """A change to a rule set version that is no longer a draft."""


class NegativeEvent(models.TextChoices):
    BANKRUPTCY = "bankruptcy", _("Bankruptcy")
    SUSPENSION = "suspension", _("Suspension of payments")
    DEBT_RESTRUCTURING = "debt_restructuring", _("Debt restructuring (WSNP)")
    DISSOLVED = "dissolved", _("Dissolved")


class BureauRecord(models.Model):
    """A company report as the bureau delivered it: from a portfolio file or, later, the bureau's API.

    One row per registration number: the newest report replaces the older one.
    `fetched_at` is when the bureau produced it; the providers use it as the cache age.
    """

    class Source(models.TextChoices):
        FILE = "file", _("Bureau file")
        HTTP = "http", _("Bureau API")

    registration_number = models.CharField(_("registration number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL")
    legal_form = models.CharField(_("legal form"), max_length=20, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    score = models.PositiveSmallIntegerField(_("score (0-100)"), null=True, blank=True)
    probability_of_default = models.DecimalField(
        _("probability of default in 12 months (%)"), null=True, blank=True, **PERCENT
    )
    rating = models.CharField(_("rating"), max_length=8, blank=True)
    recommended_limit = models.DecimalField(_("recommended limit"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    negative_events = models.JSONField(_("negative events"), default=list, blank=True)
    parent_registration_number = models.CharField(_("parent company"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FILE)
    source_name = models.CharField(_("file or service"), max_length=200, blank=True)
    fetched_at = models.DateTimeField(_("report date"), default=timezone.now)

    class Meta:
        verbose_name = _("bureau report")
        verbose_name_plural = _("bureau reports")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="bureau_score_at_most_100"),
            models.CheckConstraint(
                condition=Q(probability_of_default__gte=0, probability_of_default__lte=100),
                name="bureau_pd_is_percentage",
            ),
            models.CheckConstraint(condition=Q(recommended_limit__gte=0), name="bureau_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_number})"


class RiskAppetite(models.TextChoices):
    LOW = "low", _("Low (cautious)")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High (growth)")


class NamedInTwoLanguages(models.Model):
    """A name in English and Dutch, like a rule's reasons: `name_nl` blank (rules written before
    names had two languages) shows `name`. `display_name` is the reader's."""

    name = models.CharField(_("name (English)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def name_in(self, language: str) -> str:
        return (self.name_nl or self.name) if language == "nl" else self.name

    @property
    def display_name(self) -> str:
        return self.name_in((get_language() or settings.LANGUAGE_CODE)[:2])


class RuleSet(NamedInTwoLanguages):
    """A credit policy. Exactly one rule set is in use for live decisions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    risk_appetite = models.CharField(_("risk appetite"), max_length=10, choices=RiskAppetite.choices)
    description = models.TextField(_("description"), blank=True)
    in_use = models.BooleanField(_("in use for live decisions"), default=False)

    class Meta:
        verbose_name = _("rule set")
        verbose_name_plural = _("rule sets")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["in_use"], condition=Q(in_use=True), name="one_rule_set_in_use"),
        ]

    def __str__(self) -> str:
        return self.display_name


# The note of the rule set versions the application ships with (acceptance migration 0002):
# stored in English, shown in the reader's language.
SHIPPED_NOTES = gettext_noop("Shipped with the application.")


class RuleSetVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    TRANSITIONS = {
        Status.DRAFT: {Status.ACTIVE},
        Status.ACTIVE: {Status.RETIRED},
        Status.RETIRED: set(),
    }
    # The only fields a status move may write once the version left draft.
    STATUS_FIELDS = frozenset({"status", "activated_at", "activated_by", "retired_at"})

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")
        ordering = ["rule_set", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "number"], name="rule_set_version_number_unique"),
            models.UniqueConstraint(
                fields=["rule_set"], condition=Q(status="active"), name="one_active_version_per_rule_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.STATUS_FIELDS:
                stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
                if stored not in (None, self.Status.DRAFT):
                    raise VersionLocked(_("Version %(v)s is no longer a draft.") % {"v": self})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        if type(self).objects.filter(pk=self.pk).exclude(status=self.Status.DRAFT).exists():
            raise VersionLocked(_("Only a draft version can be deleted."))
        return super().delete(*args, **kwargs)

    @property
    def notes_text(self) -> str:
        """The notes as the reader says them: the shipped versions' note is translated."""
        return gettext(self.notes) if self.notes == SHIPPED_NOTES else self.notes

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]


def _refuse_unless_draft(version_id: int | None) -> None:
    status = RuleSetVersion.objects.filter(pk=version_id).values_list("status", flat=True).first()
    if status != RuleSetVersion.Status.DRAFT:
        raise VersionLocked(_("Rules of an active or retired version cannot be changed."))


class Outcome(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    ACCEPT_WITH_CONDITIONS = "conditions", _("Accept with conditions")
    REFER = "refer", _("Refer to a person")
    REJECT = "reject", _("Reject")


class Rule(NamedInTwoLanguages):
    """One line of the policy: if every condition holds, this outcome (first rule that fires decides)."""

    class LimitKind(models.TextChoices):
        NONE = "none", _("No limit")
        FIXED = "fixed", _("Fixed amount")
        SHARE = "share", _("Share of the recommended limit")

    version = models.ForeignKey(
        RuleSetVersion, on_delete=models.CASCADE, related_name="rules", db_index=False
    )
    position = models.PositiveSmallIntegerField(_("position"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    limit_kind = models.CharField(_("limit"), max_length=8, choices=LimitKind.choices, default=LimitKind.NONE)
    limit_amount = models.DecimalField(_("fixed limit"), null=True, blank=True, **MONEY)
    limit_share = models.DecimalField(_("share of recommended limit (%)"), null=True, blank=True, **PERCENT)
    limit_cap = models.DecimalField(_("cap"), null=True, blank=True, **MONEY)
    prepayment_percent = models.DecimalField(_("prepayment (%)"), null=True, blank=True, **PERCENT)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), null=True, blank=True)
    reason_nl = models.CharField(_("reason (Dutch)"), max_length=200)
    reason_en = models.CharField(_("reason (English)"), max_length=200)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="rule_position_unique"),
            models.CheckConstraint(
                condition=Q(limit_kind="none")
                | Q(limit_kind="fixed", limit_amount__gte=0)
                | Q(limit_kind="share", limit_share__gt=0, limit_share__lte=100),
                name="rule_limit_complete",
            ),
            models.CheckConstraint(
                condition=Q(prepayment_percent__isnull=True)
                | Q(prepayment_percent__gte=0, prepayment_percent__lte=100),
                name="rule_prepayment_is_percentage",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.display_name}"

    def save(self, *args, **kwargs) -> None:
        _refuse_unless_draft(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        _refuse_unless_draft(self.version_id)
        return super().delete(*args, **kwargs)

    def reason(self, language: str) -> str:
        return self.reason_nl if language == "nl" else self.reason_en


class Condition(models.Model):
    """`feature operator value`, on a named feature (acceptance.features); never code."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="conditions")
    feature = models.CharField(_("feature"), max_length=40)
    operator = models.CharField(_("operator"), max_length=12)
    value = models.CharField(_("value"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("condition")
        verbose_name_plural = _("conditions")
        ordering = ["rule", "id"]

    def __str__(self) -> str:
        return f"{self.feature} {self.operator} {self.value}".strip()

    def save(self, *args, **kwargs) -> None:
        _refuse_unless_draft(
            Rule.objects.filter(pk=self.rule_id).values_list("version_id", flat=True).first()
        )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        _refuse_unless_draft(
            Rule.objects.filter(pk=self.rule_id).values_list("version_id", flat=True).first()
        )
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        from acceptance.rules import check_condition

        check_condition(feature=self.feature, operator=self.operator, value=self.value)


class Channel(models.TextChoices):
    API = "api", _("API (webshop, ERP)")
    COUNTER = "counter", _("Counter")
    SALES = "sales", _("Sales")
    WEBSHOP = "webshop", _("Webshop")


class Decision(models.Model):
    """One answer to "may this company buy on account, and up to what amount?". Append-only."""

    # No index of its own (every decision writes each index): Meta's (customer, -created_at) serves.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions", db_index=False
    )
    registration_number = models.CharField(_("registration number"), max_length=20, blank=True)
    company_name = models.CharField(_("company"), max_length=200)
    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="decisions")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requester_label = models.CharField(_("requested by"), max_length=100, blank=True)
    requested_amount = models.DecimalField(_("requested amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    features = models.JSONField(_("features"), default=dict)
    evaluations = models.JSONField(_("rules evaluated"), default=list)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    limit = models.DecimalField(_("credit limit"), **MONEY)
    available = models.DecimalField(_("available credit"), **MONEY)
    prepayment_percent = models.DecimalField(_("prepayment (%)"), null=True, blank=True, **PERCENT)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), null=True, blank=True)
    reasons_nl = models.JSONField(_("reasons (Dutch)"), default=list)
    reasons_en = models.JSONField(_("reasons (English)"), default=list)
    latency_ms = models.DecimalField(_("latency (ms)"), max_digits=9, decimal_places=2, default=Decimal(0))
    # A manager's answer to a referred decision is a new decision that points at it (at most one).
    overrides = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="overridden_by"
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    checkpoint = models.CharField(_("checkpoint"), max_length=10, blank=True)
    # The requested amount was more than the available credit at this checkpoint.
    breach = models.BooleanField(_("over the available credit"), default=False)
    created_at = models.DateTimeField(_("decided at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gte=0, available__gte=0), name="decision_amounts"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Decisions are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValueError("Decisions are append-only")

    def reasons(self, language: str) -> list[str]:
        return self.reasons_nl if language == "nl" else self.reasons_en

    @property
    def on_account(self) -> bool:
        """May the goods go on account without more (the counter's green answer)?"""
        return (
            self.outcome == Outcome.ACCEPT
            or (self.outcome == Outcome.ACCEPT_WITH_CONDITIONS and not self.prepayment_percent)
        ) and self.available > 0

    @property
    def counter_colour(self) -> str:
        if self.on_account:
            return "green"
        if self.outcome == Outcome.REJECT:
            return "red"
        return "orange"


class ApiDecisionRequest(models.Model):
    """An API client's decision request for one order: the same order reference gets the same decision.

    `fingerprint` is a hash of what was asked (customer, amount, currency,
    channel), so the same reference with another question is refused.
    """

    # The unique (client, order_reference) serves lookups by client.
    client = models.ForeignKey(
        "creditmgmt.ApiClient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    order_reference = models.CharField(_("order reference"), max_length=64)
    fingerprint = models.CharField(max_length=64)
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="api_request")
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        verbose_name = _("API decision request")
        verbose_name_plural = _("API decision requests")
        constraints = [
            models.UniqueConstraint(fields=["client", "order_reference"], name="api_order_reference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.order_reference}"


class BureauWatch(models.Model):
    """What monitoring last saw of a customer's bureau report, to notice what changed.

    The bureau record itself is replaced by every newer report; this row keeps
    the figures monitoring compared against, and the day it last checked.
    """

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="bureau_watch"
    )
    registration_number = models.CharField(_("registration number"), max_length=20)
    score = models.PositiveSmallIntegerField(_("score (0-100)"), null=True, blank=True)
    probability_of_default = models.DecimalField(
        _("probability of default in 12 months (%)"), null=True, blank=True, **PERCENT
    )
    rating = models.CharField(_("rating"), max_length=8, blank=True)
    negative_events = models.JSONField(_("negative events"), default=list, blank=True)
    report_fetched_at = models.DateTimeField(_("report date"), null=True, blank=True)
    checked_on = models.DateField(_("last checked"), null=True, blank=True, db_index=True)
    changed_on = models.DateField(_("last change"), null=True, blank=True)

    class Meta:
        verbose_name = _("bureau watch")
        verbose_name_plural = _("bureau watches")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.registration_number}"


class CreditTermsQuerySet(models.QuerySet):
    def running(self, today: date) -> "CreditTermsQuerySet":
        """Terms whose temporary limit applies today: CreditTerms.temporary_applies as a filter."""
        return self.filter(temporary_limit__isnull=False, temporary_until__gte=today)


class CreditTerms(models.Model):
    """What acceptance keeps about a customer's credit limit beside `Customer.credit_limit` (the base).

    A review date (a limit-review task opens when it passes) and a temporary
    raise with an end date: while it runs, the raised amount is the limit.
    Every change is on the customer's timeline with who and why.
    """

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="credit_terms"
    )
    review_on = models.DateField(_("review the limit on"), null=True, blank=True)
    # The review date a task was opened for, so a passed date opens one task, not one a day.
    review_task_for = models.DateField(null=True, blank=True)
    temporary_limit = models.DecimalField(_("temporary limit"), null=True, blank=True, **MONEY)
    temporary_until = models.DateField(_("temporary limit until"), null=True, blank=True)
    temporary_reason = models.CharField(_("reason for the temporary limit"), max_length=300, blank=True)

    objects = CreditTermsQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit terms")
        verbose_name_plural = _("credit terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(temporary_limit__isnull=True, temporary_until__isnull=True)
                | Q(temporary_limit__gte=0, temporary_until__isnull=False),
                name="credit_terms_temporary_complete",
            ),
        ]

    def __str__(self) -> str:
        return str(self.customer_id)

    def temporary_applies(self, today: date) -> bool:
        """The temporary limit runs from its grant through its end date. The same rule as
        CreditTermsQuerySet.running and limits._EXPOSURE_SQL (tests/acceptance/test_limits.py)."""
        return (
            self.temporary_limit is not None
            and self.temporary_until is not None
            and today <= self.temporary_until
        )


class Reservation(models.Model):
    """An accepted order not invoiced yet: its amount counts in the exposure until invoiced or expired.

    One per customer and order reference (the decision API's idempotency key);
    an invoice of the customer with the same order reference ends it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVOICED = "invoiced", _("Invoiced")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    # The unique (customer, order_reference) and Meta's (customer, status) serve lookups by customer.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="reservations", db_index=False
    )
    order_reference = models.CharField(_("order reference"), max_length=64)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="reservations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "status"]), models.Index(fields=["status", "expires_on"])]
        constraints = [
            models.UniqueConstraint(fields=["customer", "order_reference"], name="reservation_per_order"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="reservation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_reference}: {self.amount}"


class Checkpoint(models.Model):
    """A moment the decision is asked (order, delivery at the counter, invoice) and what a breach does there.

    A breach: the requested amount is more than the available credit. *Block*
    turns an accepting answer into a referral to a person, *warn* keeps the
    answer and says so in its reasons, *ignore* does neither.
    """

    class Code(models.TextChoices):
        ORDER = "order", _("Order")
        DELIVERY = "delivery", _("Delivery (counter)")
        INVOICE = "invoice", _("Invoice")

    class OnBreach(models.TextChoices):
        WARN = "warn", _("Warn")
        BLOCK = "block", _("Block")
        IGNORE = "ignore", _("Ignore")

    code = models.CharField(_("checkpoint"), max_length=10, choices=Code.choices, unique=True)
    on_breach = models.CharField(_("when over the available credit"), max_length=10, choices=OnBreach.choices)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_code_display()


class ReleaseRequest(models.Model):
    """A counter clerk asks the credit department to release an orange or red answer.

    A task for the customer's controller; the controller's answer appears on
    the clerk's screen (the counter polls the request's status).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the credit department")
        RELEASED = "released", _("Released")
        REFUSED = "refused", _("Not released")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="release_request")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="release_requests")
    amount = models.DecimalField(_("amount of the purchase"), null=True, blank=True, **MONEY)
    note = models.CharField(_("note from the counter"), max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(
        "accounts.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    released_amount = models.DecimalField(_("released up to"), null=True, blank=True, **MONEY)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        verbose_name = _("release request")
        verbose_name_plural = _("release requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.get_status_display()}"
