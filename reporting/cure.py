"""Cure rate per dunning step: the share of steps after which the customer paid without escalating.

An action is *cured* when every invoice it listed was paid within CURE_DAYS days of
it and no further dunning step followed for that customer within those days. The
outcome is written once, the day after the window closes (a daily step), so the
dashboard only counts rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import Invoice
from dunning.models import DunningAction
from reporting.models import ActionOutcome
from reporting.significance import FISHER, LESS, MORE, compare

if TYPE_CHECKING:
    from reporting.queries import Filters

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


def cure_rates(since: date, until: date, filters: Filters | None = None) -> list[dict]:
    """Per step: actions whose outcome is known in the period, cured count and rate (%); with the
    dashboard's filters, a controller's steps (the controller recorded with the outcome) and a
    segment's (the customer's segment now, Filters.apply_segment), as the step's drill-down counts.

    A step whose messages went out in more than one template variant gets one row per variant
    (variant is then its label, else None). Each variant is compared with the step's reference
    variant (A, the original text, or else the first label): `comparison` holds the test's
    p-value and verdict (reporting.significance); the reference row has `reference` True.
    """
    qs = ActionOutcome.objects.filter(date__gte=since, date__lte=until)
    if filters is not None:
        if filters.controller_id:
            qs = qs.filter(controller_id=filters.controller_id)
        qs = filters.apply_segment(qs, "action__customer")
    rows = (
        qs.values(
            "step_id", "step__name", "step__position", "step__procedure__name", "action__template_variant"
        )
        .annotate(actions=Count("pk"), cured=Count("pk", filter=Q(cured=True)))
        .order_by("step__procedure__name", "step__position", "step_id", "action__template_variant")
    )
    steps: dict[int, dict] = {}
    for r in rows:
        step = steps.setdefault(
            r["step_id"],
            {
                "step_id": r["step_id"],
                "procedure": r["step__procedure__name"],
                "step": r["step__name"],
                "position": r["step__position"],
                "variants": {},
            },
        )
        # Actions from before variants existed (blank) went out in the one text there was: A.
        label = r["action__template_variant"] or "A"
        counts = step["variants"].setdefault(label, [0, 0])
        counts[0] += r["actions"]
        counts[1] += r["cured"]
    result = []
    for step in steps.values():
        variants = step.pop("variants")
        split = len(variants) > 1
        reference = (REFERENCE if REFERENCE in variants else min(variants)) if split else None
        for label, (actions, cured) in sorted(variants.items()) if split else [(None, _total(variants))]:
            comparison = None
            if split and label != reference:
                base_actions, base_cured = variants[reference]
                comparison = compare(cured, actions, base_cured, base_actions)
            result.append(
                {
                    **step,
                    "variant": label,
                    "actions": actions,
                    "cured": cured,
                    "rate": round(100 * cured / actions, 1) if actions else None,
                    "reference": reference if split else None,
                    "is_reference": split and label == reference,
                    "comparison": comparison,
                }
            )
    for row in result:
        row["verdict"], row["test"] = verdict_text(row), method_text(row)
    return result


# The variant the others are measured against: A, the text there was before variants.
REFERENCE = "A"


def verdict_text(row: dict) -> str:
    """The comparison of a variant row in words, for the dashboard and the PDF ("" if none)."""
    comparison = row.get("comparison")
    if row.get("is_reference"):
        return _("the text the others are compared with")
    if comparison is None:
        return ""
    names = {"variant": row["variant"], "reference": row["reference"]}
    if comparison.verdict == MORE:
        return _("%(variant)s cures more than %(reference)s (95 %% confidence)") % names
    if comparison.verdict == LESS:
        return _("%(variant)s cures less than %(reference)s (95 %% confidence)") % names
    return _("no clear difference yet")


def method_text(row: dict) -> str:
    """The test behind the verdict, for a tooltip: its name and p-value."""
    comparison = row.get("comparison")
    if comparison is None:
        return ""
    method = _("Fisher's exact test") if comparison.method == FISHER else _("two-proportion z-test")
    return _("%(method)s, p = %(p)s") % {"method": method, "p": format_p(comparison.p_value)}


def format_p(p_value: float) -> str:
    return "< 0.001" if p_value < 0.001 else f"{p_value:.3f}"


def _total(variants: dict[str, list[int]]) -> tuple[int, int]:
    return sum(v[0] for v in variants.values()), sum(v[1] for v in variants.values())
