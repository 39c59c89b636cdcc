"""Daily step: find each customer's due step (one pass over the states, no query per customer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunning.models import CustomerDunning, DunningAction, Procedure, Step
from dunning.selection import CustomerSpec, StepSpec, select_due_step


@dataclass(frozen=True)
class Due:
    customer_id: int
    procedure_id: int
    step_id: int
    cycle: int
    stage_before: int
    days_overdue: int


def load_procedures() -> dict[int, tuple[Procedure, dict[int, Step]]]:
    """Active procedures with their steps by position (a few rows, read once per run)."""
    result = {}
    for procedure in Procedure.objects.filter(is_active=True).prefetch_related("steps"):
        result[procedure.pk] = (procedure, {s.position: s for s in procedure.steps.all()})
    return result


def find_due(*, today: date, procedures=None) -> list[Due]:
    procedures = procedures if procedures is not None else load_procedures()
    specs = {
        pk: [
            StepSpec(position=s.position, offset_days=s.offset_days, is_contact=s.is_contact)
            for s in steps.values()
        ]
        for pk, (_, steps) in procedures.items()
    }
    rows = (
        CustomerDunning.objects.filter(procedure_id__in=list(procedures), oldest_due_date__isnull=False)
        .values_list(
            "customer_id",
            "procedure_id",
            "stage",
            "cycle",
            "last_contact_date",
            "oldest_due_date",
            "overdue_amount",
            "dunnable_amount",
        )
        .order_by("customer_id")
    )
    # A customer with an action waiting for approval goes no further until someone decides.
    waiting = set(
        DunningAction.objects.filter(status=DunningAction.Status.WAITING).values_list(
            "customer_id", flat=True
        )
    )
    due = []
    for customer_id, procedure_id, stage, cycle, last_contact, oldest, overdue, open_amount in rows.iterator(
        chunk_size=5000
    ):
        if customer_id in waiting:
            continue
        procedure, steps = procedures[procedure_id]
        decision = select_due_step(
            specs[procedure_id],
            CustomerSpec(
                stage=stage,
                oldest_due_date=oldest,
                overdue_amount=overdue,
                open_amount=open_amount,
                last_contact_date=last_contact,
            ),
            today=today,
            minimum_amount=procedure.minimum_amount,
            min_interval_days=procedure.min_interval_days,
        )
        if decision.step is not None:
            due.append(
                Due(
                    customer_id=customer_id,
                    procedure_id=procedure_id,
                    step_id=steps[decision.step.position].pk,
                    cycle=cycle,
                    stage_before=stage,
                    days_overdue=(today - oldest).days,
                )
            )
    return due
