"""The one function that turns a request into the named features the rules read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from acceptance.bureau import BureauReport
from acceptance.limits import Exposure, exposure_query, sum_as_money
from accounts.models import ZERO, Customer, Invoice
from accounts.queries import behaviour_since
from creditmgmt.rows import OneRowQuery, read_together

# What a feature provider returns: one row of aggregates, read with the ledger's and the group
# exposure's in one statement (creditmgmt.rows.read_together).
FeatureQuery = OneRowQuery


# Features that other apps own (acceptance does not import them: layers go down only).
# dunning registers open disputes, broken promises and the promise-kept rate.
CustomerFeatures = Callable[[Customer, date], FeatureQuery]
_CUSTOMER_FEATURES: dict[str, CustomerFeatures] = {}
# Names each provider fills; None until it is registered or for a prospect without a ledger.
PROVIDED = ("open_disputes", "disputed_amount", "broken_promises_12m", "promise_kept_rate")


def register_customer_features(name: str) -> Callable[[CustomerFeatures], CustomerFeatures]:
    """Decorator: func(customer, today) returns the FeatureQuery of some of PROVIDED's features."""

    def decorator(func: CustomerFeatures) -> CustomerFeatures:
        _CUSTOMER_FEATURES[name] = func
        return func

    return decorator


@dataclass(frozen=True)
class LedgerFeatures:
    overdue_amount: Decimal
    overdue_count: int
    over_90_count: int  # invoices more than 90 days past their due date
    avg_days_late: float | None  # paid invoices of the last 12 months


# Every decision reads these. Written out in SQL because the ORM spends ~3 ms of Python building the
# filtered aggregate, the database ~0.1 ms answering it. The definitions are those of
# accounts.queries.ledger_summary (owed = open with a positive open amount; d90_plus = due 91 days
# or more ago; behaviour = paid invoices of 12 months); tests/acceptance/test_features.py holds
# both to the same answers.
_LEDGER_SQL = """
SELECT
    SUM(CASE WHEN status = %s AND open_amount > 0 AND due_date < %s THEN open_amount END),
    COUNT(CASE WHEN status = %s AND open_amount > 0 AND due_date < %s THEN 1 END),
    COUNT(CASE WHEN status = %s AND open_amount > 0 AND due_date <= %s THEN 1 END),
    AVG(CASE WHEN status = %s AND amount > 0 AND days_late IS NOT NULL AND paid_date >= %s
        THEN days_late END)
FROM {invoice} WHERE customer_id = %s
"""


def ledger_query(customer_id: int, *, today: date) -> FeatureQuery:
    """The ledger figures the rules read, as one row (`{"ledger": LedgerFeatures}`) to read with
    the decision's other figures (compute_features)."""
    open_, paid = Invoice.Status.OPEN, Invoice.Status.PAID
    params = [
        *(open_, today),
        *(open_, today),
        *(open_, today - timedelta(days=91)),
        *(paid, behaviour_since(today)),
        customer_id,
    ]

    def read(row: tuple) -> dict[str, Any]:
        overdue, overdue_count, over_90, avg_late = row
        figures = LedgerFeatures(
            overdue_amount=sum_as_money(overdue),
            overdue_count=overdue_count or 0,
            over_90_count=over_90 or 0,
            avg_days_late=float(avg_late) if avg_late is not None else None,
        )
        return {"ledger": figures}

    return FeatureQuery(_LEDGER_SQL.format(invoice=Invoice._meta.db_table), params, 4, read)


def compute_features(
    *,
    customer: Customer | None,
    report: BureauReport | None,
    amount: Decimal | None,
    channel: str,
    today: date,
    now: datetime,
    also: Sequence[OneRowQuery] = (),
) -> dict[str, Any]:
    """Every feature of acceptance.rules.FEATURES; None where it is unknown.

    `also`: the caller's own one-row queries, read in the same statement; their values are added
    to the answer for the caller to take out (assess: the active rule set version).

    Queries: none for the bureau part (the report is given); for a customer one
    statement (read_together): the ledger figures, the group exposure with reservations
    and the limit that applies today (acceptance.limits.exposure_query), and every
    registered provider's features (dunning: disputes, promises). The oldest open due
    date is on the customer row.
    """
    features: dict[str, Any] = {
        "bureau_known": report is not None,
        "score": None,
        "probability_of_default": None,
        "rating": None,
        "recommended_limit": None,
        "company_age_years": None,
        "legal_form": None,
        "country": None,
        "sector": None,
        "negative_event": None,
        "has_parent": None,
        "report_age_days": None,
        "amount": amount,
        "channel": channel,
        **dict.fromkeys(PROVIDED),
    }
    if report is not None:
        features.update(
            score=Decimal(report.score) if report.score is not None else None,
            probability_of_default=report.probability_of_default,
            rating=report.rating or None,
            recommended_limit=report.recommended_limit,
            company_age_years=report.company_age_years(today=today),
            legal_form=report.legal_form or None,
            country=report.country or None,
            sector=report.sector or None,
            negative_event=bool(report.negative_events),
            has_parent=bool(report.parent_registration_number),
            report_age_days=Decimal(max(report.age(now=now).days, 0)),
        )
    if customer is None:
        features.update(
            is_customer=False,
            delivery_blocked=False,
            risk_class=None,
            overdue_amount=ZERO,
            days_oldest_overdue=Decimal(0),
            avg_days_late=None,
            invoice_over_90_days=False,
            exposure=ZERO,
            reserved_amount=ZERO,
            credit_limit=None,
        )
        for answer in read_together(list(also)) if also else ():
            features.update(answer)
        return features
    ledger, group, *provided = read_together(
        [
            ledger_query(customer.pk, today=today),
            exposure_query(customer, today=today),
            *(query(customer, today) for query in _CUSTOMER_FEATURES.values()),
            *also,
        ]
    )
    summary: LedgerFeatures = ledger["ledger"]
    exposure: Exposure = group["exposure"]
    oldest = customer.oldest_open_due_date
    days_oldest = (today - oldest).days if oldest and oldest < today and summary.overdue_count else 0
    features.update(
        is_customer=customer.status != Customer.Status.PROSPECT,
        delivery_blocked=customer.delivery_blocked,
        risk_class=customer.risk_class,
        overdue_amount=summary.overdue_amount,
        days_oldest_overdue=Decimal(days_oldest),
        avg_days_late=(
            Decimal(str(round(summary.avg_days_late, 1))) if summary.avg_days_late is not None else None
        ),
        invoice_over_90_days=summary.over_90_count > 0,
        exposure=exposure.total,
        reserved_amount=exposure.reserved,
        # The limit a person set (a running temporary limit first); 0 = not set.
        credit_limit=exposure.limit,
    )
    for answer in provided:
        features.update(answer)
    # Fall back to the company data we hold when the bureau does not know the company.
    if report is None:
        features.update(legal_form=customer.legal_form or None, country=customer.country or None)
    return features
