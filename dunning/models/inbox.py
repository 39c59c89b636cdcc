"""The shared inbox: mails from customers, their attachments, and the classifier trained on corrections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer


class MailCategory(models.TextChoices):
    PROMISE = "promise", _("Promise to pay")
    DISPUTE = "dispute", _("Dispute or complaint")
    COPY = "copy", _("Invoice copy or statement request")
    PAID = "paid", _("Remittance / says paid")
    QUESTION = "question", _("Question")
    AUTO_REPLY = "auto_reply", _("Auto-reply / out of office")
    OTHER = "other", _("Other")


class InboundMailQuerySet(models.QuerySet):
    def open(self) -> InboundMailQuerySet:
        return self.filter(status=InboundMail.Status.OPEN)

    def response_overdue(self, now) -> InboundMailQuerySet:
        """Open mail past its first-response target, not answered and without a task yet."""
        return self.filter(
            status=InboundMail.Status.OPEN,
            respond_by__lt=now,
            responded_at__isnull=True,
            response_task__isnull=True,
            customer__isnull=False,
        )

    def unread_for(self, user) -> InboundMailQuerySet:
        """Unread open mail for this person: theirs, and what nobody has yet."""
        return self.filter(status=InboundMail.Status.OPEN, read_at__isnull=True).filter(
            Q(assignee=user) | Q(assignee__isnull=True)
        )


class InboundMail(models.Model):
    """One mail as received, stored once (Message-ID, or a SHA-256 of the raw bytes)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting for the customer")
        DONE = "done", _("Done")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Upload")
        WEBHOOK = "webhook", _("Webhook")
        IMAP = "imap", _("IMAP")

    class LinkedBy(models.TextChoices):
        THREAD = "thread", _("conversation")
        CONTACT = "contact", _("contact address")
        SEEN = "seen", _("address seen before")
        INVOICE = "invoice", _("invoice number")
        PERSON = "person", _("by hand")

    class ClassifiedBy(models.TextChoices):
        RULE = "rule", _("Rule")
        MODEL = "model", _("Model")
        PERSON = "person", _("Person")

    message_id = models.CharField(max_length=500, null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=64, unique=True)
    raw = models.BinaryField()
    source = models.CharField(max_length=10, choices=Source.choices)
    malformed = models.BooleanField(_("malformed"), default=False)
    parse_error = models.CharField(max_length=300, blank=True)
    from_address = models.CharField(_("from"), max_length=300, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.CharField(_("to"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    # The Message-ID of the first mail of the conversation (ours or theirs).
    thread_root = models.CharField(max_length=500, blank=True, db_index=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mails",
        db_index=False,
    )
    linked_by = models.CharField(max_length=20, choices=LinkedBy.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    read_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=MailCategory.choices, blank=True)
    classified_by = models.CharField(max_length=10, choices=ClassifiedBy.choices, blank=True)
    why = models.CharField(max_length=300, blank=True)
    invoice_numbers = models.JSONField(default=list, blank=True)
    promised_date = models.DateField(null=True, blank=True)
    promised_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    acted = models.CharField(max_length=20, blank=True)  # which suggestion was accepted
    # First-response target: set at arrival (working days ahead), met by a reply, an action or a status.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    # The task made when the target passed unanswered (one per mail: the check can run any number of times).
    response_task = models.OneToOneField(
        "accounts.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )

    objects = InboundMailQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "assignee", "-received_at"]),
            models.Index(fields=["customer", "-received_at"]),
            models.Index(fields=["status", "respond_by"], name="inbox_response_due"),
            # The team/done/waiting lists: newest first within a status, pages read in index order.
            models.Index(fields=["status", "-received_at", "-id", "assignee"], name="inbox_status_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("dunning:inbox_mail", args=[self.pk])


class InboundAttachment(models.Model):
    mail = models.ForeignKey(InboundMail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data = models.BinaryField(blank=True)
    # Kept as a line (name, type, size) but without the bytes when over the limits.
    refused = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class MailClassifier(models.Model):
    """A trained model (pickled scikit-learn pipeline); the newest one is used."""

    trained_at = models.DateTimeField(auto_now_add=True)
    samples = models.PositiveIntegerField()
    corrections = models.PositiveIntegerField()
    pipeline = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"classifier {self.trained_at:%Y-%m-%d} ({self.samples})"
