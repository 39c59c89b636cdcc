"""The daily workflow: each app's daily job, in order. The only module that knows every app.

Run by the django-q2 schedule "daily workflow" (see `sync_schedules`) or by
hand with `python manage.py run_daily`. Every step is idempotent, so running
it twice on one day, or again after a crash halfway, does no harm.
"""

import logging
import time
from datetime import date

from django.utils import timezone

logger = logging.getLogger(__name__)


def steps():
    from acceptance import limits, monitoring
    from accounts import tasks as accounts_tasks
    from accounts.bank import tasks as bank_tasks
    from dunning import tasks as dunning_tasks
    from reporting import tasks as reporting_tasks

    # Later apps add their step here, in the order the business needs:
    # ledger first, then acceptance monitoring, then dunning, then reporting.
    # The bank inbox before dunning: payments that came in overnight take their invoices out of the run.
    # Monitoring before dunning: a customer whose risk class changes today gets the matching procedure.
    return [
        ("accounts", accounts_tasks.daily),
        ("bank", bank_tasks.daily),
        ("acceptance: monitoring", monitoring.daily),
        ("acceptance: limits and reservations", limits.daily),
        *dunning_tasks.DAILY_STEPS,
        ("reporting: snapshots", reporting_tasks.daily),
        ("reporting: forecast", reporting_tasks.forecast),
        ("reporting: scheduled reports", reporting_tasks.scheduled_reports),
    ]


def run_daily(today: str | None = None, started_by: str = "system: schedule") -> dict:
    """Run every app's daily job, recorded as the date's WorkflowRun; `today` as ISO date
    so the task is serialisable."""
    from dunning.runs import run_workflow

    day = date.fromisoformat(today) if today else timezone.localdate()
    started = time.monotonic()
    result = run_workflow(day=day, steps=steps(), started_by=started_by)
    logger.info("daily %s done in %.2fs", day, time.monotonic() - started)
    return result


def dry_run_daily(today: str | None = None) -> list[dict]:
    """What today's run would do, without keeping or sending anything."""
    from dunning.runs import dry_run

    day = date.fromisoformat(today) if today else timezone.localdate()
    return dry_run(day=day, steps=steps())
