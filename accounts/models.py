"""The customer accounts ledger: customers, invoices, payments and their history.

Money is Decimal with two places; every amount carries the currency of its
document. A credit note is an invoice with a negative amount. Open amounts
are kept on the documents and checked by the database, so no code path can
push an invoice below zero or above its amount.
"""

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from creditmgmt import texts

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")

KVK_RE = re.compile(r"^\d{8}$")


def validate_kvk(value: str) -> None:
    if not KVK_RE.match(value or ""):
        raise ValidationError(
            _("A KvK number has exactly 8 digits, not %(value)s."),
            params={"value": value},
            code="invalid_kvk",
        )


# python-stdnum says why in English only: its reasons, in the reader's language.
VAT_REASONS = [
    (InvalidLength, _("the length is wrong")),
    (InvalidChecksum, _("the check digits do not match")),
    (InvalidComponent, _("the country code or another part does not exist")),
    (InvalidFormat, _("the format is wrong")),
]


def validate_vat(value: str) -> None:
    try:
        eu_vat.validate(value)
    except StdnumError as exc:
        reason = next((text for kind, text in VAT_REASONS if isinstance(exc, kind)), _("the format is wrong"))
        raise ValidationError(
            _("%(value)s is not a valid EU VAT number (%(reason)s)."),
            params={"value": value, "reason": reason},
            code="invalid_vat",
        ) from None


class Language(models.TextChoices):
    NL = "nl", _("Dutch")
    EN = "en", _("English")
    DE = "de", _("German")
    FR = "fr", _("French")


class CustomerQuerySet(models.QuerySet):
    def of_sales(self, user) -> "CustomerQuerySet":
        """A sales rep's customers: those they are the account manager of, and, among customers
        without an account manager, those they asked a credit decision for or whose dispute they
        own or watch. The one rule every page and report scopes sales with.

        Decisions and disputes are reached by their relation names, so accounts imports
        neither acceptance nor dunning (imports go down only)."""
        customers = self.model._base_manager
        old_rule = (
            Q(pk__in=customers.filter(decisions__requester=user).values("pk"))
            | Q(pk__in=customers.filter(disputes__owner=user).values("pk"))
            | Q(pk__in=customers.filter(disputes__watchers=user).values("pk"))
        )
        return self.filter(Q(account_manager=user) | Q(account_manager__isnull=True) & old_rule)


class Customer(models.Model):
    class LegalForm(models.TextChoices):
        BV = "bv", _("B.V. (private limited)")
        NV = "nv", _("N.V. (public limited)")
        VOF = "vof", _("V.O.F. (partnership)")
        CV = "cv", _("C.V. (limited partnership)")
        SOLE = "sole", _("Sole proprietorship")
        FOUNDATION = "foundation", _("Foundation")
        ASSOCIATION = "association", _("Association")
        COOPERATIVE = "cooperative", _("Cooperative")
        GOVERNMENT = "government", _("Government body")
        PERSON = "person", _("Private person")
        OTHER = "other", _("Other")

    class Segment(models.TextChoices):
        KEY_ACCOUNT = "key_account", _("Key account")
        BUSINESS = "business", _("Business")
        SMALL_BUSINESS = "small_business", _("Small business")
        CONSUMER = "consumer", _("Consumer")
        GOVERNMENT = "government", _("Government")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        IN_COLLECTION = "in_collection", _("In collection")
        CLOSED = "closed", _("Closed")

    class RiskClass(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        VERY_HIGH = "very_high", _("Very high")

    number = models.CharField(_("customer number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, default=LegalForm.BV
    )
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[validate_kvk], db_index=True
    )
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True, validators=[validate_vat])
    address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=16, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL")
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.NL)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices, default=Segment.BUSINESS)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subsidiaries",
    )
    controller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("credit controller"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,
    )
    # The salesperson who owns the relation (a user with the sales role); see CustomerQuerySet.of_sales.
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
    )
    credit_limit = models.DecimalField(_("credit limit"), default=ZERO, **MONEY)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    delivery_blocked = models.BooleanField(_("delivery block"), default=False)
    delivery_block_reason = models.CharField(_("delivery block reason"), max_length=200, blank=True)
    # A block set by a job (creditmgmt.texts): English message id and parameters, shown translated.
    delivery_block_reason_msgid = models.TextField(blank=True, default="")
    delivery_block_reason_params = models.JSONField(default=dict, blank=True)
    risk_class = models.CharField(
        _("risk class"), max_length=20, choices=RiskClass.choices, default=RiskClass.UNKNOWN
    )
    # Kept up to date by the ledger services in the same transaction as the
    # documents, so lists can filter and sort without summing every invoice.
    open_amount = models.DecimalField(_("open amount"), default=ZERO, **MONEY)
    oldest_open_due_date = models.DateField(_("oldest open due date"), null=True, blank=True)
    unallocated_amount = models.DecimalField(_("unallocated payments"), default=ZERO, **MONEY)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # One upper-case column for the search box (number, name, city, KvK), so a
    # single trigram index on PostgreSQL answers it.
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "number",
                Value(" "),
                "name",
                Value(" "),
                "city",
                Value(" "),
                "kvk_number",
                output_field=models.CharField(),
            )
        ),
        output_field=models.CharField(max_length=400),
        db_persist=True,
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["controller", "name"]),
            models.Index(fields=["status"]),
            models.Index(fields=["oldest_open_due_date"]),
            models.Index(fields=["-open_amount"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:customer_detail", args=[self.pk])

    @property
    def delivery_block_reason_text(self) -> str:
        """Why deliveries are blocked, in the reader's language (a person's words as written)."""
        return texts.render(
            self.delivery_block_reason_msgid,
            self.delivery_block_reason_params,
            fallback=self.delivery_block_reason,
        )

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.oldest_open_due_date is not None and self.oldest_open_due_date < today

    @property
    def available_credit(self) -> Decimal:
        return self.credit_limit - max(self.open_amount, ZERO)


class Contact(models.Model):
    class Role(models.TextChoices):
        ACCOUNTS_PAYABLE = "accounts_payable", _("Accounts payable")
        FINANCE = "finance", _("Finance manager")
        PURCHASING = "purchasing", _("Purchasing")
        DIRECTOR = "director", _("Director / owner")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        SMS = "sms", _("SMS")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self) -> str:
        return self.name


class Invoice(models.Model):
    """An invoice, or a credit note when the amount is negative."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices", db_index=False)
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    issue_date = models.DateField(_("invoice date"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount = models.DecimalField(_("amount"), **MONEY)
    vat_amount = models.DecimalField(_("VAT"), default=ZERO, **MONEY)
    open_amount = models.DecimalField(_("open amount"), **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order_reference = models.CharField(_("order reference"), max_length=64, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=32, blank=True)
    paid_date = models.DateField(_("paid on"), null=True, blank=True)
    # Days between due date and settlement (negative = early); set when paid.
    days_late = models.IntegerField(_("days late"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issue_date", "-number"]
        indexes = [
            models.Index(fields=["customer", "status", "due_date"]),
            models.Index(fields=["customer", "-issue_date"]),
            models.Index(fields=["status", "due_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(amount__gte=0, open_amount__gte=0, open_amount__lte=models.F("amount"))
                    | Q(amount__lt=0, open_amount__lte=0, open_amount__gte=models.F("amount"))
                ),
                name="invoice_open_amount_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=models.F("issue_date")),
                name="invoice_due_not_before_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("accounts:invoice_detail", args=[self.pk])

    @property
    def is_credit_note(self) -> bool:
        return self.amount < 0

    @property
    def settled_amount(self) -> Decimal:
        return self.amount - self.open_amount

    def days_overdue(self, today: date | None = None) -> int:
        today = today or timezone.localdate()
        if self.status != self.Status.OPEN or self.is_credit_note or self.due_date >= today:
            return 0
        return (today - self.due_date).days


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3, default=1)
    # Four places: B2B unit prices such as EUR 0.1990 per piece are common.
    unit_price = models.DecimalField(_("unit price"), max_digits=16, decimal_places=4)
    vat_rate = models.DecimalField(_("VAT %"), max_digits=5, decimal_places=2, default=21)

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return self.description

    @property
    def net_amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class Payment(models.Model):
    """Money received from a customer (bank, manual entry or ERP import)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        BANK = "bank", _("Bank statement")
        IMPORT = "import", _("ERP import")

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    value_date = models.DateField(_("value date"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount = models.DecimalField(_("amount"), **MONEY)
    unallocated_amount = models.DecimalField(_("unallocated"), **MONEY)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    # Set when the bank took the money back (storno, returned direct debit): nothing left to allocate.
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-value_date", "-id"]
        indexes = [models.Index(fields=["customer", "-value_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unallocated_amount__gte=0, unallocated_amount__lte=models.F("amount")),
                name="payment_unallocated_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount} ({self.value_date})"


class AllocationQuerySet(models.QuerySet):
    def active(self) -> "AllocationQuerySet":
        return self.filter(reversed_at__isnull=True)


class Allocation(models.Model):
    """Part of a payment or credit note that settles part of an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_allocations",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(payment__isnull=False, credit_note__isnull=True)
                    | Q(payment__isnull=True, credit_note__isnull=False)
                ),
                name="allocation_has_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.invoice_id}"

    @property
    def source(self) -> Payment | Invoice | None:
        return self.payment or self.credit_note


class Note(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class EventQuerySet(models.QuerySet):
    def for_timeline(self) -> "EventQuerySet":
        return self.select_related("actor").order_by("-created_at", "-id")


class Event(models.Model):
    """One line of a customer's timeline. Append-only: never changed or deleted."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        INVOICE = "invoice", _("Invoice")
        PAYMENT = "payment", _("Payment")
        ALLOCATION = "allocation", _("Allocation")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")
        CONTACT = "contact", _("Contact")
        MESSAGE = "message", _("Message")
        DUNNING = "dunning", _("Dunning")
        DISPUTE = "dispute", _("Dispute")
        PROMISE = "promise", _("Promise")
        DECISION = "decision", _("Credit decision")
        IMPORT = "import", _("Import")

    # Meta's two (customer, ...) indexes serve lookups by customer: no index of its own, since every
    # decision, reminder and payment writes events and each index is written with them.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    verb = models.CharField(_("what happened"), max_length=40)
    summary = models.CharField(_("summary"), max_length=300)
    # The summary for the reader (creditmgmt.texts): English message id and typed parameters.
    summary_msgid = models.TextField(blank=True, default="")
    summary_params = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when there is no user: "system: daily run", "api: webshop".
    actor_label = models.CharField(max_length=100, blank=True)
    # Not indexed: nothing looks events up by target type (only removing a model's ContentType does).
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"]),
            models.Index(fields=["customer", "kind", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.summary

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValueError("Timeline events are append-only")

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language (the stored text for old rows)."""
        return texts.render(self.summary_msgid, self.summary_params, fallback=self.summary)

    @property
    def who(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return self.actor_label or str(_("system"))


class TaskQuerySet(models.QuerySet):
    def open(self) -> "TaskQuerySet":
        return self.filter(status=Task.Status.OPEN)

    def by_priority(self) -> "TaskQuerySet":
        return self.order_by("priority", "due_date", "id")


class Task(models.Model):
    """A planned action on a customer: the worklist is made of these."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        FOLLOW_UP = "follow_up", _("Follow up")
        REVIEW = "review", _("Review")
        APPROVAL = "approval", _("Approval")
        DISPUTE = "dispute", _("Dispute")
        PAYMENT = "payment", _("Check payment")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        URGENT = 1, _("Urgent")
        HIGH = 2, _("High")
        NORMAL = 3, _("Normal")
        LOW = 4, _("Low")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached the customer")
        NOT_REACHED = "not_reached", _("Could not reach")
        PROMISED = "promised", _("Customer promised to pay")
        DISPUTED = "disputed", _("Customer disputes")
        PAID = "paid", _("Already paid")
        RESOLVED = "resolved", _("Resolved")
        NO_ACTION = "no_action", _("No action needed")

    TRANSITIONS = {
        Status.OPEN: {Status.DONE, Status.CANCELLED},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    }

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FOLLOW_UP)
    title = models.CharField(_("title"), max_length=200)
    # The title for the reader (creditmgmt.texts): English message id and typed parameters.
    title_msgid = models.TextField(blank=True, default="")
    title_params = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        db_index=False,
    )
    due_date = models.DateField(_("due date"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    snooze_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["priority", "due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "priority", "due_date"]),
            models.Index(fields=["customer", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title_text(self) -> str:
        """The title in the reader's language (the stored text for old rows and typed titles)."""
        return texts.render(self.title_msgid, self.title_params, fallback=self.title)

    @property
    def title_message(self) -> "texts.Text | str":
        """The title as a parameter of another text (an event's summary): translated there too."""
        return texts.Text(self.title_msgid, **self.title_params) if self.title_msgid else self.title

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def is_overdue(self, today: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.due_date < (today or timezone.localdate())


class ExchangeRate(models.Model):
    """Rate to the company currency, used for totals across currencies."""

    currency = models.CharField(max_length=3)
    valid_from = models.DateField()
    rate = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.valid_from})"


def event_target(obj: models.Model | None) -> dict:
    if obj is None:
        return {}
    return {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}


# --- Bank statements -------------------------------------------------------------


class BankCsvMapping(models.Model):
    """How to read one bank's CSV export: which column holds what."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    delimiter = models.CharField(_("separator"), max_length=1, default=";")
    decimal_sign = models.CharField(_("decimal sign"), max_length=1, default=",")
    date_format = models.CharField(_("date format"), max_length=20, default="%d-%m-%Y")
    date_column = models.CharField(_("date column"), max_length=60)
    amount_column = models.CharField(_("amount column"), max_length=60)
    direction_column = models.CharField(_("debit/credit column"), max_length=60, blank=True)
    name_column = models.CharField(_("name column"), max_length=60, blank=True)
    iban_column = models.CharField(_("IBAN column"), max_length=60, blank=True)
    description_column = models.CharField(_("description column"), max_length=60, blank=True)
    reference_column = models.CharField(_("reference column"), max_length=60, blank=True)
    account_column = models.CharField(_("own account column"), max_length=60, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        verbose_name = _("bank CSV mapping")
        verbose_name_plural = _("bank CSV mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_mapping(self):  # -> accounts.bank.csvformat.CsvMapping
        from accounts.bank.csvformat import CsvMapping

        return CsvMapping(
            date_column=self.date_column,
            amount_column=self.amount_column,
            date_format=self.date_format,
            decimal_sign=self.decimal_sign,
            delimiter=self.delimiter,
            direction_column=self.direction_column,
            name_column=self.name_column,
            iban_column=self.iban_column,
            description_column=self.description_column,
            reference_column=self.reference_column,
            account_column=self.account_column,
            currency=self.currency,
        )


class BankStatement(models.Model):
    """One statement (or notification) of one account, from one imported file."""

    format = models.CharField(_("format"), max_length=10)
    account = models.CharField(_("account"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reference = models.CharField(_("statement reference"), max_length=64, blank=True)
    sequence = models.CharField(_("sequence"), max_length=32, blank=True)
    opening_balance = models.DecimalField(_("opening balance"), null=True, blank=True, **MONEY)
    closing_balance = models.DecimalField(_("closing balance"), null=True, blank=True, **MONEY)
    opening_date = models.DateField(_("opening date"), null=True, blank=True)
    closing_date = models.DateField(_("closing date"), null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=200)
    file_sha256 = models.CharField(max_length=64)
    line = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_by_label = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-id"]
        indexes = [models.Index(fields=["account", "closing_date"])]

    def __str__(self) -> str:
        return f"{self.account} {self.reference}"


class BankEntry(models.Model):
    """One line of a bank statement; incoming ones become payments on invoices."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("Needs a person")
        OUTGOING = "outgoing", _("Outgoing")
        REVERSAL = "reversal", _("Reversal")
        IGNORED = "ignored", _("Ignored")

    class Direction(models.TextChoices):
        CREDIT = "credit", _("In")
        DEBIT = "debit", _("Out")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="entries")
    # A digest of the entry's content and its rank among identical ones: importing again adds nothing.
    key = models.CharField(max_length=64, unique=True)
    line = models.PositiveIntegerField(_("line"), default=0)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    is_reversal = models.BooleanField(_("reversal"), default=False)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("IBAN"), max_length=34, blank=True, db_index=True)
    counterparty_bic = models.CharField(_("BIC"), max_length=11, blank=True)
    remittance = models.TextField(_("description"), blank=True)
    structured_reference = models.CharField(_("payment reference"), max_length=35, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=64, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    transaction_code = models.CharField(_("transaction code"), max_length=32, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=8, blank=True)
    batch = models.CharField(_("batch"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_entries"
    )
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_entry"
    )
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # The best candidates with their scores and reasons, for the unmatched queue.
    suggestions = models.JSONField(default=list, blank=True)
    explanation = models.CharField(_("why"), max_length=300, blank=True)
    # The explanation for the reader (creditmgmt.texts): English message id and typed parameters.
    explanation_msgid = models.TextField(blank=True, default="")
    explanation_params = models.JSONField(default=dict, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bank entry")
        verbose_name_plural = _("bank entries")
        ordering = ["-booking_date", "id"]
        indexes = [
            models.Index(fields=["status", "booking_date"]),
            models.Index(fields=["end_to_end_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="bank_entry_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.signed_amount} {self.counterparty_name}"

    @property
    def explanation_text(self) -> str:
        """Why the entry was matched (or not), in the reader's language."""
        return texts.render(self.explanation_msgid, self.explanation_params, fallback=self.explanation)

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == self.Direction.CREDIT else -self.amount


class KnownIban(models.Model):
    """A bank account we have seen paying for a customer (learned from matches)."""

    iban = models.CharField(_("IBAN"), max_length=34)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="known_ibans")
    times = models.PositiveIntegerField(default=1)
    learned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("known IBAN")
        verbose_name_plural = _("known IBANs")
        constraints = [
            models.UniqueConstraint(fields=["iban", "customer"], name="known_iban_once_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.iban} → {self.customer_id}"
