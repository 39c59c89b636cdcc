"""Where promises and payment plans plug into the rest: the dunning exclusion and acceptance features.

Imported from DunningConfig.ready() (the decorators register on import).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from acceptance.features import register_customer_features
from accounts.models import Customer
from dunning.models import PaymentPlan, Promise
from dunning.selection import register_invoice_exclusion


@register_invoice_exclusion("promises")
def promised(today: date) -> Q:
    """Invoices under an open promise are out of dunning until the promised date plus grace days."""
    return Q(pk__in=Promise.objects.pausing(today).values("invoices"))


@register_invoice_exclusion("payment plans")
def in_plan(today: date) -> Q:
    """Invoices in a plan that waits for approval or is running are out of dunning."""
    return Q(pk__in=PaymentPlan.objects.pausing().values("invoices"))


@register_customer_features("promises")
def promise_features(customer: Customer, today: date) -> dict:
    """broken_promises_12m and promise_kept_rate (percent; None without a decided promise). One query."""
    from dunning.services.promises import kept_rate

    kept, broken, rate = kept_rate(customer, today=today)
    return {"broken_promises_12m": broken, "promise_kept_rate": rate}


__all__ = ["in_plan", "promise_features", "promised"]
