"""Which invoices may be dunned, and which step is due for a customer. Pure where it can be.

`dunnable_invoices()` is the ONE query hook for exclusions: other features
(disputes, promises to pay, payment plans) register a function that returns a
`Q` over `Invoice` for the invoices they keep out of dunning on a date:

    from dunning.selection import register_invoice_exclusion

    @register_invoice_exclusion("disputes")
    def disputed(today):
        return Q(pk__in=Dispute.objects.open().values("invoices"))

Everything that selects invoices for reminders goes through it (the daily run,
the dry run, previews, the 360 panel), so an excluded invoice is never dunned.

Part of an invoice can be held back too (a partial dispute): a function
registered with `register_paused_amount` returns an expression over the outer
`Invoice` row for the amount it keeps out of dunning. `dunnable_invoices()`
annotates every invoice with `paused_amount` (the sum of those, 0 when none)
and `dunning_amount` (`open_amount - paused_amount`); it does not filter on
them (a WHERE on a correlated subquery ruins PostgreSQL's row estimate), so a
feature that pauses an invoice whole must register an exclusion for it too.
The daily run sums `dunning_amount` for the customer's figures (so the
minimum-amount check and the stage see only the undisputed part) and lists
each invoice in the reminder with its `dunning_amount` as the amount still to
pay; the stored `open_amount` is never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import BaseExpression
from django.db.models.functions import Coalesce

from accounts.models import ZERO, Customer, Invoice

ExclusionFunc = Callable[[date], Q]
_EXCLUSIONS: dict[str, ExclusionFunc] = {}
PausedFunc = Callable[[date], BaseExpression]
_PAUSED: dict[str, PausedFunc] = {}

# Customers in these statuses get no reminders at all (in collection: the agency has the case).
SILENT_STATUSES = (Customer.Status.ON_HOLD, Customer.Status.CLOSED, Customer.Status.IN_COLLECTION)


def register_invoice_exclusion(name: str) -> Callable[[ExclusionFunc], ExclusionFunc]:
    """Decorator: invoices matching the returned Q are out of dunning on that date."""

    def decorator(func: ExclusionFunc) -> ExclusionFunc:
        _EXCLUSIONS[name] = func
        return func

    return decorator


@register_invoice_exclusion("dunning stops")
def _stopped(today: date) -> Q:
    from dunning.models import DunningStop

    active = DunningStop.objects.active(today)
    return Q(
        Exists(active.filter(customer=OuterRef("customer"), invoice__isnull=True))
        | Exists(active.filter(invoice=OuterRef("pk")))
    )


def register_paused_amount(name: str) -> Callable[[PausedFunc], PausedFunc]:
    """Decorator: the returned expression (over the outer Invoice) is held out of dunning on that date."""

    def decorator(func: PausedFunc) -> PausedFunc:
        _PAUSED[name] = func
        return func

    return decorator


def paused_amount(today: date) -> BaseExpression:
    """Every registered paused amount of an invoice, added up (0 when none)."""
    total: BaseExpression = Value(ZERO)
    for func in _PAUSED.values():
        total = total + Coalesce(func(today), Value(ZERO))
    return total


def exclusions(today: date) -> Q:
    """Every registered exclusion as one Q (invoices to leave out)."""
    combined = Q(pk__in=[])
    for func in _EXCLUSIONS.values():
        combined |= func(today)
    return combined


def dunnable_invoices(today: date) -> QuerySet[Invoice]:
    """Open, unpaid invoices of customers that may be dunned, minus every exclusion.

    Each carries `paused_amount` and `dunning_amount` (what is still dunned of it)."""
    return (
        Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0)
        .exclude(customer__status__in=SILENT_STATUSES)
        .exclude(exclusions(today))
        .annotate(paused_amount=paused_amount(today))
        .annotate(dunning_amount=F("open_amount") - F("paused_amount"))
    )


# --- due-step selection (pure) -------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    position: int
    offset_days: int
    is_contact: bool


@dataclass(frozen=True)
class CustomerSpec:
    stage: int
    oldest_due_date: date | None
    overdue_amount: Decimal  # open and past its due date
    open_amount: Decimal  # everything open in dunning (what a reminder before the due date lists)
    last_contact_date: date | None


@dataclass(frozen=True)
class Decision:
    step: StepSpec | None
    stage: int  # the stage after recomputing it from what is still open
    reason: str


def target_stage(steps: Sequence[StepSpec], days_overdue: int) -> int:
    """The stage the oldest open invoice has reached: the last step whose offset has passed."""
    reached = [s.position for s in steps if s.offset_days <= days_overdue]
    return max(reached, default=0)


def select_due_step(
    steps: Sequence[StepSpec],
    customer: CustomerSpec,
    *,
    today: date,
    minimum_amount: Decimal,
    min_interval_days: int,
) -> Decision:
    """The next step due for a customer today, one step at a time.

    - the stage follows the oldest open dunnable invoice: when a payment clears
      the oldest, the stage drops back to what the rest has reached (nothing is
      sent for the drop);
    - steps are never skipped (except reminders before the due date once it has
      passed): the next step is the first after the stage, due once its offset
      has passed;
    - contact steps keep `min_interval_days` after the last contact;
    - nothing below the minimum amount.
    """
    steps = sorted(steps, key=lambda s: s.position)
    if customer.oldest_due_date is None:
        return Decision(None, 0, "nothing open")
    days = (today - customer.oldest_due_date).days
    stage = min(customer.stage, target_stage(steps, days))
    # A reminder "before the due date" makes no sense once it has passed: skip those.
    following = [s for s in steps if s.position > stage and not (s.offset_days < 0 and days > 0)]
    if not following:
        return Decision(None, stage, "procedure finished")
    step = following[0]
    if step.offset_days > days:
        return Decision(None, stage, "not yet")
    listed = customer.open_amount if step.offset_days <= 0 else customer.overdue_amount
    if listed <= 0 or listed < minimum_amount:
        return Decision(None, stage, "below minimum amount")
    if (
        step.is_contact
        and customer.last_contact_date is not None
        and (today - customer.last_contact_date).days < min_interval_days
    ):
        return Decision(None, stage, "minimum interval")
    return Decision(step, stage, "due")


def next_planned(
    steps: Sequence[StepSpec], stage: int, oldest_due_date: date | None
) -> tuple[StepSpec | None, date | None]:
    """The step after `stage` and the date its offset passes (for the 360 page)."""
    following = sorted((s for s in steps if s.position > stage), key=lambda s: s.position)
    if not following or oldest_due_date is None:
        return None, None
    return following[0], oldest_due_date + timedelta(days=following[0].offset_days)


def listed_due_before(step_offset: int, today: date) -> date:
    """Invoices due on or before this date are listed by a step (overdue ones, or due soon)."""
    return today - timedelta(days=1) if step_offset > 0 else today - timedelta(days=step_offset)
