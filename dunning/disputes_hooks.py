"""Disputes plugged into the rest: dunning exclusion, acceptance features, the 360 panel.

Imported by DunningConfig.ready()."""

from __future__ import annotations

from datetime import date

from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.http import HttpRequest
from django.template.loader import render_to_string

from acceptance.features import FeatureQuery, register_customer_features
from acceptance.limits import sum_as_money
from accounts.models import Customer
from accounts.panels import register_customer_panel
from creditmgmt.permissions import can_write_ledger
from dunning.models import Dispute, DisputeInvoice
from dunning.selection import register_invoice_exclusion, register_paused_amount


def _open_lines():
    return DisputeInvoice.objects.filter(invoice=OuterRef("pk"), dispute__status__in=Dispute.OPEN_STATUSES)


@register_invoice_exclusion("disputes")
def disputed_whole(today: date) -> Q:
    """An invoice whose whole open amount is in an open dispute gets no reminder.

    Not correlated (PostgreSQL hashes it once), so the planner's row estimate for the
    dunnable invoices stays sane; see docs/dunning.md, Disputes."""
    whole = DisputeInvoice.objects.filter(
        dispute__status__in=Dispute.OPEN_STATUSES, amount__gte=F("invoice__open_amount")
    )
    return Q(pk__in=whole.values("invoice_id"))


@register_paused_amount("disputes")
def disputed_part(today: date):
    """Of a partly disputed invoice, only the disputed part waits; the rest is dunned."""
    return Subquery(
        _open_lines().order_by().values("invoice").annotate(total=Sum("amount")).values("total")[:1]
    )


# Every credit decision reads this (with the ledger, acceptance.features.read_together): written out in
# SQL because the ORM spent ~1.5 ms of Python building the aggregate, the database ~0.05 ms answering
# it. Same answer as Dispute.objects.open().filter(customer=...).aggregate(Count, Sum)
# (tests/dunning/test_disputes.py).
_OPEN_DISPUTES_SQL = (
    "SELECT COUNT(*), SUM(amount) FROM {dispute} WHERE customer_id = %s AND status IN (%s, %s)"
)


def _read_disputes(row: tuple) -> dict:
    count, total = row
    return {"open_disputes": count, "disputed_amount": sum_as_money(total)}


@register_customer_features("disputes")
def dispute_features(customer: Customer, today: date) -> FeatureQuery:
    """open_disputes (count) and disputed_amount for the acceptance rules."""
    sql = _OPEN_DISPUTES_SQL.format(dispute=Dispute._meta.db_table)
    return FeatureQuery(sql, [customer.pk, *Dispute.OPEN_STATUSES], 2, _read_disputes)


@register_customer_panel("disputes", column="main", order=40)
def disputes_panel(request: HttpRequest, customer: Customer) -> str:
    """The customer's disputes, newest first, each row carrying the open total (one query)."""
    user = request.user
    open_total = (
        Dispute.objects.open()
        .filter(customer=customer)
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    rows = list(
        Dispute.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("reason", "owner")
        .annotate(open_total=Subquery(open_total))[:10]
    )
    return render_to_string(
        "dunning/disputes/panel.html",
        {
            "customer": customer,
            "disputes": rows,
            "open_total": rows[0].open_total if rows else None,
            "can_open": can_write_ledger(user),
        },
        request=request,
    )
