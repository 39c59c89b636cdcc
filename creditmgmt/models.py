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
