"""The customer portal: personal links (stored only as a hash), change requests, remittance advices."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Task


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class PortalTokenQuerySet(models.QuerySet):
    def valid(self, now=None) -> PortalTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class PortalToken(models.Model):
    """A customer's personal portal link. The random token is never stored: only its SHA-256."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="portal_tokens", db_index=False
    )
    token_hash = models.CharField(max_length=64, unique=True)
    message = models.ForeignKey(
        "dunning.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="portal_tokens"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_opened_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    # Who made it by hand ("" for the links every reminder carries).
    made_by = models.CharField(max_length=100, blank=True)

    objects = PortalTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"portal link {self.pk} of {self.customer_id}"

    def is_valid(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class ChangeRequest(models.Model):
    """Contact details or preferences a customer corrected in the portal."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contact details")
        PREFERENCES = "preferences", _("Communication preferences")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a controller")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="change_requests", db_index=False
    )
    token = models.ForeignKey(PortalToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # {"field": [current value, proposed value]}
    changes = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} change of {self.customer_id}"


def remittance_path(instance: RemittanceAdvice, filename: str) -> str:
    now = timezone.now()
    return f"portal/remittance/{now:%Y/%m}/{instance.customer_id}-{filename}"


class RemittanceAdvice(models.Model):
    """A payment advice the customer uploaded; a controller checks it (a task)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="remittance_advices")
    token = models.ForeignKey(PortalToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to=remittance_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    note = models.CharField(_("note"), max_length=500, blank=True)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("remittance advice")
        verbose_name_plural = _("remittance advices")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="remittance_not_empty")]

    def __str__(self) -> str:
        return self.original_name
