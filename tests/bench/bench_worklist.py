"""Benchmark: the worklist page for a controller with exactly 300 open tasks (target p95 < 150 ms).

    .venv/bin/python tests/bench/bench_worklist.py              (fresh database, PostgreSQL)
    .venv/bin/python tests/bench/bench_worklist.py --reuse      (keep an already seeded one)

A database whose name contains "bench" (dropped and made again unless --reuse),
`seed_demo --customers 2000` and three days of `run_daily`, so the worklist
holds what the workflow really makes: calls and approvals of dunning steps,
exception tasks, plain tasks. Then a controller `bench.worklist` gets exactly
300 open tasks (taken over from the book, a mix of every kind there is) and
both views of the page are timed through Django's test client: "due today and
overdue" (the default) and "all open". Prints p50/p95/max, the SQL queries
and the CPU time per request, and the load average. `bench_daily.py` uses the
same measurement on its big books.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, percentile, recreate_database  # noqa: E402

TASKS = 300
TARGET_MS = 150.0
USERNAME = "bench.worklist"


def controller_with_tasks(n: int = TASKS):
    """A controller with exactly n open tasks due by today: a mix of every kind the book has."""
    from django.db.models import Q
    from django.utils import timezone

    from accounts.models import Task
    from creditmgmt.models import Role, User

    today = timezone.localdate()
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"role": Role.CONTROLLER, "first_name": "Bench", "last_name": "Worklist"}
    )
    mine = Task.objects.open().filter(assignee=user)
    have = mine.count()
    if have > n:
        extra = list(mine.order_by("-id").values_list("pk", flat=True)[: have - n])
        Task.objects.filter(pk__in=extra).update(status=Task.Status.DONE)
    picked: list[int] = []
    # Dunning-step tasks (calls, approvals), exception tasks, then any other open task.
    for kind in (Q(dunning_action__isnull=False), Q(exception_case__isnull=False), Q()):
        if have + len(picked) >= n:
            break
        wanted = (n - have - len(picked)) // (2 if kind else 1) or n - have - len(picked)
        picked += list(
            Task.objects.open()
            .filter(kind)
            .exclude(assignee=user)
            .exclude(pk__in=picked)
            .order_by("id")
            .values_list("pk", flat=True)[:wanted]
        )
    Task.objects.filter(pk__in=picked).update(assignee=user, due_date=today)
    return user, mine.count()


def measure_worklist(user, *, requests: int = 100, warmup: int = 10) -> dict[str, float]:
    """Time both views of the page for the user; prints a line each and returns the p95s."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    p95s = {}
    for label, query in (("due today and overdue", {}), ("all open", {"show": "all"})):
        for _ in range(warmup):
            client.get("/dunning/worklist/", query)
        timings, cpu, queries = [], [], set()
        for _ in range(requests):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get("/dunning/worklist/", query)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.status_code
            queries.add(len(captured))
        timings.sort()
        cpu.sort()
        p95 = p95s[label] = percentile(timings, 0.95)
        ok = "ok" if p95 < TARGET_MS else "MISSED"
        print(
            f"  worklist, {label:22s} p50 {percentile(timings, 0.5):6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {timings[-1]:6.1f} ms  cpu p50 {percentile(cpu, 0.5):5.1f} ms  "
            f"queries {min(queries)}-{max(queries)}  [target p95 < {TARGET_MS:.0f} ms: {ok}]"
        )
    return p95s


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args()
    raw = os.environ.get("DATABASE_URL") or DEFAULT_URL.replace(
        "creditmgmt_bench", "creditmgmt_bench_worklist"
    )
    url, note = bench_url(raw)
    print(f"Database: {url} {note}; machine: {MACHINE}".rstrip())
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.bench.settings_bench"}
    env.setdefault("LOG_LEVEL", "WARNING")
    if not args.reuse:
        recreate_database(url)
        for command in (
            ["migrate", "--noinput", "-v0"],
            ["createcachetable"],
            ["seed_demo", "--customers", str(args.customers)],
        ):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
        from datetime import date, timedelta

        today = date.today()
        for back in (2, 1, 0):
            day = (today - timedelta(days=back)).isoformat()
            subprocess.run(
                [sys.executable, "manage.py", "run_daily", "--date", day], cwd=ROOT, env=env, check=True
            )
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.bench.settings_bench"})
    import django

    django.setup()
    from django.db.models import Count

    from accounts.models import Task

    user, tasks = controller_with_tasks()
    kinds = dict(Task.objects.open().filter(assignee=user).values_list("kind").annotate(n=Count("id")))
    mix = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    print(f"Controller {user.username}: {tasks} open tasks ({mix})")
    load = os.getloadavg()[0]
    measure_worklist(user, requests=args.requests)
    print(f"  load average {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
