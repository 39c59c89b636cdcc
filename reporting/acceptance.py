"""Acceptance figures: decisions per channel, the straight-through share, referred and rejected shares.

"Straight through" is a decision that needed no person: not referred, and not later
overridden by a manager. Overrides themselves are decisions too, with the channel of
the original; they are left out of the shares so a case counts once.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from acceptance.models import Channel, Decision, Outcome
from reporting.models import DecisionDay


def rebuild_decision_days(today: date, *, days: int = 2) -> int:
    """Replace the last `days` days (all of them on the first run)."""
    first_run = not DecisionDay.objects.exists()
    decisions = Decision.objects.filter(overrides__isnull=True)
    if not first_run:
        decisions = decisions.filter(created_at__date__gt=today - timedelta(days=days))
    rows = (
        decisions.annotate(day=TruncDate("created_at"))
        .values("day", "channel", "outcome")
        .annotate(n=Count("pk"), overridden=Count("pk", filter=Q(overridden_by__isnull=False)))
    )
    new = [
        DecisionDay(date=r["day"], channel=r["channel"], outcome=r["outcome"], decisions=r["n"],
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


def acceptance_figures(since: date, until: date) -> list[dict]:
    """Per channel: decisions, and the shares accepted, referred, rejected and straight through (%)."""
    rows = (
        DecisionDay.objects.filter(date__gte=since, date__lte=until)
        .values("channel", "outcome")
        .annotate(n=Sum("decisions"), overridden=Sum("overridden"))
    )
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
