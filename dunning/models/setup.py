"""What managers configure: procedures and their steps, templates, assignment rules, rates."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer

MONEY = {"max_digits": 14, "decimal_places": 2}


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")


class Action(models.TextChoices):
    EMAIL = "email", _("E-mail reminder")
    LETTER = "letter", _("Letter (PDF)")
    SMS = "sms", _("SMS")
    CALL = "call", _("Phone call task")
    TASK = "task", _("Internal task")
    DELIVERY_BLOCK = "delivery_block", _("Delivery block")
    FINAL_NOTICE = "final_notice", _("Final notice (letter)")
    HAND_OVER = "hand_over", _("Hand over to collection agency")


# The channel of the message a step sends; steps without a channel make a task or a block.
ACTION_CHANNEL = {
    Action.EMAIL: Channel.EMAIL,
    Action.LETTER: Channel.LETTER,
    Action.FINAL_NOTICE: Channel.LETTER,
    Action.SMS: Channel.SMS,
}
# Steps that reach the customer: the minimum interval between contacts holds for these.
CONTACT_ACTIONS = {Action.EMAIL, Action.LETTER, Action.FINAL_NOTICE, Action.SMS, Action.CALL}


class Behaviour(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    ON_TIME = "on_time", _("Pays on time")
    SOMETIMES_LATE = "sometimes_late", _("Sometimes late")
    STRUCTURALLY_LATE = "structurally_late", _("Structurally late")


class Procedure(models.Model):
    """An ordered list of steps, chosen per customer by the assignment rules."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    minimum_amount = models.DecimalField(
        _("minimum amount"),
        default=Decimal("10.00"),
        help_text=_("Overdue totals below this amount get no reminder."),
        **MONEY,
    )
    min_interval_days = models.PositiveSmallIntegerField(_("minimum days between contacts"), default=5)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dunning procedure")
        verbose_name_plural = _("dunning procedures")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dunning:procedure_detail", args=[self.pk])


class Step(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps", db_index=False)
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    offset_days = models.SmallIntegerField(
        _("days after due date"), help_text=_("Negative: a friendly reminder before the due date.")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    template_key = models.SlugField(
        _("template"), max_length=60, blank=True, help_text=_("Templates with this key, one per language.")
    )
    requires_approval = models.BooleanField(_("waits for approval"), default=False)
    charge_costs = models.BooleanField(_("charge collection costs (WIK)"), default=False)
    charge_interest = models.BooleanField(_("charge statutory interest"), default=False)

    class Meta:
        verbose_name = _("dunning step")
        verbose_name_plural = _("dunning steps")
        ordering = ["procedure", "position"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "position"], name="one_step_per_position"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.name} {self.position}: {self.name}"

    @property
    def channel(self) -> str | None:
        return ACTION_CHANNEL.get(Action(self.action))

    @property
    def is_contact(self) -> bool:
        return self.action in CONTACT_ACTIONS

    @property
    def is_automatic(self) -> bool:
        """Runs without a person: a message that needs no approval, or a block."""
        return not self.requires_approval and (
            self.channel is not None or self.action == Action.DELIVERY_BLOCK
        )


class TemplateQuerySet(models.QuerySet):
    def current(self) -> "TemplateQuerySet":
        return self.filter(is_current=True)


class Template(models.Model):
    """One version of a message text. Editing saves a new version; old ones are kept."""

    key = models.SlugField(_("key"), max_length=60, db_index=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2)
    # Variants of one text are compared on the cure rate; each customer gets one at random (compose).
    variant = models.CharField(_("variant"), max_length=10, default="A")
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        # "-variant": code that indexes current templates by key, channel and language alone keeps the
        # last one it sees, which is then the first variant (A).
        ordering = ["key", "channel", "language", "-variant", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "language", "variant", "version"], name="template_version_unique"
            ),
            models.UniqueConstraint(
                fields=["key", "channel", "language", "variant"],
                condition=Q(is_current=True),
                name="one_current_template",
            ),
        ]

    def __str__(self) -> str:
        variant = f" {self.variant}" if self.variant != "A" else ""
        return f"{self.key}{variant} ({self.channel}, {self.language}) v{self.version}"


class AssignmentRule(models.Model):
    """Ordered rules: the first that matches a customer chooses its procedure.

    An empty list means "any". Payment behaviour is computed by the daily run.
    """

    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=100)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="rules")
    risk_classes = models.JSONField(_("risk classes"), default=list, blank=True)
    segments = models.JSONField(_("segments"), default=list, blank=True)
    behaviours = models.JSONField(_("payment behaviour"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    countries = models.JSONField(_("countries"), default=list, blank=True)
    min_open_amount = models.DecimalField(_("open amount from"), null=True, blank=True, **MONEY)
    max_open_amount = models.DecimalField(_("open amount up to"), null=True, blank=True, **MONEY)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.name} → {self.procedure}"

    def labels(self, field: str) -> list[str]:
        """The chosen codes of a list field as the reader reads them ("high" → "Hoog")."""
        choices = {
            "risk_classes": Customer.RiskClass.choices,
            "segments": Customer.Segment.choices,
            "behaviours": Behaviour.choices,
        }[field]
        names = dict(choices)
        return [str(names.get(code, code)).lower() for code in getattr(self, field)]

    @property
    def risk_class_labels(self) -> list[str]:
        return self.labels("risk_classes")

    @property
    def segment_labels(self) -> list[str]:
        return self.labels("segments")

    @property
    def behaviour_labels(self) -> list[str]:
        return self.labels("behaviours")


class InterestRate(models.Model):
    """Statutory commercial interest (wettelijke handelsrente), percent a year, from a date."""

    valid_from = models.DateField(_("valid from"), unique=True)
    rate = models.DecimalField(_("rate (% a year)"), max_digits=6, decimal_places=3)

    class Meta:
        verbose_name = _("statutory interest rate")
        verbose_name_plural = _("statutory interest rates")
        ordering = ["-valid_from"]
        constraints = [models.CheckConstraint(condition=Q(rate__gte=0), name="interest_rate_not_negative")]

    def __str__(self) -> str:
        return f"{self.rate}% from {self.valid_from}"
