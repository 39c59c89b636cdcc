"""Where promises and payment plans plug into the rest: the dunning exclusion and acceptance features.

Imported from DunningConfig.ready() (the decorators register on import).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from acceptance.features import FeatureQuery, register_customer_features
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


# Every credit decision reads this (with the ledger, acceptance.features.read_together): written out in
# SQL because the ORM spent ~1 ms of Python building the filtered counts. Same answer as
# dunning.services.promises.kept_rate (tests/dunning/test_promises.py).
_KEPT_BROKEN_SQL = """
SELECT COUNT(CASE WHEN status = %s THEN 1 END), COUNT(CASE WHEN status = %s THEN 1 END)
FROM {promise} WHERE customer_id = %s AND promised_date > %s
"""


def _read_kept_broken(row: tuple) -> dict:
    from dunning.services.promises import rate_of

    kept, broken = row
    return {"broken_promises_12m": broken, "promise_kept_rate": rate_of(kept, broken)}


@register_customer_features("promises")
def promise_features(customer: Customer, today: date) -> FeatureQuery:
    """broken_promises_12m and promise_kept_rate (percent; None without a decided promise)."""
    params = [Promise.Status.KEPT, Promise.Status.BROKEN, customer.pk, today - timedelta(days=365)]
    return FeatureQuery(_KEPT_BROKEN_SQL.format(promise=Promise._meta.db_table), params, 2, _read_kept_broken)


__all__ = ["in_plan", "promise_features", "promised"]
