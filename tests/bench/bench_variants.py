"""Benchmark: choosing a customer's template variant, the work the daily run adds per message.

    .venv/bin/python tests/bench/bench_variants.py [--customers 100000]

No database: an index of current templates like the run's (three steps' texts, e-mail and letter,
Dutch and English, two variants each), then step_template-like lookups for every customer. Prints
the time per lookup, the split between the variants, and the load average around it (shared machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditmgmt.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from dunning.compose import TemplateIndex, find_template, variant_seed  # noqa: E402
from dunning.models import Template  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    keys = ["medium-reminder-1", "medium-reminder-2", "medium-final"]
    index = TemplateIndex(
        Template(key=k, channel=ch, language=lang, variant=v, body=v)
        for k in keys
        for ch in ("email", "letter")
        for lang in ("nl", "en")
        for v in "AB"
    )
    print(f"load average before: {os.getloadavg()}")
    wall, cpu = time.perf_counter(), time.process_time()
    picks = Counter()
    for customer_id in range(1, args.customers + 1):
        key = keys[customer_id % 3]
        template = find_template(index, key, "email", "nl", seed=variant_seed(customer_id, key))
        picks[template.variant] += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"load average after:  {os.getloadavg()}")
    n = args.customers
    print(f"{n:,} lookups: {wall:.2f} s wall, {cpu:.2f} s CPU, {1e6 * wall / n:.1f} µs each")
    print("split: " + ", ".join(f"{v} {100 * c / n:.1f}%" for v, c in sorted(picks.items())))


if __name__ == "__main__":
    main()
