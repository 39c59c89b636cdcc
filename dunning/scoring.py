"""The priority of a person's task, and the sentence that explains it. Pure functions."""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_noop

from accounts.models import Customer, Task
from creditmgmt import texts
from creditmgmt.texts import Text

RISK_POINTS = {
    Customer.RiskClass.LOW: 0,
    Customer.RiskClass.UNKNOWN: 10,
    Customer.RiskClass.MEDIUM: 15,
    Customer.RiskClass.HIGH: 30,
    Customer.RiskClass.VERY_HIGH: 40,
}
SEGMENT_POINTS = {
    Customer.Segment.KEY_ACCOUNT: 10,
    Customer.Segment.BUSINESS: 5,
    Customer.Segment.SMALL_BUSINESS: 0,
    Customer.Segment.CONSUMER: 0,
    Customer.Segment.GOVERNMENT: -5,
}


@dataclass(frozen=True)
class Score:
    points: int
    # Why, as a message for a later reader (a task title): see creditmgmt.texts.
    text: Text = field(compare=False)

    @property
    def explanation(self) -> str:
        """Why, in the active language: "EUR 12,400 overdue 45 days, high risk"."""
        return str(self.text)

    @property
    def priority(self) -> int:
        if self.points >= 70:
            return Task.Priority.URGENT
        if self.points >= 50:
            return Task.Priority.HIGH
        if self.points >= 30:
            return Task.Priority.NORMAL
        return Task.Priority.LOW


def score_case(
    *, amount: Decimal, currency: str, days_overdue: int, risk_class: str, segment: str, stage: int
) -> Score:
    """0-100 from the overdue amount (log scale), days overdue, risk, segment and how far dunning got.

    The explanation is in the active language (the assignee's): "EUR 12,400 overdue 45 days, high risk".
    """
    amount_points = min(35.0, 7 * math.log10(max(float(amount), 1.0)))
    day_points = min(25.0, max(days_overdue, 0) / 3)
    points = amount_points + day_points + RISK_POINTS.get(risk_class, 10) + SEGMENT_POINTS.get(segment, 0)
    points += min(stage, 5) * 2
    points = max(0, min(100, round(points)))
    return Score(
        points=points,
        text=explain_text(amount=amount, currency=currency, days_overdue=days_overdue, risk_class=risk_class),
    )


def explain(*, amount: Decimal, currency: str, days_overdue: int, risk_class: str) -> str:
    """The reason in the active language: "EUR 12,400 overdue 45 days, high risk"."""
    return str(
        explain_text(amount=amount, currency=currency, days_overdue=days_overdue, risk_class=risk_class)
    )


def explain_text(*, amount: Decimal, currency: str, days_overdue: int, risk_class: str) -> Text:
    """The case's reason as a message, rendered in the reader's language when someone reads it."""
    shown = texts.money(amount, currency, whole=True)
    risk = texts.choice(Customer.RiskClass, risk_class, lower=True)
    if days_overdue > 0:
        return Text(
            gettext_noop("%(amount)s overdue %(days)s days, %(risk)s risk"),
            amount=shown,
            days=days_overdue,
            risk=risk,
        )
    return Text(gettext_noop("%(amount)s falling due, %(risk)s risk"), amount=shown, risk=risk)


# Points for the reason itself: a failed reminder blocks the procedure, a limit breach is exposure.
EXCEPTION_POINTS = {"failed_message": 30, "over_limit": 10, "new_overdue": 15, "credit_to_allocate": 5}


def score_exception(
    *,
    reason: str,
    amount: Decimal,
    currency: str,
    risk_class: str,
    segment: str,
    limit=None,
    total=None,
    detail="",
) -> Score:
    """0-100 for an exception task from the amount at stake (log scale), the reason, risk and segment."""
    amount_points = min(35.0, 7 * math.log10(max(float(amount), 1.0)))
    points = amount_points + EXCEPTION_POINTS.get(reason, 10)
    points += RISK_POINTS.get(risk_class, 10) + SEGMENT_POINTS.get(segment, 0)
    points = max(0, min(100, round(points)))
    facts = {
        "reason": reason,
        "amount": amount,
        "currency": currency,
        "limit": limit,
        "total": total,
        "risk_class": risk_class,
        "detail": detail,
    }
    return Score(points=points, text=explain_exception_text(**facts))


# An over-limit case's detail when the exposure holds more than the customer's own open invoices
# (the group's, reserved orders): the explanation then says "exposure", not "open".
EXPOSURE_DETAIL = "exposure"


def explain_exception(
    *,
    reason: str,
    amount: Decimal,
    currency: str,
    limit=None,
    total=None,
    risk_class: str = "",
    detail: str = "",
) -> str:
    """The reason in the active language, e.g. "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open)"."""
    return str(
        explain_exception_text(
            reason=reason, amount=amount, currency=currency, limit=limit, total=total,
            risk_class=risk_class, detail=detail,
        )
    )  # fmt: skip


def explain_exception_text(
    *,
    reason: str,
    amount: Decimal,
    currency: str,
    limit=None,
    total=None,
    risk_class: str = "",
    detail: str = "",
) -> Text:
    """The exception's reason as a message, rendered in the reader's language when someone reads it
    (explain_exception() is its rendering in the active language)."""
    risk = texts.choice(Customer.RiskClass, risk_class, lower=True)
    if reason == "over_limit" and detail == EXPOSURE_DETAIL:
        return Text(
            gettext_noop(
                "%(excess)s over the limit of %(limit)s (%(open)s exposure with group and reserved orders), "
                "%(risk)s risk"
            ),
            excess=texts.money(amount, currency, whole=True),
            limit=texts.money(limit or Decimal(0), currency, whole=True),
            open=texts.money((limit or Decimal(0)) + amount, currency, whole=True),
            risk=risk,
        )
    if reason == "over_limit":
        return Text(
            gettext_noop("%(excess)s over the limit of %(limit)s (%(open)s open), %(risk)s risk"),
            excess=texts.money(amount, currency, whole=True),
            limit=texts.money(limit or Decimal(0), currency, whole=True),
            open=texts.money((limit or Decimal(0)) + amount, currency, whole=True),
            risk=risk,
        )
    if reason == "new_overdue":
        return Text(
            gettext_noop("%(new)s newly overdue (%(total)s overdue in all), %(risk)s risk"),
            new=texts.money(amount, currency, whole=True),
            total=texts.money(total if total is not None else amount, currency, whole=True),
            risk=risk,
        )
    if reason == "credit_to_allocate":
        return Text(
            gettext_noop(
                "Overdue invoices while credit notes and unallocated payments cover them (%(credit)s credit "
                "on balance): allocate them, the reminders go on meanwhile"
            ),
            credit=texts.money(amount, currency, whole=True),
        )
    if not amount:
        return Text(
            gettext_noop("Message could not be sent (%(detail)s): check the contact details"), detail=detail
        )
    return Text(
        gettext_noop("Reminder of %(amount)s could not be sent (%(detail)s): check the contact details"),
        amount=texts.money(amount, currency, whole=True),
        detail=detail,
    )
