"""Exceptions the daily run puts on the worklist: failed messages, over the limit, large new overdue."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Customer, Task
from dunning.models.setup import MONEY
from dunning.models.work import Message


class ExceptionCase(models.Model):
    """Why a person should look at a customer outside the procedure, and the task that says so.

    A case stays *open* (cleared_on empty) while its reason holds: the message is
    still failed, the customer is still over the same limit, the new overdue
    amount is today's. While a case is open, no second one for the same reason
    and key is made (a database constraint), even after its task was done.
    """

    class Reason(models.TextChoices):
        FAILED_MESSAGE = "failed_message", _("Message failed")
        OVER_LIMIT = "over_limit", _("Over the credit limit")
        NEW_OVERDUE = "new_overdue", _("Large new overdue amount")
        CREDIT_TO_ALLOCATE = "credit_to_allocate", _("Credit to allocate")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="exception_cases", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    # What makes two cases the same: the message, the limit, the date.
    key = models.CharField(max_length=40)
    task = models.OneToOneField(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="exception_case"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(_("amount"), **MONEY)
    limit = models.DecimalField(_("credit limit"), null=True, blank=True, **MONEY)
    total = models.DecimalField(_("overdue in all"), null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    risk_class = models.CharField(max_length=20, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    score = models.PositiveSmallIntegerField(_("priority score"), default=0)
    opened_on = models.DateField(_("opened"))
    cleared_on = models.DateField(_("cleared"), null=True, blank=True)

    class Meta:
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason", "key"],
                condition=Q(cleared_on__isnull=True),
                name="one_open_exception_per_reason_and_key",
            ),
        ]
        indexes = [models.Index(fields=["reason", "cleared_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.reason} {self.key}"

    @property
    def explanation(self) -> str:
        """Why, in the reader's language: "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open)"."""
        from dunning.scoring import explain_exception

        return explain_exception(
            reason=self.reason,
            amount=self.amount,
            currency=self.currency,
            limit=self.limit,
            total=self.total,
            risk_class=self.risk_class,
            detail=self.detail,
        )
