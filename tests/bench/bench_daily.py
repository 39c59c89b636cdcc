"""Benchmark: the whole daily workflow on a seeded book, by number of open invoices.

    .venv/bin/python tests/bench/bench_daily.py --open 10000 100000     (PostgreSQL by default)

    DUNNING_PROCESSES=2 .venv/bin/python tests/bench/bench_daily.py --open 300000 \
        --template cm_speed_bench_tpl100k     (start from a database seeded earlier)

For each size: a fresh database (dropped first; the name always contains
"bench"), `seed_demo` with enough customers for about that many open invoices
(about 1.25 per customer; above 100,000 customers a seeded book copied in SQL,
see `replicate`), or a copy of `--template`, then `manage.py run_daily` twice
in a child process (settings `tests.bench.settings_bench`: e-mail built as for
SMTP and dropped):
the first run does the work (every overdue customer's first step), the second
must find nothing to do. Prints wall time and the child's peak memory (max
RSS) next to the targets, and the worklist page for a controller with exactly
300 open tasks (see bench_worklist.py). Missed targets are printed as MISSED;
the script exits 0 once it measured.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, recreate_database  # noqa: E402

OPEN_PER_CUSTOMER = 1.25
MAX_SEEDED_CUSTOMERS = 100_000  # bigger books are copies of a seeded one (see replicate)
TARGET_SECONDS_100K = 60.0
TARGET_MB_1M = 500.0


CPU: dict[str, float] = {}


def run_child(args: list[str], env: dict) -> tuple[float, float, list[str]]:
    """Run manage.py in a child; wall seconds, peak RSS in MB, output lines.

    The child's CPU seconds (with the workers it forked and waited for) go to CPU[first arg]:
    on a shared machine they say more than the wall time.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = proc.stdout.read().decode()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    CPU[args[0]] = usage.ru_utime + usage.ru_stime
    if status != 0:
        print(output[-3000:])
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return seconds, usage.ru_maxrss / 1024, output.strip().splitlines()


def replicate(url: str, copies: int) -> None:
    """Make the seeded book `copies` times as big with INSERT ... SELECT, in the database.

    seed_demo plans every customer's history in Python (about 5 ms a customer on
    this machine: over an hour for the 800,000 customers of 1,000,000 open
    invoices); copying the seeded rows gives the same distribution at any size in
    minutes. Each copy shifts every primary key and every reference between the
    seeded tables by the same offset, and suffixes the unique numbers (customer,
    invoice). Users, procedures and the rest are shared.
    """
    import psycopg

    from accounts.demo.base import Ids

    # Timeline events and notes (half the rows) are not copied: the daily run never reads them.
    COPIED = [m for m in Ids.MODELS if m.__name__ not in ("Event", "Note")]
    tables = {m._meta.db_table for m in Ids.MODELS}
    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        top = max(conn.execute(f'SELECT coalesce(max(id), 0) FROM "{t}"').fetchone()[0] for t in tables)
        offset = 10 ** len(str(top))
        for k in range(1, copies):
            with conn.transaction():
                for model in COPIED:
                    columns, values = [], []
                    for f in model._meta.concrete_fields:
                        if getattr(f, "generated", False):
                            continue
                        column = f'"{f.column}"'
                        inside = f.is_relation and f.related_model._meta.db_table in tables
                        if f.primary_key or inside:
                            value = f"{column} + {k * offset}"
                        elif f.unique:
                            value = f"{column} || '-{k}'"
                        else:
                            value = column
                        columns.append(column)
                        values.append(value)
                    table = model._meta.db_table
                    conn.execute(
                        f'INSERT INTO "{table}" ({", ".join(columns)}) '
                        f'SELECT {", ".join(values)} FROM "{table}" WHERE id < {offset}'
                    )
        for t in tables:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), max(id)) FROM \"{t}\"")
            conn.execute(f'ANALYZE "{t}"')


def copy_template(url: str, template: str) -> int:
    """The benchmark database as a copy of an already seeded one (same server); its customer count."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql"))) as conn:
        return conn.execute("SELECT count(*) FROM accounts_customer").fetchone()[0]


def measure(size: int, base_url: str, seed: int, template: str = "", reuse: bool = False) -> None:
    url = base_url
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.bench.settings_bench"}
    env.setdefault("LOG_LEVEL", "WARNING")
    customers = max(1, round(size / OPEN_PER_CUSTOMER))
    if reuse:
        copies = 1
        print("  the database as it is (--reuse: seeded earlier, never run)")
    elif template:
        seeded = copy_template(url, template)
        copies = max(1, round(customers / seeded))
        print(f"  copied database {template} ({seeded:,} customers, seeded earlier)")
        run_child(["migrate", "--noinput", "-v0"], env)  # seeded by an older schema, maybe
    else:
        recreate_database(url)
        run_child(["migrate", "--noinput", "-v0"], env)
        run_child(["createcachetable"], env)
        copies = max(1, -(-customers // MAX_SEEDED_CUSTOMERS))
        seeded = -(-customers // copies)
        seconds, _, _ = run_child(["seed_demo", "--customers", str(seeded), "--seed", str(seed)], env)
        print(f"  seeded {seeded:,} customers in {seconds:.1f} s")
    if copies > 1:
        import django

        os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.bench.settings_bench"})
        django.setup()  # replicate reads the models
        started = time.monotonic()
        replicate(url, copies)
        print(f"  copied the book {copies - 1} more times in SQL: {time.monotonic() - started:.1f} s")
    load_before = os.getloadavg()[0]
    first, first_mb, first_log = run_child(["run_daily"], {**env, "LOG_LEVEL": "INFO"})
    first_cpu = CPU["run_daily"]
    timings = [line for line in first_log if line.startswith("daily ") and " in " in line]
    print("  first run steps: " + "; ".join(t.split(" ", 2)[2] for t in timings))
    second, second_mb, _ = run_child(["run_daily"], env)

    import django

    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.bench.settings_bench"})
    django.setup()
    from django.db import connections

    for conn in connections.all():
        conn.close()
    from accounts.models import Invoice, Task
    from dunning.models import DunningAction, Message, WorkflowRun

    open_invoices = Invoice.objects.filter(status="open").count()
    run = WorkflowRun.objects.get()
    steps = ", ".join(f"{s['name']} {s['seconds']}s" for s in run.steps)
    verdict = ""
    if size >= 100_000:
        ok = "ok" if first < TARGET_SECONDS_100K else "MISSED"
        verdict += f" [target 100k < {TARGET_SECONDS_100K:.0f} s: {ok}]"
    if size >= 1_000_000:
        verdict += f" [target 1M < {TARGET_MB_1M:.0f} MB: {'ok' if first_mb < TARGET_MB_1M else 'MISSED'}]"
    print(
        f"  {open_invoices:,} open invoices: first run {first:.1f} s (Python CPU {first_cpu:.1f} s), "
        f"peak {first_mb:.0f} MB; second run {second:.1f} s, peak {second_mb:.0f} MB{verdict}"
    )
    print(
        f"  load average {load_before:.1f} before the first run, {os.getloadavg()[0]:.1f} after the second "
        f"(2 cores; DUNNING_PROCESSES={os.environ.get('DUNNING_PROCESSES', '1')})"
    )
    print(
        f"  created {DunningAction.objects.count():,} actions, {Message.objects.count():,} messages, "
        f"{Task.objects.filter(dunning_action__isnull=False).count():,} tasks; steps of the last run: {steps}"
    )
    worklist_p95(size)


def worklist_p95(size: int) -> None:
    """The worklist page of a controller with exactly 300 open tasks taken over from this book."""
    from tests.bench.bench_worklist import controller_with_tasks, measure_worklist

    user, tasks = controller_with_tasks()
    print(f"  worklist of {user.username} with {tasks} open tasks (50 a page):")
    measure_worklist(user)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--open", type=int, nargs="+", default=[10_000], help="open invoices per size")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="measure on DATABASE_URL as it is (seeded, not run yet)"
    )
    parser.add_argument(
        "--template",
        default="",
        help="copy this already seeded database (same server) instead of seeding; copies of its "
        "book make up the size",
    )
    args = parser.parse_args()
    url, note = bench_url(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    print(f"Database: {url} {note}; machine: {MACHINE}".rstrip())
    if len(args.open) > 1:
        print("One size per process (Django is set up once): running each size in a child.")
        for size in args.open:
            subprocess.run(
                [sys.executable, __file__, "--open", str(size), "--seed", str(args.seed)]
                + (["--template", args.template] if args.template else []),
                check=True,
            )
        return 0
    size = args.open[0]
    print(f"Size: about {size:,} open invoices")
    measure(size, url, args.seed, args.template, args.reuse)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
