"""Dunning's part of the daily workflow, and the outbox delivery. Take dates, safe to run twice."""

from __future__ import annotations

from datetime import date

from dunning.models import Step
from dunning.outbox import deliver_outbox
from dunning.workflow import refresh
from dunning.workflow.execute import create_actions
from dunning.workflow.plan import find_due, load_procedures


def figures_and_procedures(*, today: date) -> dict:
    """Refresh aging and behaviour figures, then assign procedures by the rules."""
    counts = {"states_created": refresh.ensure_states()}
    counts["figures_changed"] = refresh.refresh_figures(today=today)
    counts["new_cycles"] = refresh.start_new_cycles()
    counts.update(refresh.assign_procedures(today=today))
    counts["stage_dropped"] = refresh.follow_oldest_invoice(today=today)
    return counts


def due_actions(*, today: date) -> dict:
    """Find each customer's due step and create the actions, messages and tasks."""
    procedures = load_procedures()
    due = find_due(today=today, procedures=procedures)
    steps = {s.pk: s for _, by_position in procedures.values() for s in by_position.values()}
    for step in steps.values():
        step.procedure = procedures[step.procedure_id][0]
    counts = create_actions(today=today, due=due, steps=steps)
    return {"due": len(due), **counts}


def disputes(*, today: date) -> dict:
    """Open disputes past their due date: a task for the owner (once per dispute)."""
    from dunning.services.disputes import escalate_overdue

    return {"escalated": escalate_overdue(today=today)}


def promises_and_plans(*, today: date) -> dict:
    """Promises that fell due (kept or broken) and payment plans (paid, missed, broken, completed)."""
    from dunning.services.plans import check_plans
    from dunning.services.promises import check_promises

    counts = {f"promises_{k}": v for k, v in check_promises(today=today).items()}
    counts.update({f"plans_{k}": v for k, v in check_plans(today=today).items()})
    return counts


def outbox(*, today: date) -> dict:
    return deliver_outbox()


outbox.sends = True  # type: ignore[attr-defined]  # the dry run leaves it out

DAILY_STEPS = [
    ("dunning: disputes", disputes),
    ("dunning: promises and plans", promises_and_plans),
    ("dunning: figures and procedures", figures_and_procedures),
    ("dunning: actions", due_actions),
    ("dunning: outbox", outbox),
]


def deliver() -> dict:
    """The outbox schedule (every few minutes): retries and messages approved during the day."""
    return deliver_outbox()


__all__ = ["DAILY_STEPS", "Step", "deliver", "disputes", "due_actions", "figures_and_procedures", "outbox"]
