"""Acceptance figures: decisions per channel, the straight-through share, referred and rejected shares,
and the retro analysis of the decisions made (were the accepted ones paid, would the rejected have paid).

"Straight through" is a decision that needed no person: not referred, and not later
overridden by a manager. Overrides themselves are decisions too, with the channel of
the original; they are left out of the shares so a case counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from acceptance.models import Channel, Decision, Outcome
from acceptance.simulation import ACCEPTED, NOT_PAID, PAID, UNKNOWN, LaterBehaviour
from reporting.models import DecisionDay

if TYPE_CHECKING:
    from reporting.queries import Filters


def rebuild_decision_days(today: date, *, days: int = 2) -> int:
    """Replace the last `days` days (all of them on the first run), per channel, outcome and the
    customer's segment and controller now (so a day keeps those of its last rebuild, as a snapshot
    keeps the segment of its day); a prospect's decision, without a customer, has neither."""
    first_run = not DecisionDay.objects.exists()
    decisions = Decision.objects.filter(overrides__isnull=True)
    if not first_run:
        decisions = decisions.filter(created_at__date__gt=today - timedelta(days=days))
    rows = (
        decisions.annotate(day=TruncDate("created_at"), segment_of=Coalesce("customer__segment", Value("")))
        .values("day", "channel", "outcome", "segment_of", "customer__controller_id")
        .annotate(n=Count("pk"), overridden=Count("pk", filter=Q(overridden_by__isnull=False)))
        .order_by()
    )
    new = [
        DecisionDay(date=r["day"], channel=r["channel"], outcome=r["outcome"], segment=r["segment_of"],
                    controller_id=r["customer__controller_id"], decisions=r["n"],
                    overridden=r["overridden"])
        for r in rows
    ]  # fmt: skip
    with transaction.atomic():
        if first_run:
            DecisionDay.objects.all().delete()
        else:
            DecisionDay.objects.filter(date__gt=today - timedelta(days=days)).delete()
        DecisionDay.objects.bulk_create(new)
    return len(new)


def acceptance_figures(since: date, until: date, filters: Filters | None = None) -> list[dict]:
    """Per channel: decisions, and the shares accepted, referred, rejected and straight through (%).

    With the dashboard's segment or controller filter, the decisions on that segment's or controller's
    customers only (Filters.apply_groups, as the snapshots); prospects without a customer are then left
    out. Counts, not amounts: the currency filter does not apply."""
    days = DecisionDay.objects.filter(date__gte=since, date__lte=until)
    if filters is not None:
        days = filters.apply_groups(days)
    rows = days.values("channel", "outcome").annotate(n=Sum("decisions"), overridden=Sum("overridden"))
    channels: dict[str, dict] = {}
    for r in rows:
        c = channels.setdefault(
            r["channel"], {"channel": r["channel"], "total": 0, "outcomes": {}, "manual": 0}
        )
        c["total"] += r["n"]
        c["outcomes"][r["outcome"]] = c["outcomes"].get(r["outcome"], 0) + r["n"]
        c["manual"] += r["n"] if r["outcome"] == Outcome.REFER else r["overridden"]
    result = []
    for c in sorted(channels.values(), key=lambda c: -c["total"]):
        total = c["total"]

        def share(n: int, total: int = total) -> float:
            return round(100 * n / total, 1) if total else 0.0

        accepted = sum(c["outcomes"].get(o, 0) for o in (Outcome.ACCEPT, Outcome.ACCEPT_WITH_CONDITIONS))
        result.append(
            {
                "channel": c["channel"],
                "label": Channel(c["channel"]).label if c["channel"] in Channel.values else c["channel"],
                "decisions": total,
                "accepted": share(accepted),
                "referred": share(c["outcomes"].get(Outcome.REFER, 0)),
                "rejected": share(c["outcomes"].get(Outcome.REJECT, 0)),
                "straight_through": share(total - c["manual"]),
            }
        )
    return result


@dataclass
class RetroRow:
    decision_id: int
    decided_on: date
    company_name: str
    customer_id: int | None
    channel: str
    outcome: str  # the final answer: a manager's override replaces the referral
    cell: str  # "accepted" or "rejected"
    behaviour: str  # paid, not_paid or unknown

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel in Channel.values else self.channel

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label


@dataclass
class Retro:
    since: date
    until: date
    days: int
    cells: dict[str, dict[str, int]]
    referred: int  # still waiting for a person: no answer to judge
    rows: list[RetroRow]

    def share(self, cell: str, behaviour: str) -> float | None:
        """The share of the cell's judged decisions (unknown left out), in %."""
        judged = self.cells[cell][PAID] + self.cells[cell][NOT_PAID]
        return round(100 * self.cells[cell][behaviour] / judged, 1) if judged else None


def retro_analysis(
    since: date, until: date, *, today: date, days: int = 30, filters: Filters | None = None
) -> Retro:
    """The decisions made from `since` to `until`, each judged by what the company did afterwards,
    by the simulation's rule (acceptance/simulation.py): later invoices paid more than `days` after
    their due date (or still open then), or a negative bureau event, is *not paid*; later invoices
    all paid within `days` is *paid*; nothing to go by (a rejected prospect that never bought on
    account) is *unknown*. A manager's override replaces the referral it answers. 3 queries.

    With the dashboard's segment or controller filter, the decisions on that segment's or controller's
    customers only (Filters.apply_to_customers: the customer's segment and controller now, as the
    decisions are read one by one here); prospects without a customer are then left out, as on the
    credit decisions card. Counts, not amounts: the currency filter does not apply."""
    start = timezone.make_aware(datetime.combine(since, time.min))
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
    decisions = Decision.objects.filter(created_at__gte=start, created_at__lt=end, overrides__isnull=True)
    if filters is not None:
        decisions = filters.apply_to_customers(decisions)
    found = decisions.order_by("created_at", "id").values_list(
        "pk", "created_at", "company_name", "customer_id", "registration_number", "channel", "outcome",
        "overridden_by__outcome",
    )  # fmt: skip
    behaviour = LaterBehaviour.of(decisions, since=since, days=days, today=today)
    cells = {"accepted": dict.fromkeys((PAID, NOT_PAID, UNKNOWN), 0), "rejected": dict.fromkeys((PAID, NOT_PAID, UNKNOWN), 0)}  # fmt: skip  # noqa: E501
    referred, rows = 0, []
    zone = timezone.get_current_timezone()
    for pk, created_at, name, customer_id, number, channel, outcome, override in found:
        final = override or outcome
        if final == Outcome.REFER:
            referred += 1
            continue
        cell = "accepted" if final in ACCEPTED else "rejected"
        decided_on = created_at.astimezone(zone).date()
        how = behaviour.after(customer_id=customer_id, registration_number=number, on=decided_on)
        cells[cell][how] += 1
        rows.append(RetroRow(pk, decided_on, name, customer_id, channel, final, cell, how))
    return Retro(since=since, until=until, days=days, cells=cells, referred=referred, rows=rows)
