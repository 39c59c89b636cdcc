"""Daily step 1: figures per customer and procedure assignment. Set-based SQL only.

One UPDATE per figure group over all customers (correlated subqueries on the
invoice index), one UPDATE per assignment rule, and per-row work only for the
few customers that change procedure (each gets a timeline event).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils.translation import gettext_noop

from accounts.models import ZERO, Customer, Event, Invoice
from accounts.services import record_event
from creditmgmt.texts import Text
from dunning.models import AssignmentRule, Behaviour, CustomerDunning, Procedure, Step
from dunning.selection import dunnable_invoices

ACTOR = "system: daily run"
BEHAVIOUR_WINDOW_DAYS = 365
ON_TIME_DAYS = 3  # average days late up to this: pays on time
SOMETIMES_LATE_DAYS = 15  # up to this: sometimes late; beyond: structurally late


def ensure_states() -> int:
    """A dunning state for every customer that has none: one INSERT ... SELECT in the database.

    (Building 80,000 instances in Python for bulk_create took most of the first run's figures step.)
    """
    t = _table()
    customers = connection.ops.quote_name(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {t} (customer_id, stage, cycle, dunnable_amount, overdue_amount, behaviour) "
            f"SELECT c.id, 0, 1, 0, 0, %s FROM {customers} c "
            f"WHERE NOT EXISTS (SELECT 1 FROM {t} s WHERE s.customer_id = c.id) "
            "ON CONFLICT DO NOTHING",
            [Behaviour.UNKNOWN],
        )
        return cursor.rowcount


def _table() -> str:
    return connection.ops.quote_name(CustomerDunning._meta.db_table)


def _update_from(aggregate, *, assignments: str, changed: str) -> int:
    """UPDATE the states FROM an aggregate grouped by customer, only where a value changes.

    One pass over the invoices instead of a correlated subquery per customer, and
    no write for a customer whose figures stayed the same (PostgreSQL; SQLite 3.39+).
    """
    sql, params = aggregate.query.sql_with_params()
    t = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {t} SET {assignments} FROM ({sql}) AS agg "
            f"WHERE {t}.customer_id = agg.customer_id AND ({changed})",
            params,
        )
        return cursor.rowcount


def _clear_missing(source, *, not_clear: Q, **empty) -> int:
    """Customers without a row in `source` get the empty values (only where not empty yet).

    NOT EXISTS (an anti-join), never NOT IN over a subquery: PostgreSQL rescans
    that per row once it outgrows work_mem.
    """
    return (
        CustomerDunning.objects.filter(not_clear)
        .filter(~Exists(source.filter(customer_id=OuterRef("customer_id"))))
        .update(**empty)
    )


def refresh_figures(*, today: date) -> int:
    """Oldest due date and amounts over the dunnable invoices, and payment behaviour.

    Set-based and write-light: a customer whose figures did not change is not
    written. Returns how many states changed.
    """
    t = _table()
    dunnable = dunnable_invoices(today)
    invoices = (
        dunnable.order_by()
        .values("customer_id")
        .annotate(
            oldest=Min("due_date"),
            open_total=Sum("dunning_amount"),  # open minus what a partial dispute holds back
            overdue_total=Coalesce(Sum("dunning_amount", filter=Q(due_date__lt=today)), Value(ZERO)),
        )
    )
    paid_invoices = Invoice.objects.filter(
        status=Invoice.Status.PAID,
        amount__gt=0,
        days_late__isnull=False,
        paid_date__gte=today - timedelta(days=BEHAVIOUR_WINDOW_DAYS),
    )
    paid = (
        paid_invoices.order_by()
        .values("customer_id")
        .annotate(avg=Cast(Round(Avg("days_late")), IntegerField()))
    )
    with transaction.atomic():
        changed = _update_from(
            invoices,
            assignments="oldest_due_date = agg.oldest, dunnable_amount = agg.open_total, "
            "overdue_amount = agg.overdue_total",
            changed=f"{t}.oldest_due_date IS DISTINCT FROM agg.oldest "
            f"OR {t}.dunnable_amount <> agg.open_total OR {t}.overdue_amount <> agg.overdue_total",
        )
        changed += _clear_missing(
            dunnable,
            not_clear=Q(oldest_due_date__isnull=False) | ~Q(dunnable_amount=0) | ~Q(overdue_amount=0),
            oldest_due_date=None,
            dunnable_amount=ZERO,
            overdue_amount=ZERO,
        )
        # The behaviour follows from the average in the same write (the first run writes
        # every state once instead of twice); the UPDATE below only catches stragglers.
        follows = (
            f"CASE WHEN agg.avg <= {ON_TIME_DAYS} THEN '{Behaviour.ON_TIME.value}' "
            f"WHEN agg.avg <= {SOMETIMES_LATE_DAYS} THEN '{Behaviour.SOMETIMES_LATE.value}' "
            f"ELSE '{Behaviour.STRUCTURALLY_LATE.value}' END"
        )
        _update_from(
            paid,
            assignments=f"avg_days_late = agg.avg, behaviour = {follows}",
            changed=f"{t}.avg_days_late IS DISTINCT FROM agg.avg OR {t}.behaviour <> {follows}",
        )
        _clear_missing(
            paid_invoices,
            not_clear=Q(avg_days_late__isnull=False),
            avg_days_late=None,
            behaviour=Behaviour.UNKNOWN,
        )
        behaviour = Case(
            When(avg_days_late__isnull=True, then=Value(Behaviour.UNKNOWN)),
            When(avg_days_late__lte=ON_TIME_DAYS, then=Value(Behaviour.ON_TIME)),
            When(avg_days_late__lte=SOMETIMES_LATE_DAYS, then=Value(Behaviour.SOMETIMES_LATE)),
            default=Value(Behaviour.STRUCTURALLY_LATE),
        )
        CustomerDunning.objects.exclude(behaviour=behaviour).update(behaviour=behaviour)
    return changed


def start_new_cycles() -> int:
    """Everything paid: the next overdue invoice starts the procedure from the beginning.

    "Paid" means no open invoice with something left to pay (the customer's oldest
    open due date is empty), never a net open amount <= 0: a credit note or cash
    not yet allocated offsets the net while the oldest invoice is still overdue.
    """
    return CustomerDunning.objects.filter(stage__gt=0, customer__oldest_open_due_date__isnull=True).update(
        stage=0, cycle=F("cycle") + 1
    )


def follow_oldest_invoice(*, today: date) -> int:
    """After a payment cleared the oldest invoices, drop the stage to what the rest has reached.

    The stage is recomputed from the oldest dunnable due date, per procedure in
    one UPDATE; a drop opens a new cycle, so the younger invoices get their own
    reminders (unique per customer, step and cycle) instead of none.
    """
    changed = 0
    for procedure in Procedure.objects.prefetch_related("steps"):
        steps = sorted(procedure.steps.all(), key=lambda s: s.position)
        if not steps:
            continue
        reached = Case(
            *[
                When(oldest_due_date__lte=today - timedelta(days=s.offset_days), then=Value(s.position))
                for s in reversed(steps)
            ],
            default=Value(0),
            output_field=IntegerField(),
        )
        changed += (
            CustomerDunning.objects.filter(procedure=procedure, oldest_due_date__isnull=False, stage__gt=0)
            .filter(stage__gt=reached)
            .update(stage=reached, cycle=F("cycle") + 1)
        )
    return changed


def _rule_filter(rule: AssignmentRule) -> Q:
    q = Q()
    if rule.risk_classes:
        q &= Q(customer__risk_class__in=rule.risk_classes)
    if rule.segments:
        q &= Q(customer__segment__in=rule.segments)
    if rule.behaviours:
        q &= Q(behaviour__in=rule.behaviours)
    if rule.languages:
        q &= Q(customer__language__in=rule.languages)
    if rule.countries:
        q &= Q(customer__country__in=rule.countries)
    if rule.min_open_amount is not None:
        q &= Q(customer__open_amount__gte=rule.min_open_amount)
    if rule.max_open_amount is not None:
        q &= Q(customer__open_amount__lte=rule.max_open_amount)
    return q


def equivalent_stage(old_steps: list[Step], stage: int, new_steps: list[Step]) -> int:
    """The stage in the new procedure that matches how far the old one got (by offset)."""
    done = [s for s in old_steps if s.position <= stage]
    if not done:
        return 0
    reached_offset = max(s.offset_days for s in done)
    return max((s.position for s in new_steps if s.offset_days <= reached_offset), default=0)


def assign_procedures(*, today: date) -> dict:
    """Apply the ordered rules; move customers whose procedure changes, at the equivalent stage."""
    rules = list(
        AssignmentRule.objects.filter(is_active=True, procedure__is_active=True).order_by("position", "id")
    )
    # The first matching rule wins: each rule takes what no earlier rule matched. Only
    # customers whose chosen procedure changes are written.
    earlier = Q(pk__in=[])
    for rule in rules:
        condition = _rule_filter(rule)
        (
            CustomerDunning.objects.filter(condition)
            .exclude(earlier)
            .exclude(rule_procedure=rule.procedure_id)
            .update(rule_procedure=rule.procedure_id)
        )
        if not condition:  # a rule without conditions matches everyone left: later rules never apply
            break
        earlier |= condition
    else:
        CustomerDunning.objects.exclude(earlier).exclude(rule_procedure=None).update(rule_procedure=None)
    first = CustomerDunning.objects.filter(procedure__isnull=True, rule_procedure__isnull=False).update(
        procedure=F("rule_procedure"), stage=0
    )
    moving = list(
        CustomerDunning.objects.filter(rule_procedure__isnull=False)
        .exclude(procedure=F("rule_procedure"))
        .values_list("customer_id", flat=True)
    )
    steps = {
        p.pk: sorted(p.steps.all(), key=lambda s: s.position)
        for p in Procedure.objects.prefetch_related("steps")
    }
    names = dict(Procedure.objects.values_list("pk", "name"))
    moved = 0
    for customer_id in moving:
        with transaction.atomic():
            state = CustomerDunning.objects.select_for_update().get(pk=customer_id)
            if state.rule_procedure_id in (None, state.procedure_id):
                continue
            old, new = state.procedure_id, state.rule_procedure_id
            new_stage = equivalent_stage(steps.get(old, []), state.stage, steps.get(new, []))
            record_event(
                customer=customer_id,
                kind=Event.Kind.DUNNING,
                verb="procedure_changed",
                summary=Text(
                    gettext_noop("Dunning procedure changed from %(old)s to %(new)s (stage %(stage)s)"),
                    old=Text(names.get(old, "-")),  # shipped procedure names are translated at display
                    new=Text(names.get(new, "-")),
                    stage=new_stage,
                ),
                by=ACTOR,
                data={"from": old, "to": new, "stage_from": state.stage, "stage_to": new_stage},
            )
            state.procedure_id, state.stage = new, new_stage
            state.save(update_fields=["procedure", "stage"])
            moved += 1
    return {"assigned": first, "moved": moved}
