"""Promises to pay and payment plans: agreements that pause dunning and are watched by the daily run."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Invoice, Task
from dunning.models.setup import MONEY


class AgreementChannel(models.TextChoices):
    """How the customer made the promise or asked for the plan."""

    PHONE = "phone", _("Phone")
    MAIL = "mail", _("Mail")
    PORTAL = "portal", _("Portal")
    CONTROLLER = "controller", _("Controller")


class PromiseQuerySet(models.QuerySet):
    def open(self) -> "PromiseQuerySet":
        return self.filter(status=Promise.Status.OPEN)

    def pausing(self, today: date) -> "PromiseQuerySet":
        """Open promises whose invoices stay out of dunning today (until the date plus grace)."""
        return self.filter(status=Promise.Status.OPEN, paused_until__gte=today)


class Promise(models.Model):
    """The customer promised to pay an amount on a date for some invoices."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="promises", db_index=False)
    invoices = models.ManyToManyField(Invoice, related_name="promises", verbose_name=_("invoices"))
    amount = models.DecimalField(_("promised amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # The invoices' open amount when the promise was made: what is paid since is this minus today's.
    open_at_promise = models.DecimalField(_("open when promised"), **MONEY)
    promised_date = models.DateField(_("promised date"))
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=3)
    # promised_date + grace_days: the invoices are out of dunning up to and including this day.
    paused_until = models.DateField(_("dunning paused until"))
    channel = models.CharField(_("channel"), max_length=12, choices=AgreementChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid since the promise"), default=0, **MONEY)
    # {invoice id: open amount when promised}: an invoice cancelled later leaves the promise with
    # what it had open then (docs/dunning.md "Promises to pay"). Empty on promises made before.
    open_by_invoice = models.JSONField(default=dict, blank=True)

    objects = PromiseQuerySet.as_manager()

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-promised_date", "-id"]
        indexes = [
            models.Index(fields=["status", "paused_until"]),
            models.Index(fields=["customer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0), name="promise_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(paused_until__gte=models.F("promised_date")), name="promise_pause_after_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.amount} {self.currency} on {self.promised_date}"

    @property
    def who(self) -> str:
        return str(self.created_by) if self.created_by_id else self.actor_label


class PaymentPlanQuerySet(models.QuerySet):
    def pausing(self) -> "PaymentPlanQuerySet":
        """Plans whose invoices stay out of dunning: asked for (waiting) or running."""
        return self.filter(status__in=(PaymentPlan.Status.REQUESTED, PaymentPlan.Status.ACTIVE))


class PaymentPlan(models.Model):
    """Installments over some invoices' open amount; approved by the policy or by a manager."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        REJECTED = "rejected", _("Rejected")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="payment_plans", db_index=False
    )
    invoices = models.ManyToManyField(Invoice, related_name="payment_plans", verbose_name=_("invoices"))
    amount = models.DecimalField(_("amount"), **MONEY)  # the invoices' open amount when asked
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    auto_approved = models.BooleanField(_("approved by the policy"), default=False)
    # Why the policy sent it to a manager: [{"code": ..., **params}] (texts from dunning.services.plans).
    check_reasons = models.JSONField(default=list, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=AgreementChannel.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=100, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    approval_task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment_plan"
    )
    paid_amount = models.DecimalField(_("paid"), default=0, **MONEY)
    ended_on = models.DateField(_("ended"), null=True, blank=True)

    objects = PaymentPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["customer", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=models.F("amount")),
                name="plan_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.amount} {self.currency} ({self.status})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dunning:plan_detail", args=[self.pk])

    @property
    def who(self) -> str:
        return str(self.created_by) if self.created_by_id else self.actor_label

    @property
    def reasons(self) -> list[str]:
        """The policy's reasons in the reader's language."""
        from dunning.services.plans import describe

        return [describe(r) for r in self.check_reasons]


class Installment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PAID = "paid", _("Paid")
        MISSED = "missed", _("Missed")

    plan = models.ForeignKey(
        PaymentPlan, on_delete=models.CASCADE, related_name="installments", db_index=False
    )
    sequence = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_amount = models.DecimalField(_("paid"), default=0, **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # The day the daily run found it missed (kept when it is paid later: a miss stays a miss).
    missed_on = models.DateField(_("missed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        ordering = ["plan", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "sequence"], name="one_installment_per_sequence"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, paid_amount__lte=models.F("amount")),
                name="installment_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.sequence}: {self.amount} on {self.due_date}"

    @property
    def left(self):
        return self.amount - self.paid_amount
