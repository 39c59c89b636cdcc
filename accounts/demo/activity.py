"""Planning what the credit controller did: delivery blocks, notes, tasks, and the timeline.

After the ledger, a customer's story gets its people: defaulting and
long-overdue customers are blocked and put on hold or in collection, the
controller's notes follow the profile (promises, unanswered calls, disputes,
payment plans), the calls made about late invoices are done tasks, and today's
worklist holds the open ones. `emit_events` finally turns the events collected
along the way into timeline rows in time order.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext_noop

from accounts.demo.base import (
    DAILY,
    OPEN_TASK_CHANCE,
    PROFILE_NOTES,
    Batch,
    PlannedInvoice,
    PlannerBase,
    make,
)
from accounts.demo.history import Ledger
from accounts.demo.identifiers import eur
from accounts.demo.users import MANAGER
from accounts.demo.words import (
    BLOCK_REASONS,
    DISPUTE_REASONS_EN,
    DISPUTE_REASONS_NL,
    NOTES,
    WEEKDAYS_EN,
    WEEKDAYS_NL,
)
from accounts.models import Customer, Event, Note, Task
from creditmgmt import texts
from creditmgmt.texts import Text


def euros(cents: int) -> dict:
    """A money parameter of a text from the planner's whole cents."""
    return texts.money(Decimal(cents).scaleb(-2).quantize(Decimal("0.01")), "EUR")


class Standing(NamedTuple):
    """A customer's invoices (not credit notes) by how they stand today."""

    regular: list[PlannedInvoice]  # every invoice, credit notes left out
    overdue: list[PlannedInvoice]  # open and past the due date
    late_paid: list[PlannedInvoice]  # paid, but after the due date


class ActivityPlanner(PlannerBase):
    """Status changes and delivery blocks, notes, tasks, and the events as timeline rows."""

    def _status_and_block(
        self, rng, customer: Customer, profile: str, stop: date | None, events
    ) -> date | None:
        """Put defaulting and long-overdue customers on hold or in collection; returns the block day."""
        today = self.today
        controller = customer.controller_id
        ct = self.ct[Customer]
        oldest = customer.oldest_open_due_date
        change = block_day = None
        if profile == "defaulting" and customer.status == Customer.Status.ACTIVE:
            change = rng.choice((Customer.Status.IN_COLLECTION, Customer.Status.ON_HOLD))
            block_day = (stop or today) + timedelta(days=rng.randint(45, 75))
        elif (
            profile in ("deteriorating", "structurally_late")
            and customer.status == Customer.Status.ACTIVE
            and oldest is not None
            and oldest < today - timedelta(days=60)
            and rng.random() < 0.5
        ):
            change = Customer.Status.ON_HOLD
            block_day = oldest + timedelta(days=rng.randint(60, 75))
        if change is not None:
            block_day = min(today, self.business_day(min(today, block_day)))
            reason = rng.choice(BLOCK_REASONS)
            customer.delivery_blocked = True
            customer.delivery_block_reason = reason
            customer.status = change
            at = self.at(block_day, 11 * 60 + rng.randint(0, 300))
            self.event(
                events,
                at,
                Event.Kind.CUSTOMER,
                "delivery_blocked",
                Text(self.t["blocked"], reason=reason),
                ct,
                customer.id,
                actor=controller,
            )
            if change == Customer.Status.IN_COLLECTION:
                at = self.at(min(today, block_day + timedelta(days=rng.randint(14, 40))), 14 * 60)
            self.event(
                events,
                at + timedelta(seconds=30),
                Event.Kind.CUSTOMER,
                "updated",
                Text(self.t["changed"], fields="status"),
                ct,
                customer.id,
                actor=controller,
                data={"changes": {"status": ["active", str(change)]}},
            )
        if customer.status == Customer.Status.CLOSED:
            last = max(e[0] for e in events)
            at = min(last + timedelta(days=rng.randint(20, 60)), self.at(today, 6 * 60))
            self.event(
                events,
                at,
                Event.Kind.CUSTOMER,
                "updated",
                Text(self.t["changed"], fields="status"),
                ct,
                customer.id,
                actor=controller,
                data={"changes": {"status": ["active", "closed"]}},
            )
        return block_day

    def _notes_and_tasks(
        self, rng, customer, profile, ledger: Ledger, contacts, block_day, batch, events
    ) -> None:
        """The controller's notes on this customer and the tasks about it, done and open."""
        today = self.today
        regular = [inv for inv in ledger.invoices if inv.amount > 0]
        overdue = [inv for inv in regular if inv.open > 0 and inv.due < today]
        late_paid = [inv for inv in regular if inv.open == 0 and max(a[0] for a in inv.allocations) > inv.due]
        standing = Standing(regular, overdue, late_paid)
        self._notes(rng, customer, profile, ledger, standing, contacts[0], block_day, batch, events)
        self._tasks(rng, customer, profile, standing, batch, events)

    def _notes(self, rng, customer, profile, ledger, standing, contact, block_day, batch, events) -> None:
        """Notes on disputes and credit notes, the profile's usual notes, the block and the agency."""
        today = self.today
        controller = customer.controller_id
        first_day = customer.created_at.date()
        lang = "en" if customer.language in ("en", "de") or rng.random() < 0.1 else "nl"
        weekdays = WEEKDAYS_EN if lang == "en" else WEEKDAYS_NL
        reasons = DISPUTE_REASONS_EN if lang == "en" else DISPUTE_REASONS_NL
        regular, overdue, late_paid = standing
        credit_notes = ledger.credit_notes
        open_total = sum(inv.open for inv in ledger.invoices)

        def add_note(day: date, kind: str, inv: PlannedInvoice | None = None, **extra) -> None:
            day = max(first_day, min(day, today))
            promised = day + timedelta(days=rng.randint(1, 4))
            values = {
                "weekday": weekdays[promised.weekday()],
                "contact": contact.name,
                "email": contact.email,
                "invoice": inv.number if inv else "",
                "amount": eur(inv.open if inv and inv.open > 0 else max(open_total, 10_000)),
                "n": rng.choice((3, 4, 6)),
                "year": day.year - 1,
                "reason": rng.choice(reasons),
                **extra,
            }
            if kind == "plan":
                values["amount"] = eur(max(open_total // values["n"], 10_000))
            text = rng.choice(NOTES[lang][kind]).format(**values)
            at = self.at(day, 9 * 60 + rng.randint(0, 480))
            nid = self.ids.take(Note)
            batch.notes.append(
                make(Note, id=nid, customer_id=customer.id, author_id=controller, text=text, created_at=at)
            )
            self.event(events, at, Event.Kind.NOTE, "added", text[:300], self.ct[Note], nid, actor=controller)

        # Dispute notes on the disputed invoices, and the credit notes that settled some.
        for inv in regular:
            if inv.disputed:
                add_note(inv.due + timedelta(days=rng.randint(3, 20)), "dispute", inv)
        for cn, target in credit_notes:
            if target is not None and target.disputed:
                add_note(cn.issue, "credit", target, credit_note=cn.number)

        (low, high), kinds = PROFILE_NOTES[profile]
        if customer.status != Customer.Status.CLOSED:
            pool = overdue + late_paid or regular
            for _n in range(rng.randint(low, high)):
                kind = rng.choice(kinds)
                inv = rng.choice(pool) if pool else None
                if kind == "review" or inv is None:
                    day = today - timedelta(days=rng.randint(20, 250))
                else:
                    day = inv.due + timedelta(days=rng.randint(5, 25))
                add_note(day, kind, inv)
        if block_day is not None:
            add_note(block_day, "block")
        if customer.status == Customer.Status.IN_COLLECTION:
            add_note(today - timedelta(days=rng.randint(0, 20)), "agency")

    def _tasks(self, rng, customer, profile, standing: Standing, batch, events) -> None:
        """The calls made about late invoices (done), and today's worklist (open)."""
        today = self.today
        controller = customer.controller_id
        _regular, overdue, late_paid = standing
        overdue_total = sum(inv.open for inv in overdue)

        # Done tasks in the past: the calls a controller made about late invoices.
        Out = Task.Outcome
        if profile != "on_time" and late_paid:
            for inv in rng.sample(late_paid, min(len(late_paid), rng.randint(0, 3))):
                due = self.business_day(inv.due + timedelta(days=rng.randint(7, 14)))
                if due < today:
                    outcome = rng.choice((Out.PROMISED, Out.PROMISED, Out.NOT_REACHED, Out.REACHED, Out.PAID))
                    self._task(
                        rng,
                        customer,
                        batch,
                        events,
                        Task.Kind.CALL,
                        Text(gettext_noop("Call about overdue invoice %(number)s"), number=inv.number),
                        due,
                        controller,
                        Task.Priority.NORMAL,
                        inv.id,
                        done=outcome,
                    )

        # Open tasks: today's worklist.
        P, K = Task.Priority, Task.Kind
        if overdue and rng.random() < OPEN_TASK_CHANCE[profile]:
            worst = min(overdue, key=lambda i: i.due)
            days_over = (today - worst.due).days
            disputed = [inv for inv in overdue if inv.disputed]
            if disputed:
                kind, invoice_id, priority = K.DISPUTE, disputed[0].id, rng.choice((P.HIGH, P.NORMAL))
                title = Text(
                    gettext_noop("Look into the dispute on invoice %(number)s with sales"),
                    number=disputed[0].number,
                )
            else:
                kind, invoice_id = K.CALL, worst.id
                title = Text(
                    gettext_noop("Call about overdue invoices (%(amount)s, %(days)s days late)"),
                    amount=euros(overdue_total),
                    days=days_over,
                )
                if profile == "defaulting" or days_over > 90:
                    priority = P.URGENT
                elif days_over > 45 or profile == "deteriorating":
                    priority = P.HIGH
                else:
                    priority = rng.choice((P.NORMAL, P.NORMAL, P.LOW))
            self._task(
                rng,
                customer,
                batch,
                events,
                kind,
                title,
                self._task_due(rng),
                controller,
                priority,
                invoice_id,
            )
            if profile in ("structurally_late", "deteriorating") and rng.random() < 0.3:
                self._task(
                    rng,
                    customer,
                    batch,
                    events,
                    K.FOLLOW_UP,
                    Text(gettext_noop("Check the promise to pay")),
                    self._task_due(rng),
                    controller,
                    P.NORMAL,
                    None,
                )
        if customer.unallocated_amount > 0 and rng.random() < 0.6:
            title = Text(
                gettext_noop("Look into the unallocated payment of %(amount)s"),
                amount=texts.money(customer.unallocated_amount, "EUR"),
            )
            self._task(
                rng, customer, batch, events, K.PAYMENT, title, self._task_due(rng), controller, P.LOW, None
            )
        if customer.segment == Customer.Segment.KEY_ACCOUNT and rng.random() < 0.3:
            review_on = today + timedelta(days=rng.randint(0, 30))
            self._task(
                rng,
                customer,
                batch,
                events,
                K.REVIEW,
                # As the nightly limit review words it (acceptance.limits).
                Text(gettext_noop("Review the credit limit (review date %(date)s)"), date=review_on),
                review_on,
                controller,
                P.LOW,
                None,
            )
        if customer.status == Customer.Status.ACTIVE and rng.random() < 0.02:
            new_limit = max(int(customer.credit_limit) * 2, 5000)
            title = Text(
                gettext_noop("Approve a credit limit increase to %(amount)s"),
                amount=texts.money(new_limit, "EUR", whole=True),
            )
            self._task(
                rng,
                customer,
                batch,
                events,
                K.APPROVAL,
                title,
                self._task_due(rng),
                self.staff[MANAGER],
                P.HIGH,
                None,
            )

    def _task_due(self, rng: random.Random) -> date:
        roll = rng.random()
        if roll < 0.3:
            return self.today - timedelta(days=rng.randint(1, 10))  # overdue
        if roll < 0.6:
            return self.today
        return self.today + timedelta(days=rng.randint(1, 14))

    def _task(
        self, rng, customer, batch, events, kind, title, due, assignee, priority, invoice_id, done: str = ""
    ) -> None:
        tid = self.ids.take(Task)
        created = max(due - timedelta(days=rng.randint(0, 7)), customer.created_at.date())
        created_at = self.at(min(created, self.today), 6 * 60 + rng.randint(0, 60))
        by_system = kind in (Task.Kind.CALL, Task.Kind.PAYMENT, Task.Kind.REVIEW)
        task = make(
            Task,
            id=tid,
            customer_id=customer.id,
            invoice_id=invoice_id,
            kind=kind,
            **texts.stored("title", title, 200),  # shown in the reader's language, as the services' tasks
            assignee_id=assignee,
            due_date=due,
            priority=priority,
            status=Task.Status.OPEN,
            created_at=created_at,
        )
        summary = Text(self.t["task"], date=due, title=title)
        self.event(
            events,
            created_at,
            Event.Kind.TASK,
            "created",
            summary,
            self.ct[Task],
            tid,
            actor=None if by_system else assignee,
            label=DAILY if by_system else "",
        )
        if done:
            task.status = Task.Status.DONE
            task.outcome = done
            task.completed_by_id = assignee
            task.completed_at = max(created_at, self.at(due, 10 * 60 + rng.randint(0, 360)))
            summary = Text(self.t["task_done"], title=title, outcome=Task.Outcome(done))
            self.event(
                events,
                task.completed_at,
                Event.Kind.TASK,
                "completed",
                summary,
                self.ct[Task],
                tid,
                actor=assignee,
            )
        batch.tasks.append(task)

    def emit_events(self, events: list[tuple], customer_id: int, batch: Batch) -> None:
        """The customer's events in time order, so ids and timestamps agree."""
        events.sort(key=lambda e: e[0])
        take = self.ids.take
        for at, kind, verb, summary, data, actor_id, label, ct_id, object_id in events:
            batch.events.append(
                make(
                    Event,
                    id=take(Event),
                    customer_id=customer_id,
                    kind=kind,
                    verb=verb,
                    **texts.stored("summary", summary, 300),
                    data=data,
                    actor_id=actor_id,
                    actor_label=label,
                    content_type_id=ct_id,
                    object_id=object_id,
                    created_at=at,
                )
            )
