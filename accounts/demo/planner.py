"""The planner: one customer at a time, from its own generator, in a fixed order of steps."""

from __future__ import annotations

import random
from collections.abc import Iterator

from accounts.demo.activity import ActivityPlanner
from accounts.demo.base import CHUNK_CUSTOMERS, ERP, SEGMENTS, STANDARD_WINDOW_DAYS, Batch
from accounts.demo.companies import CompanyPlanner
from accounts.demo.history import HistoryPlanner
from accounts.models import Customer, Event
from creditmgmt.texts import Text


class Planner(CompanyPlanner, HistoryPlanner, ActivityPlanner):
    """Builds the rows for N customers, deterministic for a seed and a day.

    Each customer draws from its own `random.Random(f"{seed}/{index}")`, so a
    customer does not change when the chunk size does; the few choices that
    span customers (group structures) come from one master generator.

    The steps draw from that generator in the order of `plan_customer`; any
    change to the order (or to what a step draws) makes a different book.
    """

    def batches(self, count: int, *, chunk: int = CHUNK_CUSTOMERS) -> Iterator[Batch]:
        batch = Batch()
        for index in range(count):
            self.plan_customer(index, batch)
            if len(batch.customers) >= chunk:
                yield batch
                batch = Batch()
        if batch.customers:
            yield batch

    def plan_customer(self, index: int, batch: Batch, **overrides) -> Customer:
        """Plan customer number `index` into `batch`; overrides: profile, status, segment, name, invoices.

        A customer with overrides is never part of a group.
        """
        rng = random.Random(f"{self.seed}/{index}")
        planned = self._customer(index, rng, overrides)  # companies
        customer, profile = planned.row, planned.profile
        batch.customers.append(customer)
        batch.profiles[customer.id] = profile
        events: list[tuple] = []
        self.event(
            events,
            customer.created_at,
            Event.Kind.CUSTOMER,
            "created",
            Text(self.t["created"], name=customer.name),
            self.ct[Customer],
            customer.id,
            label=ERP,
        )

        contacts = self._contacts(rng, customer, planned.phone_prefix, batch)  # companies
        if customer.status != Customer.Status.PROSPECT:
            _weight, per_window, median, _limits, _terms = SEGMENTS[customer.segment]
            since = max(planned.since, self.start)
            invoice_count = overrides.get("invoices")
            if invoice_count is None:
                active_days = max((planned.until - since).days, 1)
                factor = active_days / STANDARD_WINDOW_DAYS * rng.lognormvariate(0, 0.5)
                invoice_count = max(1, round(per_window * factor))
                if planned.holding:
                    invoice_count = max(1, invoice_count // 4)  # a holding buys little itself
            # history, then activity
            ledger = self._ledger(
                rng, customer, profile, since, planned.until, invoice_count, median, batch, events
            )
            block_day = self._status_and_block(rng, customer, profile, ledger.stop, events)
            self._notes_and_tasks(rng, customer, profile, ledger, contacts, block_day, batch, events)
        self.emit_events(events, customer.id, batch)  # activity
        return customer
