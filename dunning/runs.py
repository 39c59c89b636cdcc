"""The daily workflow's record: one WorkflowRun per business date, step by step, and the dry run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from dunning.models import DunningAction, Message, WorkflowRun

logger = logging.getLogger(__name__)
Step = tuple[str, Callable[..., dict]]
STALE_AFTER = timedelta(minutes=45)


class AlreadyRunning(Exception):
    pass


def _claim(day: date, names: Sequence[str], started_by: str) -> WorkflowRun:
    now = timezone.now()
    with transaction.atomic():
        run, _ = WorkflowRun.objects.select_for_update().get_or_create(
            date=day, defaults={"status": WorkflowRun.Status.RUNNING, "started_at": now}
        )
        if run.attempts and run.status == WorkflowRun.Status.RUNNING and now - run.started_at < STALE_AFTER:
            raise AlreadyRunning(f"The workflow of {day} is running since {run.started_at:%H:%M}")
        run.status = WorkflowRun.Status.RUNNING
        run.started_at = now
        run.finished_at = None
        run.error = ""
        run.attempts += 1
        run.started_by = started_by[:100]
        run.steps = [{"name": name, "status": "pending", "counts": {}, "seconds": None} for name in names]
        run.save()
    return run


def run_workflow(*, day: date, steps: Sequence[Step], started_by: str = "system: schedule") -> dict:
    """Run the steps in order, recording each one; a failing step stops the run (and is re-raised)."""
    run = _claim(day, [name for name, _ in steps], started_by)
    results: dict = {"date": day.isoformat()}
    for index, (name, func) in enumerate(steps):
        run.steps[index]["status"] = "running"
        run.save(update_fields=["steps"])
        started = time.monotonic()
        try:
            counts = func(today=day) or {}
        except Exception as exc:
            run.steps[index].update(status="failed", seconds=round(time.monotonic() - started, 2))
            run.status = WorkflowRun.Status.FAILED
            run.error = f"{name}: {type(exc).__name__}: {exc}"[:2000]
            run.finished_at = timezone.now()
            run.save()
            logger.exception("daily %s %s failed", day, name)
            raise
        seconds = round(time.monotonic() - started, 2)
        run.steps[index].update(status="done", counts=counts, seconds=seconds)
        run.save(update_fields=["steps"])
        results[name] = counts
        logger.info("daily %s %s: %s in %.2fs", day, name, counts, seconds)
    run.status = WorkflowRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return results


class _Rollback(Exception):
    pass


def dry_run(*, day: date, steps: Sequence[Step]) -> list[dict]:
    """What the run would do today, computed for real and rolled back: nothing is kept or sent.

    Steps marked `sends = True` (the outbox delivery) are left out.
    """
    rows: list[dict] = []
    try:
        with transaction.atomic():
            # Only what this dry run makes (today's real run may have acted already).
            before = DunningAction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            for _name, func in steps:
                if getattr(func, "sends", False):
                    continue
                func(today=day)
            actions = DunningAction.objects.filter(pk__gt=before).select_related("customer", "step")
            messages = {m.action_id: m for m in Message.objects.filter(action__pk__gt=before)}
            for action in actions.order_by("-score", "customer__name"):
                message = messages.get(action.pk)
                rows.append(
                    {
                        "customer": action.customer.name,
                        "customer_id": action.customer_id,
                        "step": action.step.name,
                        "action": action.step.get_action_display(),
                        "status": action.get_status_display(),
                        "channel": message.get_channel_display() if message else "",
                        "recipient": message.recipient.splitlines()[0] if message else "",
                        "subject": message.subject if message else "",
                        "amount": action.amount,
                        "currency": action.currency,
                        "explanation": action.explanation,
                    }
                )
            raise _Rollback
    except _Rollback:
        pass
    return rows
