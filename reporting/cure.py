"""Cure rate per dunning step: the share of steps after which the customer paid without escalating.

An action is *cured* when every invoice it listed was paid within CURE_DAYS days of
it and no further dunning step followed for that customer within those days. The
outcome is written once, the day after the window closes (a daily step), so the
dashboard only counts rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from accounts.models import Invoice
from dunning.models import DunningAction
from reporting.models import ActionOutcome

CURE_DAYS = 14
COUNTED = (DunningAction.Status.DONE, DunningAction.Status.TASK)
CHUNK = 2000


def record_outcomes(today: date) -> int:
    """Outcomes of the actions whose window has closed and that have none yet (idempotent)."""
    cutoff = today - timedelta(days=CURE_DAYS)
    pending = (
        DunningAction.objects.filter(date__lte=cutoff, status__in=COUNTED, outcome__isnull=True)
        .order_by("id")
        .values_list(
            "id", "customer_id", "step_id", "date", "invoice_ids", "amount", "customer__controller_id"
        )
    )
    written = 0
    batch = list(pending[:CHUNK])
    while batch:
        ActionOutcome.objects.bulk_create(_outcomes(batch), ignore_conflicts=True)
        written += len(batch)
        batch = list(pending[:CHUNK])  # the written ones no longer match
    return written


def _outcomes(batch: list[tuple]) -> list[ActionOutcome]:
    invoice_ids = {i for row in batch for i in row[4]}
    paid = dict(Invoice.objects.filter(pk__in=invoice_ids).values_list("pk", "paid_date"))
    customers = {row[1] for row in batch}
    first, last = min(row[3] for row in batch), max(row[3] for row in batch) + timedelta(days=CURE_DAYS)
    later: dict[int, list[date]] = defaultdict(list)
    for customer_id, day in DunningAction.objects.filter(
        customer_id__in=customers, date__gt=first, date__lte=last, status__in=COUNTED
    ).values_list("customer_id", "date"):
        later[customer_id].append(day)
    rows = []
    for action_id, customer_id, step_id, day, listed, amount, controller_id in batch:
        window_end = day + timedelta(days=CURE_DAYS)
        paid_dates = [paid.get(i) for i in listed]
        all_paid = bool(paid_dates) and all(p is not None and p <= window_end for p in paid_dates)
        escalated = any(day < other <= window_end for other in later[customer_id])
        cured = all_paid and not escalated
        rows.append(
            ActionOutcome(
                action_id=action_id,
                step_id=step_id,
                date=day,
                controller_id=controller_id,
                amount=amount,
                cured=cured,
                days_to_pay=max((max(paid_dates) - day).days, 0) if cured else None,
            )
        )
    return rows


def cure_rates(since: date, until: date, *, controller_id: int | None = None) -> list[dict]:
    """Per step: actions whose outcome is known in the period, cured count and rate (%)."""
    qs = ActionOutcome.objects.filter(date__gte=since, date__lte=until)
    if controller_id:
        qs = qs.filter(controller_id=controller_id)
    rows = (
        qs.values("step_id", "step__name", "step__position", "step__procedure__name")
        .annotate(actions=Count("pk"), cured=Count("pk", filter=Q(cured=True)), amount=Sum("amount"))
        .order_by("step__procedure__name", "step__position")
    )
    return [
        {
            "procedure": r["step__procedure__name"],
            "step": r["step__name"],
            "position": r["step__position"],
            "actions": r["actions"],
            "cured": r["cured"],
            "rate": round(100 * r["cured"] / r["actions"], 1) if r["actions"] else None,
        }
        for r in rows
    ]
