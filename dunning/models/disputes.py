"""Disputes: a customer contests (part of) one or more invoices; the disputed amount leaves dunning."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Invoice, Task
from dunning.models.setup import MONEY


class DisputeReasonQuerySet(models.QuerySet):
    def active(self) -> DisputeReasonQuerySet:
        return self.filter(is_active=True)


class DisputeReason(models.Model):
    """Why a customer disputes; configurable (admin), shipped by a data migration."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DisputeReasonQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute reason")
        verbose_name_plural = _("dispute reasons")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label(translation.get_language() or settings.LANGUAGE_CODE)

    def label(self, language: str) -> str:
        """The name in "nl" or "en" (anything else gets English)."""
        return self.name_nl if (language or "")[:2] == "nl" else self.name_en


class DisputeQuerySet(models.QuerySet):
    def open(self) -> DisputeQuerySet:
        """Open or investigating: the disputed amount is out of dunning."""
        return self.filter(status__in=Dispute.OPEN_STATUSES)

    def visible_to(self, user) -> DisputeQuerySet:
        """The credit department sees all disputes; sales see those of their customers
        (Customer.objects.of_sales) and, wherever they are, those they own or watch."""
        from creditmgmt.models import Role

        if user.is_superuser or user.role in (Role.ADMIN, Role.MANAGER, Role.CONTROLLER):
            return self
        watching = Dispute.watchers.through.objects.filter(dispute=OuterRef("pk"), user=user)
        theirs = Customer.objects.of_sales(user).values("pk")
        return self.filter(Q(customer__in=theirs) | Q(owner=user) | Exists(watching))


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLVED_CREDIT_NOTE = "resolved_credit_note", _("Resolved with a credit note")
        REJECTED = "rejected", _("Rejected")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        CONTROLLER = "controller", _("Controller")
        PHONE = "phone", _("Phone")
        MAIL = "mail", _("Mail")
        PORTAL = "portal", _("Portal")

    OPEN_STATUSES = (Status.OPEN, Status.INVESTIGATING)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="disputes", db_index=False)
    invoices = models.ManyToManyField(Invoice, through="DisputeInvoice", related_name="disputes")
    reason = models.ForeignKey(DisputeReason, on_delete=models.PROTECT, related_name="disputes")
    message = models.TextField(_("message"), blank=True)
    amount = models.DecimalField(_("disputed amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_disputes",
        verbose_name=_("owner"),
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_disputes", verbose_name=_("watchers")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(_("due date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The dunning stage when the dispute was opened: dunning resumes there, not from the start.
    dunning_stage = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("opened by"), max_length=100, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    credit_note = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="resolved_disputes"
    )
    attachment = models.FileField(_("attachment"), upload_to="disputes/%Y/%m/", blank=True)
    # Set once by the daily escalation: the unique one-to-one makes it idempotent.
    escalation_task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="escalated_dispute"
    )

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dispute_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "investigating"]) | Q(resolved_at__isnull=False),
                name="finished_dispute_has_resolved_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved_credit_note") | Q(credit_note__isnull=False),
                name="credit_note_dispute_has_credit_note",
            ),
        ]

    def __str__(self) -> str:
        return _("Dispute %(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dunning:dispute_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def opened_by(self) -> str:
        return str(self.created_by) if self.created_by_id else self.actor_label


class DisputeInvoice(models.Model):
    """One disputed invoice and the part of it that is disputed."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="lines", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="dispute_lines")
    amount = models.DecimalField(_("disputed amount"), **MONEY)

    class Meta:
        verbose_name = _("disputed invoice")
        verbose_name_plural = _("disputed invoices")
        constraints = [
            models.UniqueConstraint(fields=["dispute", "invoice"], name="one_line_per_disputed_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="disputed_invoice_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}: {self.invoice_id} {self.amount}"


class DisputeUpdate(models.Model):
    """Every change and comment on a dispute, in order; each is mailed to the owner and watchers."""

    class Verb(models.TextChoices):
        OPENED = "opened", _("Opened")
        COMMENT = "comment", _("Comment")
        ASSIGNED = "assigned", _("Owner changed")
        WATCHERS = "watchers", _("Watchers changed")
        INVESTIGATING = "investigating", _("Investigation started")
        RESOLVED = "resolved", _("Resolved with a credit note")
        REJECTED = "rejected", _("Rejected")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated: past its due date")

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="updates")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("dispute update")
        verbose_name_plural = _("dispute updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.verb}"

    @property
    def by(self) -> str:
        return str(self.author) if self.author_id else self.author_label
