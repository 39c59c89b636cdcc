"""Replay stored decision requests against a rule set version, and judge them by what happened later.

The simulation reads the feature snapshots of the decisions of a period (the
requests as they were: bureau data, ledger, amount, channel) and runs two
versions' rules over them, the active one and a draft, then the checkpoint's
policy on an amount above the available credit (as decide() does), without
fetching or storing anything. The retro analysis then looks at how each company behaved
after the request:

- *not paid*: an invoice issued on or after the request date was paid more than
  N days after its due date, or is still open more than N days after it; or the
  bureau now reports a negative event (bankruptcy, suspension, ...);
- *paid*: invoices issued after the request, all paid within N days of the due date;
- *unknown*: nothing to judge by (no later invoices and no negative event,
  e.g. a rejected prospect that never became a customer), or invoices still
  within N days of their due date.

Queries: decisions 1, later invoices 1, bureau reports 1, checkpoint policies 1, both versions 6.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from acceptance.models import BureauRecord, Decision, Outcome, RuleSetVersion
from acceptance.rules import FEATURES, NUMBER, compile_rules
from acceptance.services import apply_checkpoint, checkpoint_policies, conclude
from accounts.models import ZERO, Invoice

PAID, NOT_PAID, UNKNOWN = "paid", "not_paid", "unknown"
BEHAVIOUR_LABELS = {PAID: _("Paid"), NOT_PAID: _("Not paid"), UNKNOWN: _("Not known")}
ACCEPTED = (Outcome.ACCEPT, Outcome.ACCEPT_WITH_CONDITIONS)
MAX_PERIOD_DAYS = 366


def features_from_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A decision's stored features as the rules read them (numbers back to Decimal)."""
    features: dict[str, Any] = {}
    for name, spec in FEATURES.items():
        value = snapshot.get(name)
        if spec.kind == NUMBER and value is not None and not isinstance(value, Decimal):
            value = Decimal(str(value))
        features[name] = value
    return features


@dataclass
class Column:
    """One version's answers to the replayed requests."""

    version: RuleSetVersion
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Outcome.values, 0))
    # (accepted | rejected) x (paid | not_paid | unknown)
    retro: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            "accepted": dict.fromkeys((PAID, NOT_PAID, UNKNOWN), 0),
            "rejected": dict.fromkeys((PAID, NOT_PAID, UNKNOWN), 0),
        }
    )
    limit_total: Decimal = ZERO

    @property
    def accepted(self) -> int:
        return self.outcomes[Outcome.ACCEPT] + self.outcomes[Outcome.ACCEPT_WITH_CONDITIONS]

    @property
    def referred(self) -> int:
        return self.outcomes[Outcome.REFER]

    @property
    def rejected(self) -> int:
        return self.outcomes[Outcome.REJECT]

    def add(self, outcome: str, behaviour: str, limit: Decimal) -> None:
        self.outcomes[outcome] += 1
        self.limit_total += limit
        if outcome in ACCEPTED:
            self.retro["accepted"][behaviour] += 1
        elif outcome == Outcome.REJECT:
            self.retro["rejected"][behaviour] += 1


@dataclass
class Changed:
    """A request the two versions answer differently."""

    decision_id: int
    company_name: str
    decided_on: date
    baseline: str
    draft: str
    behaviour: str
    reasons_en: list[str]
    reasons_nl: list[str]

    @property
    def baseline_label(self) -> str:
        return Outcome(self.baseline).label

    @property
    def draft_label(self) -> str:
        return Outcome(self.draft).label

    @property
    def behaviour_label(self) -> str:
        return BEHAVIOUR_LABELS[self.behaviour]


@dataclass
class Simulation:
    start: date
    end: date
    days: int
    requests: int
    baseline: Column
    draft: Column
    changed: list[Changed]
    changed_count: int


class LaterBehaviour:
    """How each company behaved after a date: later invoices (by customer) and bureau events.

    The one judge of "did they pay?" for the rule simulation and the reporting retro analysis."""

    @classmethod
    def of(cls, decisions, *, since: date, days: int, today: date) -> LaterBehaviour:
        """For the companies behind these decisions: their invoices issued from `since` and whether
        their bureau report has a negative event (2 queries)."""
        invoices = list(
            Invoice.objects.filter(
                customer__in=decisions.exclude(customer=None).values("customer_id"),
                issue_date__gte=since,
                amount__gt=0,
            )
            .exclude(status=Invoice.Status.CANCELLED)
            .values("customer_id", "issue_date", "due_date", "paid_date")
        )
        troubled = {
            number
            for number, events in BureauRecord.objects.filter(
                registration_number__in=decisions.exclude(registration_number="").values(
                    "registration_number"
                )
            ).values_list("registration_number", "negative_events")
            if events
        }
        return cls(invoices=invoices, troubled=troubled, days=days, today=today)

    def __init__(self, *, invoices: list[dict], troubled: set[str], days: int, today: date):
        self.troubled = troubled
        by_customer: dict[int, list[dict]] = defaultdict(list)
        for invoice in invoices:
            by_customer[invoice["customer_id"]].append(invoice)
        self.dates: dict[int, list[date]] = {}
        # From position k on (by issue date): any invoice paid too late or still unpaid; any paid in time.
        self.bad_from: dict[int, list[bool]] = {}
        self.good_from: dict[int, list[bool]] = {}
        grace = timedelta(days=days)
        for customer_id, rows in by_customer.items():
            rows.sort(key=lambda row: row["issue_date"])
            bad, good = [False] * (len(rows) + 1), [False] * (len(rows) + 1)
            for k in range(len(rows) - 1, -1, -1):
                row = rows[k]
                late = (row["paid_date"] is not None and row["paid_date"] > row["due_date"] + grace) or (
                    row["paid_date"] is None and today > row["due_date"] + grace
                )
                in_time = row["paid_date"] is not None and row["paid_date"] <= row["due_date"] + grace
                bad[k] = bad[k + 1] or late
                good[k] = good[k + 1] or in_time
            self.dates[customer_id] = [row["issue_date"] for row in rows]
            self.bad_from[customer_id], self.good_from[customer_id] = bad, good

    def after(self, *, customer_id: int | None, registration_number: str, on: date) -> str:
        if registration_number and registration_number in self.troubled:
            return NOT_PAID
        if customer_id is None or customer_id not in self.dates:
            return UNKNOWN
        k = bisect_left(self.dates[customer_id], on)
        if self.bad_from[customer_id][k]:
            return NOT_PAID
        if self.good_from[customer_id][k]:
            return PAID
        return UNKNOWN


def simulate(
    *,
    draft: RuleSetVersion,
    baseline: RuleSetVersion,
    start: date,
    end: date,
    days: int = 30,
    today: date | None = None,
    changed_limit: int = 50,
) -> Simulation:
    """Replay the decisions made from `start` to `end` (inclusive) against both versions.

    Both versions must be loaded with their rules (services.load_version).
    Overrides by a manager are not requests and are left out.
    """
    today = today or timezone.localdate()
    if end < start:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_PERIOD_DAYS))
    since = timezone.make_aware(datetime.combine(start, time.min))
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    decisions = Decision.objects.filter(created_at__gte=since, created_at__lt=until, overrides__isnull=True)
    rows = list(
        decisions.order_by("created_at", "id").values(
            "pk",
            "customer_id",
            "customer__credit_limit",
            "registration_number",
            "company_name",
            "features",
            "created_at",
            "requested_amount",
            "currency",
            "checkpoint",
        )
    )
    # The checkpoint's policy on a breach as it is now, as decide() applies it after the rules.
    policies = checkpoint_policies()
    behaviour = LaterBehaviour.of(decisions, since=start, days=days, today=today)
    columns = (Column(version=baseline), Column(version=draft))
    compiled = [(rules, compile_rules(rules)) for rules in (list(v.rules.all()) for v in (baseline, draft))]
    changed: list[Changed] = []
    changed_count = 0
    zone = timezone.get_current_timezone()
    for row in rows:
        features = features_from_snapshot(row["features"])
        # The limit as it was at the request (older snapshots: the customer's limit now).
        customer_limit = features["credit_limit"]
        if customer_limit is None:
            customer_limit = row["customer__credit_limit"] or ZERO
        decided_on = row["created_at"].astimezone(zone).date()
        how = behaviour.after(
            customer_id=row["customer_id"], registration_number=row["registration_number"], on=decided_on
        )
        answers = []
        for column, (rules, parsed) in zip(columns, compiled, strict=True):
            result = conclude(
                rules=rules, compiled=parsed, features=features, customer_limit=customer_limit, explain=False
            )
            if row["checkpoint"]:
                apply_checkpoint(
                    result, amount=row["requested_amount"], checkpoint=row["checkpoint"],
                    on_breach=policies[row["checkpoint"]], currency=row["currency"],
                )  # fmt: skip
            column.add(result.outcome, how, result.limit)
            answers.append(result)
        if answers[0].outcome != answers[1].outcome:
            changed_count += 1
            if len(changed) < changed_limit:
                changed.append(
                    Changed(
                        decision_id=row["pk"],
                        company_name=row["company_name"],
                        decided_on=decided_on,
                        baseline=answers[0].outcome,
                        draft=answers[1].outcome,
                        behaviour=how,
                        reasons_en=answers[1].reasons_en,
                        reasons_nl=answers[1].reasons_nl,
                    )
                )
    return Simulation(
        start=start,
        end=end,
        days=days,
        requests=len(rows),
        baseline=columns[0],
        draft=columns[1],
        changed=changed,
        changed_count=changed_count,
    )
