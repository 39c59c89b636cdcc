"""Spread independent parts of a daily step over a few forked processes (PostgreSQL).

Building messages and e-mails is Python work, one core at a time; the parts
(chunks of customers, batches of the outbox) are independent transactions
that already lock what they touch, so forked workers may run them side by
side. `DUNNING_PROCESSES` (default 1: everything in this process) sets how many
processes work at once. Inside a transaction (the dry run, the tests) or on
SQLite everything runs here, in order.

Each child opens its own database connection (the parent's are closed before
forking, never shared), returns its result as JSON through a pipe and exits
without running any cleanup of the parent's. A failing child makes the whole
call fail after every process finished, like a failing chunk would.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, connections

logger = logging.getLogger(__name__)


class WorkerFailed(RuntimeError):
    pass


def processes() -> int:
    return max(1, int(getattr(settings, "DUNNING_PROCESSES", 1) or 1))


def can_fork() -> bool:
    return (
        processes() > 1
        and hasattr(os, "fork")
        and connection.vendor == "postgresql"
        and not any(c.in_atomic_block for c in connections.all(initialized_only=True))
    )


def run_parts(func: Callable[[Any], Any], parts: Sequence[Any]) -> list[Any]:
    """func(part) for every part, in up to `processes()` processes; results in the parts' order.

    Results must be JSON-serialisable.
    """
    if len(parts) <= 1 or not can_fork():
        return [func(part) for part in parts]
    workers = min(processes(), len(parts))
    # Part i goes to worker i % workers; this process is worker 0.
    shares = [list(range(w, len(parts), workers)) for w in range(workers)]
    connections.close_all()
    children = []
    for share in shares[1:]:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: run its share, report, and leave without the parent's cleanup
            os.close(read)
            code = 0
            try:
                payload = {"results": {str(i): func(parts[i]) for i in share}}
            except BaseException:  # noqa: BLE001 (reported to the parent)
                payload, code = {"error": traceback.format_exc()}, 1
            try:
                connections.close_all()
                with os.fdopen(write, "w") as out:
                    json.dump(payload, out, default=str)
            finally:
                os._exit(code)
        os.close(write)
        children.append((pid, read))
    results: dict[int, Any] = {}
    error = None
    try:
        for i in shares[0]:
            results[i] = func(parts[i])
    except BaseException as exc:  # noqa: BLE001 (wait for the children first)
        error = exc
    failures = []
    for pid, read in children:
        with os.fdopen(read) as stream:
            text = stream.read()
        os.waitpid(pid, 0)
        try:
            payload = json.loads(text)
        except ValueError:
            payload = {"error": f"worker {pid} ended without a result"}
        if "error" in payload:
            failures.append(payload["error"])
        else:
            results.update({int(i): value for i, value in payload["results"].items()})
    if error is not None:
        raise error
    if failures:
        logger.error("daily worker failed: %s", failures[0])
        raise WorkerFailed(failures[0].strip().splitlines()[-1])
    return [results[i] for i in range(len(parts))]
