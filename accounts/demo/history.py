"""Planning the ledger: invoices, credit notes, payments and allocations per behaviour profile.

The profile decides when each invoice is paid (`_delay`); payments follow the
customer's habits (one transfer per invoice, or a Thursday payment run for
several at once), a few are paid in two parts, too much or twice. The open
amounts, statuses, paid dates and days late, and the customer's stored totals,
are worked out here in integer cents from the allocations, as the services
would have kept them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import NamedTuple

from accounts.bank.references import reference_for_invoice
from accounts.demo.base import BANK, ERP, MATCHING, Batch, PlannedInvoice, PlannerBase, make
from accounts.demo.identifiers import cents, make_iban
from accounts.demo.words import DESCRIPTIONS, MONTHS_NL
from accounts.models import Allocation, Customer, Event, Invoice, Payment
from creditmgmt import texts
from creditmgmt.texts import Text

Settles = list[tuple[PlannedInvoice, int]]  # what one payment pays: [(invoice, cents)]
CreditNotes = list[tuple[PlannedInvoice, PlannedInvoice | None]]  # (credit note, invoice it settles)


class Ledger(NamedTuple):
    """A customer's invoices and the payments planned for them."""

    invoices: list[PlannedInvoice]  # invoices and credit notes (negative amounts)
    credit_notes: CreditNotes  # those without an invoice wait for the controller to allocate them
    singles: list[tuple[date, PlannedInvoice, int]]  # payments for one invoice: (day, invoice, cents)
    runs: dict[date, Settles]  # payment run day -> what that run pays
    stop: date | None  # defaulting: the day the money stopped


class HistoryPlanner(PlannerBase):
    """Invoices, credit notes, payments and allocations, with their timeline events."""

    def _delay(self, rng: random.Random, profile: str, issue: date) -> int:
        """Days after the due date the customer pays this invoice (negative: early)."""
        f = (issue - self.start).days / self.window
        r = rng.random()
        if profile == "on_time":
            return -rng.randint(0, 10) if r < 0.88 else rng.randint(1, 6)
        if profile == "sometimes_late":
            return rng.randint(-6, 2) if r < 0.65 else rng.randint(5, 45)
        if profile == "structurally_late":
            return max(8, min(110, int(rng.gauss(38, 14))))
        if profile == "deteriorating":
            if f < 0.55:
                return rng.randint(-5, 6)
            return int(8 + (f - 0.55) / 0.45 * rng.uniform(40, 150))
        if profile == "defaulting":
            return rng.randint(5, 45)
        return rng.randint(-4, 4) if r < 0.7 else rng.randint(5, 30)  # disputing: else an ordinary payer

    def _ledger(self, rng, customer, profile, since, until, count, median, batch, events) -> Ledger:
        """`count` invoices between `since` and `until`, paid as the profile pays, into `batch`.

        Also sets the customer's stored totals (open, oldest open due date, unallocated).
        """
        ledger = self._invoices(rng, customer, profile, since, until, count, median)
        self._settle_credit_notes(ledger.credit_notes, batch, events)
        self._payments(rng, customer, ledger.singles, ledger.runs, batch, events)
        self._post_invoices(rng, customer, ledger.invoices, batch, events)
        return ledger

    def _invoices(self, rng, customer, profile, since, until, count, median) -> Ledger:
        """The invoices and credit notes, and when and how each will be paid; nothing allocated yet."""
        today = self.today
        ids = self.ids
        terms = timedelta(days=customer.payment_terms_days)
        reverse_charge = customer.country != "NL"  # intra-EU B2B: no Dutch VAT
        big_payer = customer.segment in (Customer.Segment.KEY_ACCOUNT, Customer.Segment.GOVERNMENT)
        payment_run = big_payer or rng.random() < 0.15  # pays on Thursdays, several invoices at once
        purchase_orders = big_payer
        stop = None  # defaulting: the day the money stopped
        if profile == "defaulting":
            stop = today - timedelta(days=rng.randint(80, 220))
            until = min(until, stop + timedelta(days=rng.randint(30, 70)))
        span = max((until - since).days, 1)
        days = [rng.randint(0, span) for _ in range(count)]
        if stop is not None:  # the orders that were never paid
            low = min(max(0, (stop - since).days - 40), span)
            days.extend(rng.randint(low, span) for _ in range(rng.randint(2, 5)))
        days.sort()

        invoices: list[PlannedInvoice] = []
        credit_notes: CreditNotes = []
        singles: list[tuple[date, PlannedInvoice, int]] = []
        runs: dict[date, Settles] = {}
        for offset in days:
            issue = min(self.business_day(since + timedelta(days=offset)), until)
            net = int(median * rng.lognormvariate(0, 0.85))
            after_stop = stop is not None and issue > stop
            if after_stop:
                net = int(net * rng.uniform(1.2, 2.5))  # the last orders before a default are the big ones
            vat = 0 if reverse_charge else round(net * 0.21)
            gross = net + vat
            if not 15_000 <= gross <= 2_500_000:  # EUR 150 to 25,000
                gross = max(15_000, min(2_500_000, gross))
                vat = 0 if reverse_charge else round(gross * 21 / 121)
            iid = ids.take(Invoice)
            if purchase_orders:
                order_reference = f"PO-{rng.randint(4_500_000_000, 4_599_999_999)}"
            else:
                order_reference = str(rng.randint(10_000, 99_999)) if rng.random() < 0.3 else ""
            period = f"{MONTHS_NL[issue.month - 1]} {issue.year}"
            inv = PlannedInvoice(
                id=iid,
                number=f"F{iid:08d}",
                issue=issue,
                due=issue + terms,
                amount=gross,
                vat=vat,
                description=rng.choice(DESCRIPTIONS).format(period=period, project=rng.randint(100, 999)),
                order_reference=order_reference,
            )
            invoices.append(inv)
            remaining = gross
            ready = issue  # money for this invoice comes after this day

            # Credit notes: price corrections and returns; most are allocated at once.
            if rng.random() < 0.03 and issue + timedelta(days=30) <= today:
                cn_day = self.business_day(issue + timedelta(days=rng.randint(3, 25)))
                share = rng.choice((0.05, 0.1, 0.15, 0.25, 0.5, 1.0))
                cn = self._credit_note(cn_day, max(1000, int(gross * share)) if share < 1 else gross, inv)
                invoices.append(cn)
                if rng.random() < 0.8 or customer.status == Customer.Status.CLOSED:
                    credit_notes.append((cn, inv))
                    remaining += cn.amount
                    ready = cn_day
                else:
                    credit_notes.append((cn, None))  # waits for the controller to allocate it
            if remaining <= 0:
                continue

            # Disputes: the invoice stays open; some old ones end with a credit note and payment.
            if profile == "disputing" and rng.random() < 0.22 and issue < today - timedelta(days=30):
                inv.disputed = True
                if issue < today - timedelta(days=150) and rng.random() < 0.6 and remaining == gross:
                    cn_day = self.business_day(inv.due + timedelta(days=rng.randint(20, 70)))
                    cn = self._credit_note(cn_day, max(1000, int(gross * rng.choice((0.1, 0.2, 0.3)))), inv)
                    invoices.append(cn)
                    credit_notes.append((cn, inv))
                    remaining += cn.amount
                    pay_day = self.business_day(cn_day + timedelta(days=rng.randint(3, 20)))
                    if pay_day <= today:
                        singles.append((pay_day, inv, remaining))
                continue

            pay_day = inv.due + timedelta(days=self._delay(rng, profile, issue))
            if pay_day <= ready:
                pay_day = ready + timedelta(days=rng.randint(1, 5))
            pay_day = self.business_day(pay_day)
            if stop is not None and (pay_day > stop or after_stop):
                continue  # never paid
            if payment_run and rng.random() < 0.9:
                pay_day += timedelta(days=(3 - pay_day.weekday()) % 7)
            if pay_day > today:
                continue  # not paid yet
            if remaining > 50_000 and rng.random() < 0.04:  # paid in two parts
                first = int(remaining * rng.uniform(0.3, 0.7))
                singles.append((pay_day, inv, first))
                second_day = self.business_day(pay_day + timedelta(days=rng.randint(10, 45)))
                if second_day <= today:
                    singles.append((second_day, inv, remaining - first))
            elif payment_run:
                runs.setdefault(pay_day, []).append((inv, remaining))
            else:
                singles.append((pay_day, inv, remaining))
        return Ledger(invoices, credit_notes, singles, runs, stop)

    def _settle_credit_notes(self, credit_notes: CreditNotes, batch: Batch, events: list) -> None:
        """Credit notes settle their invoice on the day they are posted (before any payment)."""
        ids = self.ids
        t = self.t
        ct_invoice = self.ct[Invoice]
        for cn, target in credit_notes:
            if target is None:
                continue
            alloc_id = ids.take(Allocation)
            target.allocations.append((cn.issue, -cn.amount, alloc_id))
            cn.allocations.append((cn.issue, cn.amount, alloc_id))  # the credit note is used up
            at = self.at(cn.issue, 10 * 60 + 5)
            batch.allocations.append(
                make(
                    Allocation,
                    id=alloc_id,
                    invoice_id=target.id,
                    credit_note_id=cn.id,
                    amount=cents(-cn.amount),
                    created_at=at,
                )
            )
            summary = Text(
                t["credit_allocated"],
                amount=texts.money(cents(-cn.amount), "EUR"),
                credit_note=cn.number,
                number=target.number,
            )
            data = {"allocation": alloc_id, "invoice_open": str(cents(target.amount + cn.amount))}
            self.event(
                events,
                at,
                Event.Kind.ALLOCATION,
                "allocated",
                summary,
                ct_invoice,
                target.id,
                label=MATCHING,
                data=data,
            )

    def _payments(self, rng, customer: Customer, singles, runs, batch: Batch, events: list) -> None:
        """Payments, each with its allocations; a few overpaid or paid twice (kept unallocated)."""
        cid = customer.id
        ids = self.ids
        t = self.t
        ct_invoice, ct_payment = self.ct[Invoice], self.ct[Payment]
        iban = make_iban(rng, customer.country)
        payments = [(day, [(inv, amount)]) for day, inv, amount in singles]
        payments.extend(runs.items())
        payments.sort(key=lambda p: (p[0], p[1][0][0].id))
        unallocated_total = 0
        twice: list[tuple[date, Settles]] = []
        for day, settles, extra in self._with_extras(rng, payments, twice):
            total = sum(amount for _inv, amount in settles)
            pid = ids.take(Payment)
            at = self.at(day, 6 * 60 + rng.randint(0, 90))
            number = settles[0][0].number
            if len(settles) > 1:
                reference = f"Betaalrun {day.isoformat()} {len(settles)} facturen"
            else:
                reference = rng.choice((number, f"Factuur {number}", f"{number} {customer.name}"[:140]))
            allocated = 0 if extra is None else total
            amount = total + (extra or 0)
            unallocated_total += amount - allocated
            batch.payments.append(
                make(
                    Payment,
                    id=pid,
                    customer_id=cid,
                    value_date=day,
                    currency="EUR",
                    amount=cents(amount),
                    unallocated_amount=cents(amount - allocated),
                    source=Payment.Source.BANK,
                    reference=reference,
                    counterparty_name=customer.name[:140],
                    counterparty_iban=iban,
                    created_at=at,
                )
            )
            summary = Text(t["received"], amount=texts.money(cents(amount), "EUR"), date=day)
            self.event(events, at, Event.Kind.PAYMENT, "received", summary, ct_payment, pid, label=BANK)
            if extra is None:
                continue  # the second payment of an invoice paid twice stays unallocated
            for n, (inv, part) in enumerate(settles, 1):
                alloc_id = ids.take(Allocation)
                inv.allocations.append((day, part, alloc_id))
                alloc_at = at + timedelta(minutes=n)
                batch.allocations.append(
                    make(
                        Allocation,
                        id=alloc_id,
                        invoice_id=inv.id,
                        payment_id=pid,
                        amount=cents(part),
                        created_at=alloc_at,
                    )
                )
                summary = Text(
                    t["allocated"], amount=texts.money(cents(part), "EUR"), date=day, number=inv.number
                )
                data = {"allocation": alloc_id, "invoice_open": str(cents(inv.open))}
                self.event(
                    events,
                    alloc_at,
                    Event.Kind.ALLOCATION,
                    "allocated",
                    summary,
                    ct_invoice,
                    inv.id,
                    label=MATCHING,
                    data=data,
                )
        customer.unallocated_amount = cents(unallocated_total)

    def _post_invoices(self, rng, customer: Customer, invoices, batch: Batch, events: list) -> None:
        """The invoices in their final state, and the customer's open amount and oldest due date."""
        cid = customer.id
        t = self.t
        ct_invoice = self.ct[Invoice]
        open_total = 0
        oldest_due = None
        for inv in invoices:
            open_cents = inv.open
            if open_cents == 0:
                paid = max(a[0] for a in inv.allocations)
                status, paid_date, days_late = Invoice.Status.PAID, paid, (paid - inv.due).days
            else:
                status, paid_date, days_late = Invoice.Status.OPEN, None, None
                open_total += open_cents
                if open_cents > 0 and (oldest_due is None or inv.due < oldest_due):
                    oldest_due = inv.due
            at = self.at(inv.issue, 7 * 60 + rng.randint(0, 120))
            batch.invoices.append(
                make(
                    Invoice,
                    id=inv.id,
                    customer_id=cid,
                    number=inv.number,
                    issue_date=inv.issue,
                    due_date=inv.due,
                    currency="EUR",
                    amount=cents(inv.amount),
                    vat_amount=cents(inv.vat),
                    open_amount=cents(open_cents),
                    status=status,
                    description=inv.description,
                    order_reference=inv.order_reference,
                    # The reference seed_todays_statement would give it later (a second pass
                    # over every invoice: most of the seed's time and memory at 80,000 customers).
                    payment_reference=(
                        reference_for_invoice(inv.id, country=customer.country) if inv.amount > 0 else ""
                    ),
                    paid_date=paid_date,
                    days_late=days_late,
                    created_at=at,
                )
            )
            summary = Text(
                t["credit_posted"] if inv.amount < 0 else t["posted"],
                number=inv.number,
                amount=texts.money(cents(inv.amount), "EUR"),
                due=inv.due,
            )
            self.event(events, at, Event.Kind.INVOICE, "posted", summary, ct_invoice, inv.id, label=ERP)
        customer.open_amount = cents(open_total)
        customer.oldest_open_due_date = oldest_due

    def _with_extras(self, rng, payments, twice) -> Iterator[tuple[date, list, int | None]]:
        """Each payment with what was paid too much; None marks a payment made a second time."""
        for day, settles in payments:
            roll = rng.random()
            if roll < 0.015:
                yield day, settles, rng.randint(100, 5000)  # a little too much: a fee added twice
                continue
            yield day, settles, 0
            if roll < 0.02:  # paid twice: the second payment waits for a refund
                again = self.business_day(day + timedelta(days=rng.randint(1, 12)))
                if again <= self.today:
                    twice.append((again, settles))
        for day, settles in twice:
            yield day, settles, None

    def _credit_note(self, day: date, amount: int, inv: PlannedInvoice) -> PlannedInvoice:
        cn_id = self.ids.take(Invoice)
        return PlannedInvoice(
            id=cn_id,
            number=f"C{cn_id:08d}",
            issue=day,
            due=day,
            amount=-amount,
            vat=-round(inv.vat * amount / inv.amount),
            description=f"Creditnota op factuur {inv.number}",
            order_reference=inv.order_reference,
        )
