"""Benchmark: the real-time decision API, in process and under load behind gunicorn.

    nice -n 10 .venv/bin/python tests/bench/bench_api.py --size 100000

1. A fresh PostgreSQL database whose name contains "bench" and "api" (dropped
   first; `--reuse` keeps a seeded one), migrated, `seed_demo --customers
   SIZE --months MONTHS`, `seed_bureau` (a bureau report per demo customer).
2. In process: `POST /api/v1/acceptance/decisions` through Django's test
   client with a real API key, each with a new order reference for a random
   customer: p50/p95/p99/max and SQL queries per call (targets p50 < 10 ms,
   p99 < 50 ms). Also the replay of a known order reference.
3. Throughput: gunicorn (sync workers) on 127.0.0.1 with an ephemeral port,
   and a second process that sends decision requests from threads with
   http.client for `--seconds` seconds (bounded: it stops by itself), new
   order references each: decisions per second and client-side latency
   (target >= 300 decisions/s).

Always exits 0 once the measurements ran; a missed target prints MISSED.
The load generator is this file run with `--load` (in its own process).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.run import DEFAULT_URL, MACHINE, bench_url, percentile, recreate_database  # noqa: E402

TARGETS = {"p50": 10.0, "p99": 50.0, "rate": 300.0}
URL_PATH = "/api/v1/acceptance/decisions"


def api_bench_url(url: str) -> tuple[str, str]:
    """Like bench_url, and the name also contains "api" (never the other benchmarks' database)."""
    if "api" not in urlsplit(url).path:
        url = url.replace("creditmgmt_bench", "creditmgmt_bench_api")
    url, note = bench_url(url)
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not parts.scheme.startswith("sqlite") and "api" not in name:
        name = f"{name}_api"
        return urlunsplit(parts._replace(path="/" + name)), f"(database renamed to {name})"
    return url, note


# --- the load generator (a second process) --------------------------------------


def load(host: str, port: int, key: str, numbers: list[str], seconds: float, threads: int, run: str) -> dict:
    """Send decision requests from `threads` threads until `seconds` have passed; count and time them."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    times: list[float] = []
    statuses: dict[str, int] = {}

    def worker(index: int) -> None:
        rng = random.Random(index)
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            body = json.dumps(
                {
                    "order_reference": f"{run}-{index}-{sent}",
                    "customer_number": rng.choice(numbers),
                    "amount": f"{rng.randint(100, 5000)}.00",
                    "currency": "EUR",
                }
            )
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request(
                    "POST",
                    URL_PATH,
                    body=body,
                    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                )
                response = conn.getresponse()
                response.read()
                status = str(response.status)
                conn.close()
            except OSError as error:
                status = type(error).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == "201":
                    times.append(elapsed)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.monotonic() - began
    times.sort()
    return {
        "seconds": wall,
        "statuses": statuses,
        "ok": len(times),
        "rate": len(times) / wall,
        "p50": percentile(times, 0.50) if times else None,
        "p99": percentile(times, 0.99) if times else None,
    }


def load_main(argv: list[str]) -> int:
    host, port, key, numbers_file, seconds, threads, run = argv
    numbers = Path(numbers_file).read_text().split()
    print(json.dumps(load(host, int(port), key, numbers, float(seconds), int(threads), run)))
    return 0


# --- the benchmark ------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.3)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="customers to seed")
    parser.add_argument("--months", type=int, default=6, help="months of history seed_demo makes")
    parser.add_argument("--requests", type=int, default=500, help="measured in-process calls")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration (bounded)")
    parser.add_argument("--threads", type=int, default=8, help="load generator threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded benchmark database")
    parser.add_argument("--skip-load", action="store_true", help="only the in-process latency")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    url, note = api_bench_url(given or DEFAULT_URL)
    print(f"Database: {url} {note}".rstrip())
    print(
        f"Machine: {MACHINE}; targets: p50 < {TARGETS['p50']:g} ms, p99 < {TARGETS['p99']:g} ms "
        f"in process, >= {TARGETS['rate']:g} decisions/s with gunicorn"
    )
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "creditmgmt.settings_test"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.chdir(ROOT)

    import django

    if not args.reuse:
        recreate_database(url)
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from acceptance.models import BureauRecord, Decision
    from accounts.models import Customer
    from creditmgmt.models import ApiClient
    from creditmgmt.services import create_api_client

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not (args.reuse and Customer.objects.exists()):
        started = time.monotonic()
        call_command("seed_demo", customers=args.size, seed=args.seed, months=args.months)
        call_command("seed_bureau")
        print(f"Seed time: {time.monotonic() - started:.0f} s")
    print(
        f"Data: {Customer.objects.count():,} customers, {BureauRecord.objects.count():,} bureau reports, "
        f"{Decision.objects.count():,} decisions so far"
    )

    run = f"B{int(time.time())}"
    _client, key = create_api_client(name=f"bench {run}", scopes=list(ApiClient.Scope.values))
    rng = random.Random(args.seed)
    numbers = list(
        Customer.objects.exclude(status=Customer.Status.CLOSED)
        .order_by("?")
        .values_list("number", flat=True)[:5000]
    )
    http = Client()
    headers = {"Authorization": f"Bearer {key}"}

    sent: list[str] = []

    def decide(reference: str, number: str):
        body = json.dumps(
            {
                "order_reference": reference,
                "customer_number": number,
                "amount": f"{rng.randint(100, 5000)}.00",
                "currency": "EUR",
            }
        )
        sent.append(body)
        return http.post(URL_PATH, data=body, content_type="application/json", headers=headers)

    for index in range(args.warmup):
        decide(f"{run}-warm-{index}", rng.choice(numbers))
    times, cpu, db, queries, statuses, outcomes = [], [], [], [], {}, {}
    load_before = os.getloadavg()[0]
    for index in range(args.requests):
        with CaptureQueriesContext(connection) as ctx:
            begin, begin_cpu = time.perf_counter(), time.process_time()
            response = decide(f"{run}-{index}", rng.choice(numbers))
            elapsed = (time.perf_counter() - begin) * 1000
            cpu.append((time.process_time() - begin_cpu) * 1000)
            db.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 201:
            times.append(elapsed)
            queries.append(len(ctx.captured_queries))
            outcome = response.json()["outcome"]
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    replays = []
    for body in sent[args.warmup : args.warmup + 100]:  # the same request again: the stored decision
        begin = time.perf_counter()
        response = http.post(URL_PATH, data=body, content_type="application/json", headers=headers)
        replays.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, response.content
    times.sort()
    replays.sort()

    print(f"\nIn process: {args.requests} decisions after {args.warmup} warm-up (Django test client)")
    print(f"  statuses {statuses}; outcomes {outcomes}; queries per call {min(queries)}-{max(queries)}")
    p50, p95, p99 = (percentile(times, q) for q in (0.50, 0.95, 0.99))
    print(f"  p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms  max {times[-1]:.1f} ms")
    print(f"  p50 < {TARGETS['p50']:g} ms: {'ok' if p50 < TARGETS['p50'] else 'MISSED'}")
    print(f"  p99 < {TARGETS['p99']:g} ms: {'ok' if p99 < TARGETS['p99'] else 'MISSED'}")
    cpu.sort()
    db.sort()
    print(
        f"  this process's CPU per call p50 {percentile(cpu, 0.5):.1f} ms; time in SQL per call "
        f"p50 {percentile(db, 0.5):.1f} ms (wall clock minus these two is waiting for a core)"
    )
    print(f"  replay of a known order reference: p50 {percentile(replays, 0.5):.1f} ms")
    print(f"  load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")

    if args.skip_load:
        return 0
    connection.close()
    port = free_port()
    numbers_file = ROOT / "var" / f"bench_api_numbers_{run}.txt"
    numbers_file.write_text("\n".join(numbers))
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "creditmgmt.settings_test"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "creditmgmt.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        if not wait_for("127.0.0.1", port, 60):
            print("gunicorn did not start; no throughput figure.")
            return 0
        load_before = os.getloadavg()[0]
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--load",
                "127.0.0.1",
                str(port),
                key,
                str(numbers_file),
                str(args.seconds),
                str(args.threads),
                f"{run}L",
            ],
            capture_output=True,
            text=True,
            timeout=args.seconds + 60,
            env=env,
        )
        if result.returncode != 0:
            print(f"load generator failed: {result.stderr[-2000:]}")
            return 0
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
        numbers_file.unlink(missing_ok=True)
    print(
        f"\nThroughput: gunicorn {args.workers} sync workers, {args.threads} client threads in a second "
        f"process on loopback, {figures['seconds']:.1f} s"
    )
    print(f"  statuses {figures['statuses']}")
    print(
        f"  {figures['rate']:.0f} decisions/s; client-side p50 {figures['p50']:.1f} ms, "
        f"p99 {figures['p99']:.1f} ms"
    )
    print(f"  >= {TARGETS['rate']:g} decisions/s: {'ok' if figures['rate'] >= TARGETS['rate'] else 'MISSED'}")
    print(f"  load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--load":
        raise SystemExit(load_main(sys.argv[2:]))
    raise SystemExit(main())
