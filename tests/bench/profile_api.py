"""Where a decision's CPU goes: the decision API in one process, through the app's own WSGI handler.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/creditmgmt_bench_api \\
      .venv/bin/python tests/bench/profile_api.py [time|phases|profile] [--calls 600]

Needs a database seeded by bench_api.py (`--reuse` keeps it). Each call is a new order for a
random customer, sent to `creditmgmt.wsgi.application` as gunicorn would (the API's own
middleware), without HTTP or a server process:

- `time`: CPU per call of this process (mean, p25, p50) and of its PostgreSQL backend, and the
  SQL statements of one call. This host's speed changes by up to 2x within an hour: compare two
  versions by running this alternately from two checkouts (`--root`), several rounds.
- `phases`: CPU of this process per part of the call (key check, customer, bureau, features,
  rules, inserts, events...), measured around the functions, the rest being Django and ninja.
- `profile`: cProfile's top functions by own time (the psycopg wait left out: that is PostgreSQL).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import functools
import importlib
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["time", "phases", "profile"], nargs="?", default="time")
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument(
        "--root", default=str(Path(__file__).resolve().parents[2]), help="the checkout to load"
    )
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    os.chdir(args.root)
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/creditmgmt_bench_api")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Customer
    from creditmgmt.models import ApiClient
    from creditmgmt.services import create_api_client
    from creditmgmt.wsgi import application

    run = f"P{int(time.time())}"
    _client, key = create_api_client(name=f"profile {run}", scopes=list(ApiClient.Scope.values))
    numbers = list(
        Customer.objects.exclude(status=Customer.Status.CLOSED)
        .order_by("?")
        .values_list("number", flat=True)[:3000]
    )
    if not numbers:
        print("No customers: seed the database with tests/bench/bench_api.py first.")
        return 1
    rng = random.Random(2026)
    sent = iter(range(10**9))

    def call() -> str:
        body = json.dumps(
            {
                "order_reference": f"{run}-{next(sent)}",
                "customer_number": rng.choice(numbers),
                "amount": f"{rng.randint(100, 5000)}.00",
                "currency": "EUR",
            }
        ).encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/acceptance/decisions", "SCRIPT_NAME": "",
            "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Bearer {key}",
        }  # fmt: skip
        status: list[str] = []
        b"".join(application(environ, lambda s, headers, *rest: status.append(s)))
        return status[0]

    for _ in range(args.warmup):
        call()
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid if connection.vendor == "postgresql" else None
    if args.mode == "time":
        statuses: collections.Counter[str] = collections.Counter()
        per_call = []
        backend_before, before = backend_cpu(backend), time.process_time()
        for _ in range(args.calls):
            started = time.thread_time()
            statuses[call()] += 1
            per_call.append((time.thread_time() - started) * 1000)
        mean = (time.process_time() - before) * 1000 / args.calls
        pg = (backend_cpu(backend) - backend_before) * 1000 / args.calls
        per_call.sort()
        print(f"{dict(statuses)} from {args.root}")
        print(
            f"CPU per call: this process {mean:.2f} ms (p25 {per_call[len(per_call) // 4]:.2f}, "
            f"p50 {per_call[len(per_call) // 2]:.2f}) + PostgreSQL {pg:.2f} ms"
        )
        with CaptureQueriesContext(connection) as ctx:
            call()
        print(f"statements of one call: {len(ctx.captured_queries)}")
        for query in ctx.captured_queries:
            print("  ", " ".join(query["sql"].split())[:110])
    elif args.mode == "phases":
        spent = measure_phases()
        for _ in range(args.calls // 10):
            call()
        spent.clear()
        before = time.process_time()
        for _ in range(args.calls):
            call()
        total = (time.process_time() - before) * 1000 / args.calls
        print(f"CPU of this process per call {total:.2f} ms; parts (nested parts indented):")
        for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            print(f"  {seconds * 1000 / args.calls:6.3f} ms  {name}")
    else:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.calls):
            call()
        profiler.disable()
        stats = pstats.Stats(profiler)
        waiting = [key for key in stats.stats if key[2] == "wait" and "psycopg" in key[0]]
        for key in waiting:
            del stats.stats[key]
        stats.sort_stats("tottime").print_stats(40)
    return 0


def backend_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# (module, attribute, label): functions timed by `phases`; "Class.method" wraps a method.
PHASES = [
    ("creditmgmt.api", "ApiKey.authenticate", "API key"),
    ("acceptance.api", "_customer_for", "customer, order reference, bureau row (read_order)"),
    ("acceptance.services", "bureau_report", "bureau report"),
    ("acceptance.services", "decide", "decide()"),
    ("acceptance.services", "compute_features", "  features (one statement)"),
    ("acceptance.services", "conclude", "  rules"),
    ("acceptance.services", "apply_checkpoint", "  checkpoint"),
    ("acceptance.services", "new_decision", "  decision row built"),
    ("acceptance.services", "_record_decision", "  timeline event, review task"),
    ("acceptance.limits", "reserve", "reservation"),
    ("acceptance.api", "_decision_out", "answer"),
    ("creditmgmt.rows", "RowInsert.save", "INSERT of one row (all)"),
    ("creditmgmt.rows", "RowInsert.save_many", "INSERT of the events"),
    ("creditmgmt.rows", "RowQuery.get", "one-row SELECT (all)"),
    ("creditmgmt.rows", "read_rows", "several rows in one SELECT (all)"),
    ("django.db.backends.base.base", "BaseDatabaseWrapper.commit", "COMMIT"),
]


def measure_phases() -> collections.Counter[str]:
    """Wrap PHASES' functions to add up this process's CPU in each (a function another module
    imported by name before is not seen there: acceptance.api's decide_order, for one)."""
    spent: collections.Counter[str] = collections.Counter()
    for module_name, attribute, label in PHASES:
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - started

        setattr(owner, name, functools.wraps(original)(timed))
    return spent


if __name__ == "__main__":
    sys.exit(main())
