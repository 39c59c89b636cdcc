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
    from accounts import tasks as accounts_tasks

    # Later apps add their step here, in the order the business needs:
    # ledger first, then acceptance monitoring, then dunning, then reporting.
    return [("accounts", accounts_tasks.daily)]


def run_daily(today: str | None = None) -> dict:
    """Run every app's daily job; `today` as ISO date so the task is serialisable."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    results = {}
    for name, step in steps():
        started = time.monotonic()
        results[name] = step(today=day)
        logger.info("daily %s %s: %s in %.2fs", day, name, results[name], time.monotonic() - started)
    return {"date": day.isoformat(), **results}
