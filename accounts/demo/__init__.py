"""Demo data: a deterministic, realistic Dutch B2B credit book.

`seed()` makes the demo users (one per role, one password) and N customers
with contacts, 18 months of invoices, credit notes, payments, allocations,
notes, tasks and the timeline events that tell the story, following a payment
behaviour profile per customer (on time, sometimes late, structurally late,
deteriorating, defaulting, disputing).

A seed goes plan → write, one chunk of customers at a time:

1. plan (`planner`): `Planner` builds unsaved model instances with their
   primary keys already chosen (`base.Ids`, so foreign keys and timeline
   targets are known before anything is written) from `random.Random(seed)`
   and the given `today` only: the same seed, size and day give the same rows.
   Per customer, in this order, each step drawing from that customer's own
   generator:
   - `companies`: profile and status, group, name, address, KvK/VAT numbers,
     credit limit, risk class, and the contacts;
   - `history`: invoices and credit notes, when the profile pays them, the
     payments and allocations; open amounts, statuses, paid dates, days late,
     unallocated payments and the customer's stored totals are computed in
     integer cents, as the services would keep them;
   - `activity`: delivery blocks and status changes, the controller's notes,
     done and open tasks, and finally the timeline events in time order.
   The text comes from `words`, the numbers (VAT, IBAN, postcodes, money)
   from `identifiers`; the rows go into a `base.Batch`.
2. write (`writer`): `write()` stores one batch with `bulk_create` (COPY on
   PostgreSQL), keeping the planned created_at values; nothing goes through
   the per-row services, so a million invoices take minutes, not hours.
   Afterwards `reset_sequences()` moves the sequences past the chosen keys
   and `analyze()` refreshes PostgreSQL's statistics.

`seeding` runs the two for a whole book (`seed`) or one big key account for
the benchmarks (`seed_big_customer`); the tests check the ledger rules on the
stored rows.

Every demo user signs in with DEMO_PASSWORD; `manage.py demo_logins` lists them.
Seeding assumes nobody else writes these tables meanwhile: primary keys are
chosen up front and the sequences are moved past them afterwards.

This package exports what the commands, the tests and the benchmark use.
"""

from accounts.demo.base import (
    CHUNK_CUSTOMERS,
    PROFILE_WEIGHTS,
    PROFILES,
    SEGMENTS,
    Batch,
    Ids,
    make,
)
from accounts.demo.planner import Planner
from accounts.demo.seeding import ATOMIC_UP_TO, SeedResult, seed, seed_big_customer
from accounts.demo.users import CONTROLLERS, DEMO_PASSWORD, DEMO_USERS, MANAGER, SALES, ensure_demo_users
from accounts.demo.writer import (
    BATCH_SIZE,
    analyze,
    content_type_ids,
    copy_rows,
    historical_timestamps,
    reset_sequences,
    write,
)

__all__ = [
    "ATOMIC_UP_TO",
    "BATCH_SIZE",
    "CHUNK_CUSTOMERS",
    "CONTROLLERS",
    "SALES",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "MANAGER",
    "PROFILES",
    "PROFILE_WEIGHTS",
    "SEGMENTS",
    "Batch",
    "Ids",
    "Planner",
    "SeedResult",
    "analyze",
    "content_type_ids",
    "copy_rows",
    "ensure_demo_users",
    "historical_timestamps",
    "make",
    "reset_sequences",
    "seed",
    "seed_big_customer",
    "write",
]
