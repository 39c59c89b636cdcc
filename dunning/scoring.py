"""The priority of a person's task, and the sentence that explains it. Pure functions."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import Customer, Task

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
    explanation: str

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
        explanation=explain(
            amount=amount, currency=currency, days_overdue=days_overdue, risk_class=risk_class
        ),
    )


def explain(*, amount: Decimal, currency: str, days_overdue: int, risk_class: str) -> str:
    """The reason in the active language: "EUR 12,400 overdue 45 days, high risk"."""
    shown = f"{currency} {int(amount.quantize(Decimal('1'))):,}"
    risk = str(dict(Customer.RiskClass.choices).get(risk_class, risk_class)).lower()
    if days_overdue > 0:
        return _("%(amount)s overdue %(days)s days, %(risk)s risk") % {
            "amount": shown,
            "days": days_overdue,
            "risk": risk,
        }
    return _("%(amount)s falling due, %(risk)s risk") % {"amount": shown, "risk": risk}


def shown_money(amount: Decimal, currency: str) -> str:
    """ "EUR 12,400": whole units, thousands with commas (as the explanations read)."""
    return f"{currency} {int(amount.quantize(Decimal('1'))):,}"


# Points for the reason itself: a failed reminder blocks the procedure, a limit breach is exposure.
EXCEPTION_POINTS = {"failed_message": 30, "over_limit": 10, "new_overdue": 15}


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
    return Score(
        points=points,
        explanation=explain_exception(
            reason=reason,
            amount=amount,
            currency=currency,
            limit=limit,
            total=total,
            risk_class=risk_class,
            detail=detail,
        ),
    )


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
    risk = str(dict(Customer.RiskClass.choices).get(risk_class, risk_class)).lower()
    if reason == "over_limit":
        return _("%(excess)s over the limit of %(limit)s (%(open)s open), %(risk)s risk") % {
            "excess": shown_money(amount, currency),
            "limit": shown_money(limit or Decimal(0), currency),
            "open": shown_money((limit or Decimal(0)) + amount, currency),
            "risk": risk,
        }
    if reason == "new_overdue":
        return _("%(new)s newly overdue (%(total)s overdue in all), %(risk)s risk") % {
            "new": shown_money(amount, currency),
            "total": shown_money(total if total is not None else amount, currency),
            "risk": risk,
        }
    if not amount:
        return _("Message could not be sent (%(detail)s): check the contact details") % {"detail": detail}
    return _("Reminder of %(amount)s could not be sent (%(detail)s): check the contact details") % {
        "amount": shown_money(amount, currency),
        "detail": detail,
    }
