from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Credit manager")
    CONTROLLER = "controller", _("Credit controller")
    COUNTER = "counter", _("Counter staff")
    SALES = "sales", _("Sales")


class User(AbstractUser):
    """A member of staff. The role decides what every view allows."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONTROLLER)
    language = models.CharField(_("language"), max_length=8, blank=True, help_text=_("Preferred UI language"))
    # While absent, new dunning tasks for this user's customers go to a colleague.
    absent_until = models.DateField(
        _("absent until"), null=True, blank=True, help_text=_("Last day away (holiday, illness)")
    )
    # Who takes over while away; empty: the available controller with the fewest open tasks.
    deputy = models.ForeignKey(
        "self",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputising_for",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.is_superuser)


class LoginAttempt(models.Model):
    """A failed sign-in, kept to throttle guessing per username and per address."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login attempt")

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address} at {self.created_at}"


class ApiClient(models.Model):
    """A system that calls the API (a webshop, an ERP): a key with scopes, never a role.

    The key is shown once when the client is made; only its SHA-256 is stored
    (keys are long random strings, so a fast hash is safe and keeps each call
    cheap), with its first characters so people can tell keys apart.
    """

    class Scope(models.TextChoices):
        DECIDE = "decisions:write", _("Ask credit decisions")
        CREDIT = "credit:read", _("Read a customer's available credit")

    name = models.CharField(_("name"), max_length=80, unique=True)
    key_prefix = models.CharField(_("key starts with"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        "creditmgmt.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def actor(self) -> str:
        """Who the timeline and the decisions name for this client's calls."""
        return f"api: {self.name}"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])
