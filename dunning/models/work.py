"""What the daily run and the people write: state per customer, actions, stops, messages, runs."""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Invoice, Task
from dunning.models.setup import MONEY, Behaviour, Channel, Procedure, Step

ZERO_DEFAULT = {"default": 0, **MONEY}


class CustomerDunning(models.Model):
    """A customer's place in dunning, and the figures the daily run computed for it."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="dunning"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    # Position of the last step done in this cycle (0: none yet).
    stage = models.PositiveSmallIntegerField(_("stage"), default=0)
    # A new cycle starts when everything dunnable was paid and something new falls due.
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    last_contact_date = models.DateField(_("last contact"), null=True, blank=True)
    # Figures of the last refresh, over the invoices that may be dunned.
    oldest_due_date = models.DateField(_("oldest open due date"), null=True, blank=True)
    dunnable_amount = models.DecimalField(_("open amount in dunning"), **ZERO_DEFAULT)
    overdue_amount = models.DecimalField(_("overdue amount"), **ZERO_DEFAULT)
    behaviour = models.CharField(
        _("payment behaviour"), max_length=20, choices=Behaviour.choices, default=Behaviour.UNKNOWN
    )
    avg_days_late = models.IntegerField(_("average days late"), null=True, blank=True)
    # The procedure the assignment rules chose at the last refresh (moves happen from it).
    rule_procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refreshed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer dunning state")
        verbose_name_plural = _("customer dunning states")
        indexes = [models.Index(fields=["procedure", "oldest_due_date"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.procedure_id} stage {self.stage} cycle {self.cycle}"


class DunningAction(models.Model):
    """One step done (or waiting) for one customer in one cycle: unique in the database."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for approval")
        TASK = "task", _("Task for a person")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="dunning_actions", db_index=False
    )
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="actions")
    cycle = models.PositiveIntegerField()
    date = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    invoice_ids = models.JSONField(default=list)
    amount = models.DecimalField(_("overdue amount"), **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    days_overdue = models.IntegerField(_("days overdue"))
    costs = models.DecimalField(_("collection costs"), **ZERO_DEFAULT)
    interest = models.DecimalField(_("interest"), **ZERO_DEFAULT)
    score = models.PositiveSmallIntegerField(_("priority score"), default=0)
    risk_class = models.CharField(_("risk class then"), max_length=20, blank=True)
    task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="dunning_action"
    )
    case_file = models.CharField(max_length=200, blank=True)
    # The template variant the customer got (blank: no message, or sent before variants existed).
    template_variant = models.CharField(_("template variant"), max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("dunning action")
        verbose_name_plural = _("dunning actions")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "step", "cycle"], name="one_action_per_step_and_cycle"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-date"]), models.Index(fields=["date", "status"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.step_id} c{self.cycle} ({self.status})"

    @property
    def explanation(self) -> str:
        """Why a person should look at it, in the reader's language."""
        from dunning.scoring import explain

        return explain(
            amount=self.amount,
            currency=self.currency,
            days_overdue=self.days_overdue,
            risk_class=self.risk_class,
        )


class DunningStopQuerySet(models.QuerySet):
    def active(self, today: date | None = None) -> "DunningStopQuerySet":
        today = today or timezone.localdate()
        return self.filter(Q(until__isnull=True) | Q(until__gte=today), lifted_at__isnull=True)


class DunningStop(models.Model):
    """No reminders for a customer, or for one invoice, until a date or until lifted. Kept as history."""

    class Reason(models.TextChoices):
        DISPUTE = "dispute", _("Dispute or complaint")
        PROMISE = "promise", _("Promise to pay")
        PAYMENT_PLAN = "payment_plan", _("Payment plan")
        INVESTIGATION = "investigation", _("Under investigation")
        BANKRUPTCY = "bankruptcy", _("Bankruptcy or debt restructuring")
        DECEASED = "deceased", _("Deceased")
        COMMERCIAL = "commercial", _("Commercial reason (sales)")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="dunning_stops", db_index=False
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="dunning_stops"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DunningStopQuerySet.as_manager()

    class Meta:
        verbose_name = _("dunning stop")
        verbose_name_plural = _("dunning stops")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "lifted_at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.customer_id})"

    def is_active(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.lifted_at is None and (self.until is None or self.until >= today)


class Message(models.Model):
    """The outbox: created with the action in one transaction, delivered by a separate task."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="messages", db_index=False)
    action = models.ForeignKey(
        DunningAction, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2)
    recipient = models.CharField(_("recipient"), max_length=300)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    # PDFs rendered when the mail goes out: [{"invoice": <pk>}, {"statement": true}] (inbox.replies)
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    # The Message-ID it went out with, so a customer's reply threads back to it.
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    # A reply from the shared inbox: the mail it answers, and the headers that keep the thread.
    reply_to_mail = models.ForeignKey(
        "dunning.InboundMail", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    # Which delivery run claimed it (queued -> sending), so a batch knows its own messages.
    claim = models.CharField(max_length=32, blank=True, db_index=True)
    template_version = models.PositiveIntegerField(null=True, blank=True)
    template_variant = models.CharField(max_length=10, blank=True)
    batch = models.ForeignKey(
        "LetterBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="letters"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "channel", "next_attempt_at"]),
            models.Index(fields=["customer", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="sent_message_has_sent_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.subject}"


class LetterBatch(models.Model):
    """The day's letters in one print-ready PDF."""

    date = models.DateField(_("date"))
    file = models.CharField(max_length=200)
    count = models.PositiveIntegerField(_("letters"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("letter batch")
        verbose_name_plural = _("letter batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.date}: {self.count} letters"


class WorkflowRun(models.Model):
    """The daily workflow of one business date: each step's status, counts and duration."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    date = models.DateField(_("business date"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    steps = models.JSONField(default=list)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    started_by = models.CharField(_("started by"), max_length=100, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("workflow run")
        verbose_name_plural = _("workflow runs")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} ({self.status})"

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def progress(self) -> int:
        """Percent of the steps finished (done or failed)."""
        if not self.steps:
            return 0
        finished = sum(1 for step in self.steps if step.get("status") in ("done", "failed"))
        return round(100 * finished / len(self.steps))
