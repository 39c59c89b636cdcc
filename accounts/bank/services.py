"""Writes for bank statements: import a file, match entries, match by hand, reverse.

Keyword-only, `by=` actor, one transaction per unit of work, rows locked before
they are read and written, and every change to a customer's ledger goes
through accounts.services (record_payment, allocate, unallocate), which writes
the timeline.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as ledger
from accounts.bank.base import ParsedStatement, StatementFileError, entry_keys
from accounts.bank.bulk import (
    BULK_FROM,
    Decision,
    apply_decisions,
    insert_rows,
    refresh_customers,
    update_rows,
)
from accounts.bank.csvformat import CsvMapping
from accounts.bank.matching import Candidate, MatchContext, OpenInvoice, confident, score_entry
from accounts.bank.reading import parse_statement_file
from accounts.imports.apply import refresh_balances
from accounts.models import (
    Allocation,
    BankEntry,
    BankStatement,
    Customer,
    Event,
    Invoice,
    KnownIban,
    Payment,
    Task,
)
from accounts.services import Actor, LedgerError
from creditmgmt.models import User

CHUNK = 2000


@dataclass
class ImportSummary:
    file_name: str
    format: str = ""
    statements: int = 0
    entries: int = 0
    duplicates: int = 0
    credits: Decimal = Decimal("0.00")
    debits: Decimal = Decimal("0.00")
    matched: int = 0
    unmatched: int = 0
    outgoing: int = 0
    reversals: int = 0
    warnings: list[str] = field(default_factory=list)
    statement_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            _(
                "%(entries)s new entries (%(duplicates)s already imported): %(matched)s matched, "
                "%(unmatched)s waiting for a person, %(outgoing)s outgoing, %(reversals)s reversals."
            )
            % self.__dict__
        )


def _actor(by: Actor) -> dict:
    if isinstance(by, User):
        return {"imported_by": by, "imported_by_label": ""}
    return {"imported_by": None, "imported_by_label": str(by)[:100]}


def import_statement_file(
    *, data: bytes, file_name: str, by: Actor, csv_mapping: CsvMapping | None = None, match: bool = True
) -> ImportSummary:
    """Import every statement in the file, all or nothing; entries imported before are skipped.

    Raises StatementFileError (nothing imported) when the file cannot be read.
    Matching runs after the import has committed, one entry per transaction.
    """
    started = time.monotonic()
    statements = parse_statement_file(data, csv_mapping=csv_mapping)
    summary = ImportSummary(file_name=file_name, format=", ".join(sorted({s.format for s in statements})))
    sha = hashlib.sha256(data).hexdigest()
    keys = entry_keys(statements)
    new_ids: list[int] = []
    try:
        with transaction.atomic():
            flat = [k for row in keys for k in row]
            existing: set[str] = set()
            for i in range(0, len(flat), CHUNK):
                existing.update(
                    BankEntry.objects.filter(key__in=flat[i : i + CHUNK]).values_list("key", flat=True)
                )
            for statement, row in zip(statements, keys, strict=True):
                summary.warnings.extend(statement.notes)
                fresh = [(e, k) for e, k in zip(statement.entries, row, strict=True) if k not in existing]
                summary.duplicates += len(statement.entries) - len(fresh)
                if not fresh and (statement.entries or _seen_statement(statement)):
                    continue
                record = _create_statement(statement, file_name=file_name, sha=sha, by=by)
                summary.statements += 1
                summary.statement_ids.append(record.pk)
                new_ids.extend(insert_rows(BankEntry, [_entry_row(record, e, k) for e, k in fresh]))
                for entry, _key in fresh:
                    summary.entries += 1
                    if entry.credit:
                        summary.credits += entry.amount
                    else:
                        summary.debits += entry.amount
    except IntegrityError:
        raise StatementFileError(
            _("The same entries were imported at the same moment by someone else; nothing was imported.")
        ) from None
    if match and new_ids:
        # Automatic matches are the system's doing, not the uploader's: the timeline says so.
        counts = match_entries(entry_ids=new_ids, by=_("automatic matching: %(file)s") % {"file": file_name})
        summary.matched, summary.unmatched = counts["matched"], counts["unmatched"]
        summary.outgoing, summary.reversals = counts["outgoing"], counts["reversal"]
    summary.seconds = time.monotonic() - started
    return summary


def _seen_statement(statement: ParsedStatement) -> bool:
    return BankStatement.objects.filter(
        account=statement.account,
        reference=statement.reference,
        closing_date=statement.closing_date,
        closing_balance=statement.closing_balance,
    ).exists()


def _create_statement(statement: ParsedStatement, *, file_name: str, sha: str, by: Actor) -> BankStatement:
    return BankStatement.objects.create(
        format=statement.format,
        account=statement.account[:64],
        currency=statement.currency[:3] or "EUR",
        reference=statement.reference,
        sequence=statement.sequence,
        opening_balance=statement.opening_balance,
        closing_balance=statement.closing_balance,
        opening_date=statement.opening_date,
        closing_date=statement.closing_date,
        file_name=file_name[:200],
        file_sha256=sha,
        line=statement.line,
        warnings=statement.notes,
        **_actor(by),
    )


def _entry_row(statement: BankStatement, entry, key: str) -> dict:
    return {
        "statement_id": statement.pk,
        "key": key,
        "line": entry.line,
        "booking_date": entry.booking_date,
        "value_date": entry.value_date,
        "amount": entry.amount,
        "direction": BankEntry.Direction.CREDIT if entry.credit else BankEntry.Direction.DEBIT,
        "is_reversal": entry.reversal,
        "currency": (entry.currency or statement.currency)[:3],
        "counterparty_name": entry.counterparty_name[:140],
        "counterparty_iban": entry.counterparty_iban.replace(" ", "").upper()[:34],
        "counterparty_bic": entry.counterparty_bic[:11],
        "remittance": entry.remittance,
        "structured_reference": entry.structured_reference[:35],
        "end_to_end_id": entry.end_to_end_id[:64],
        "bank_reference": entry.bank_reference[:64],
        "transaction_code": entry.transaction_code[:32],
        "return_reason": entry.return_reason[:8],
        "batch": entry.batch[:64],
    }


# --- matching ------------------------------------------------------------------------


def load_context() -> MatchContext:
    """The open invoices, known IBANs and customer names, in three queries."""
    invoices = [
        OpenInvoice(id=i, number=n, customer_id=c, open_amount=a, due_date=d, reference=r)
        for i, n, c, a, d, r in Invoice.objects.filter(
            status=Invoice.Status.OPEN, open_amount__gt=0
        ).values_list("id", "number", "customer_id", "open_amount", "due_date", "payment_reference")
    ]
    known: dict[str, set[int]] = {}
    for iban, customer_id in KnownIban.objects.values_list("iban", "customer_id"):
        known.setdefault(iban, set()).add(customer_id)
    customers = {
        cid: (name, parent) for cid, name, parent in Customer.objects.values_list("id", "name", "parent_id")
    }
    return MatchContext(invoices, known_ibans=known, customers=customers)


def match_entries(*, entry_ids: list[int], by: Actor, context: MatchContext | None = None) -> dict[str, int]:
    """Match new entries: allocate the confident ones, queue the rest with suggestions.

    Per chunk: decide every entry in memory first (the context follows each
    decision, so one invoice is not given to two lines), then write the
    confident ones set-based (or one by one when there are few), then the
    queue, then the reversals (which need their originals written).
    """
    ctx = context or load_context()
    counts = {"matched": 0, "unmatched": 0, "outgoing": 0, "reversal": 0}
    # A customer paid in several chunks gets its stored totals recomputed once, at the end.
    stale: set[int] = set()
    try:
        _match_chunks(entry_ids, ctx=ctx, by=by, counts=counts, stale=stale)
    finally:
        refresh_customers(stale)
    return counts


def _match_chunks(
    entry_ids: list[int], *, ctx: MatchContext, by: Actor, counts: dict[str, int], stale: set[int]
) -> None:
    for i in range(0, len(entry_ids), CHUNK):
        entries = BankEntry.objects.filter(pk__in=entry_ids[i : i + CHUNK], status=BankEntry.Status.NEW)
        decisions: list[Decision] = []
        queue: list[tuple[BankEntry, list[Candidate]]] = []
        outgoing: list[int] = []
        reversals: list[BankEntry] = []
        for entry in entries.order_by("booking_date", "id"):
            if entry.direction == BankEntry.Direction.DEBIT:
                (reversals if entry.is_reversal or entry.return_reason else outgoing).append(entry)  # type: ignore[arg-type]
                continue
            candidates = score_entry(
                ctx,
                amount=entry.amount,
                iban=entry.counterparty_iban,
                name=entry.counterparty_name,
                reference=entry.structured_reference,
                text=entry.remittance,
            )
            best = confident(candidates)
            if best is None:
                queue.append((entry, candidates))
                continue
            plan = _plan(entry.amount, best)
            stored = ctx.iban_stored(entry.counterparty_iban, best.customer_id)
            decisions.append(
                Decision(
                    entry=entry,
                    plan=plan,
                    customer_id=best.customer_id,
                    reasons=best.reasons,
                    new_iban=not stored,
                )
            )
            for invoice_id, part in plan:
                ctx.settle(invoice_id, part)
            ctx.learn_iban(entry.counterparty_iban, best.customer_id)
        rejected = decisions
        if len(decisions) >= BULK_FROM:
            rejected = apply_decisions(decisions, by=by, stale=stale)
        counts["matched"] += len(decisions) - len(rejected)
        for decision in rejected:
            try:
                match_entry(entry=decision.entry, allocations=decision.plan, by=by, reasons=decision.reasons)
                counts["matched"] += 1
            except LedgerError as exc:
                queue.append((decision.entry, []))
                decision.entry.explanation = " ".join(exc.messages)
        _queue(queue)
        counts["unmatched"] += len(queue)
        BankEntry.objects.filter(pk__in=[e.pk for e in outgoing]).update(  # type: ignore[attr-defined]
            status=BankEntry.Status.OUTGOING,
            explanation=_("Money going out: refunds and costs are not matched."),
        )
        counts["outgoing"] += len(outgoing)
        if reversals:
            reverse_entries(entries=reversals, by=by)
            counts["reversal"] += len(reversals)


def _plan(amount: Decimal, candidate: Candidate) -> list[tuple[int, Decimal]]:
    """Spend the amount on the candidate's invoices, oldest first; the rest stays on account."""
    plan, left = [], amount
    for invoice in candidate.invoices:
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        plan.append((invoice.id, part))
        left -= part
    return plan


def _queue(queue: list[tuple[BankEntry, list[Candidate]]]) -> None:
    for entry, candidates in queue:
        entry.status = BankEntry.Status.UNMATCHED
        entry.suggestions = [c.as_json() for c in candidates[:3]]
        if candidates:
            entry.explanation = candidates[0].reasons[0][:300]
        elif not entry.explanation:
            entry.explanation = _("No invoice, reference or known payer found.")
    update_rows(BankEntry, [e for e, _c in queue], ["status", "suggestions", "explanation"])


def match_entry(
    *,
    entry: BankEntry,
    allocations: list[tuple[int, Decimal]],
    by: Actor,
    reasons: list[str] | None = None,
    learn: bool = True,
) -> BankEntry:
    """Turn an incoming entry into a payment of the invoices' customer and allocate it.

    `allocations` is (invoice id, amount) per invoice; what is left of the entry
    stays on the payment as a credit for the customer (an overpayment). Two
    people matching the same entry queue on its row lock; the second is told.
    """
    if not allocations:
        raise LedgerError(_("Choose at least one invoice."))
    with transaction.atomic():
        entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status not in (BankEntry.Status.NEW, BankEntry.Status.UNMATCHED):
            raise LedgerError(
                _("This bank entry is already %(status)s.") % {"status": entry.get_status_display().lower()}
            )
        if entry.direction != BankEntry.Direction.CREDIT:
            raise LedgerError(_("Only money coming in can pay invoices."))
        invoices = {
            i.pk: i
            for i in Invoice.objects.select_related("customer").filter(pk__in=[i for i, _a in allocations])
        }
        if len(invoices) != len({i for i, _a in allocations}):
            raise LedgerError(_("One of the invoices does not exist."))
        customers = {i.customer_id for i in invoices.values()}
        if len(customers) != 1:
            raise LedgerError(_("One payment can only pay invoices of one customer."))
        total = sum((Decimal(a) for _i, a in allocations), Decimal("0"))
        if total > entry.amount:
            raise LedgerError(
                _("The allocations (%(total)s) are more than the entry (%(amount)s).")
                % {"total": total, "amount": entry.amount}
            )
        customer = next(iter(invoices.values())).customer
        payment = ledger.record_payment(
            customer=customer,
            amount=entry.amount,
            value_date=entry.value_date,
            currency=entry.currency,
            reference=(entry.structured_reference or entry.remittance)[:140],
            counterparty_name=entry.counterparty_name,
            counterparty_iban=entry.counterparty_iban,
            source=Payment.Source.BANK,
            by=by,
        )
        for invoice_id, amount in allocations:
            ledger.allocate(invoice=invoices[invoice_id], payment=payment, amount=Decimal(amount), by=by)
        entry.status = BankEntry.Status.MATCHED
        entry.customer = customer
        entry.payment = payment
        entry.matched_at = timezone.now()
        entry.matched_by = by if isinstance(by, User) else None
        entry.explanation = "; ".join(reasons or [_("matched by hand")])[:300]
        entry.save(update_fields=["status", "customer", "payment", "matched_at", "matched_by", "explanation"])
        if learn and entry.counterparty_iban:
            learn_iban(iban=entry.counterparty_iban, customer=customer)
    return entry


def learn_iban(*, iban: str, customer: Customer) -> KnownIban:
    known, created = KnownIban.objects.get_or_create(iban=iban, customer=customer)
    if not created:
        KnownIban.objects.filter(pk=known.pk).update(times=known.times + 1)
    return known


def reverse_entry(*, entry: BankEntry, by: Actor) -> BankEntry:
    """A storno or returned direct debit: undo what the original payment settled, reopen, plan a task."""
    reverse_entries(entries=[entry], by=by)
    return BankEntry.objects.get(pk=entry.pk)


def reverse_entries(*, entries: list[BankEntry], by: Actor) -> None:
    """Reversals (storno, returned direct debit), many at once in one transaction.

    Each finds the matched payment it undoes (end-to-end id, else IBAN and
    amount; the latest not already reversed, booked before it), undoes its
    allocations (the invoices reopen), marks the payment reversed, writes the
    timeline and plans a *check payment* task; the same rows and events as
    accounts.services.unallocate and create_task, written set-based. A reversal
    without an original waits for a person (or counts as money going out).
    """
    with transaction.atomic():
        entries = list(
            BankEntry.objects.select_for_update()
            .filter(pk__in=[e.pk for e in entries])
            .order_by("booking_date", "id")
        )
        originals = _originals_of(entries)
        # Customers first, then payments, allocations and invoices: the order the ledger services lock in.
        payment_ids = [o.payment_id for o in originals.values()]
        customer_of = dict(Payment.objects.filter(pk__in=payment_ids).values_list("pk", "customer_id"))
        ledger.lock_customers(customer_of.values())
        payments = {
            p.pk: p
            for p in Payment.objects.select_for_update()
            .filter(pk__in=payment_ids, reversed_at__isnull=True)
            .order_by("pk")
        }
        originals = {e: o for e, o in originals.items() if o.payment_id in payments}
        allocations = list(
            Allocation.objects.active()
            .select_for_update()
            .filter(payment_id__in=list(payments))
            .order_by("pk")
        )
        invoices = {
            i.pk: i
            for i in Invoice.objects.select_for_update()
            .filter(pk__in={a.invoice_id for a in allocations})
            .only("id", "number", "customer_id", "open_amount", "status", "paid_date", "days_late")
            .order_by("pk")
        }
        now, today = timezone.now(), timezone.localdate()
        user = by if isinstance(by, User) else None
        actor = {"actor_id": user.pk if user else None, "actor_label": "" if user else str(by)[:100]}
        invoice_type = ContentType.objects.get_for_model(Invoice).pk
        payment_type = ContentType.objects.get_for_model(Payment).pk
        task_type = ContentType.objects.get_for_model(Task).pk
        events: list[dict] = []
        numbers: dict[int, list[str]] = {}
        undone = _("Allocation of %(amount)s to invoice %(number)s undone")
        for allocation in allocations:
            invoice = invoices[allocation.invoice_id]
            invoice.open_amount += allocation.amount
            invoice.status, invoice.paid_date, invoice.days_late = Invoice.Status.OPEN, None, None
            allocation.reversed_at, allocation.reversed_by_id = now, actor["actor_id"]
            numbers.setdefault(allocation.payment_id, []).append(invoice.number)  # type: ignore[arg-type]
            events.append(
                {
                    "customer_id": invoice.customer_id,
                    "kind": Event.Kind.ALLOCATION,
                    "verb": "unallocated",
                    "summary": undone % {"amount": allocation.amount, "number": invoice.number},
                    "data": {"allocation": allocation.pk},
                    "content_type_id": invoice_type,
                    "object_id": invoice.pk,
                    **actor,
                }
            )
        update_rows(Allocation, allocations, ["reversed_at", "reversed_by"])
        update_rows(Invoice, list(invoices.values()), ["open_amount", "status", "paid_date", "days_late"])
        for payment in payments.values():
            payment.unallocated_amount, payment.reversed_at = Decimal("0.00"), now
        update_rows(Payment, list(payments.values()), ["unallocated_amount", "reversed_at"])
        controllers = dict(
            Customer.objects.filter(pk__in=set(customer_of.values())).values_list("pk", "controller_id")
        )
        title = _("Payment reversed by the bank: check with the customer")
        due = today + timedelta(days=1)
        tasks = []
        for entry in entries:
            original = originals.get(entry.pk)
            if original is None:
                entry.status = (
                    BankEntry.Status.UNMATCHED
                    if entry.direction == BankEntry.Direction.CREDIT
                    else BankEntry.Status.OUTGOING
                )
                entry.explanation = _("A reversal, but no matched payment it reverses was found.")
                continue
            payment = payments[original.payment_id]  # type: ignore[index]
            summary = _(
                "Payment of %(amount)s from %(date)s reversed by the bank (%(reason)s); reopened: %(numbers)s"
            ) % {
                "amount": payment.amount,
                "date": payment.value_date.isoformat(),
                "reason": entry.return_reason or _("storno"),
                "numbers": ", ".join(numbers.get(payment.pk, [])) or "-",
            }
            events.append(
                {
                    "customer_id": payment.customer_id,
                    "kind": Event.Kind.PAYMENT,
                    "verb": "reversed",
                    "summary": summary[:300],
                    "content_type_id": payment_type,
                    "object_id": payment.pk,
                    **actor,
                }
            )
            tasks.append(
                {
                    "customer_id": payment.customer_id,
                    "title": title,
                    "due_date": due,
                    "kind": Task.Kind.PAYMENT,
                    "priority": Task.Priority.HIGH,
                    "assignee_id": controllers.get(payment.customer_id),
                    "created_at": now,
                }
            )
            entry.status = BankEntry.Status.REVERSAL
            entry.reverses_id = original.pk
            entry.customer_id = payment.customer_id
            entry.explanation = summary[:300]
        update_rows(BankEntry, entries, ["status", "reverses", "customer", "explanation"])
        task_ids = insert_rows(Task, tasks)
        for task, task_id in zip(tasks, task_ids, strict=True):
            events.append(
                {
                    "customer_id": task["customer_id"],
                    "kind": Event.Kind.TASK,
                    "verb": "created",
                    "summary": _("Task planned for %(date)s: %(title)s")
                    % {"date": due.isoformat(), "title": title},
                    "content_type_id": task_type,
                    "object_id": task_id,
                    **actor,
                }
            )
        insert_rows(Event, [{**e, "created_at": now} for e in events])
        refresh_balances(set(customer_of.values()))


def _originals_of(entries: list[BankEntry]) -> dict[int, BankEntry]:
    """The matched entry each reversal undoes, found for all of them in one query."""
    wanted = [e for e in entries if e.end_to_end_id or e.counterparty_iban]
    if not wanted:
        return {}
    e2e = {e.end_to_end_id for e in wanted if e.end_to_end_id}
    ibans = {e.counterparty_iban for e in wanted if e.counterparty_iban}
    pool = list(
        BankEntry.objects.select_for_update(of=("self",))
        .filter(
            Q(end_to_end_id__in=e2e) | Q(counterparty_iban__in=ibans),
            status=BankEntry.Status.MATCHED,
            direction=BankEntry.Direction.CREDIT,
            amount__in={e.amount for e in wanted},
            # Not reversed before (a reversal marks its payment); an inner join, unlike reversed_by.
            payment__reversed_at__isnull=True,
        )
        .only("id", "payment_id", "amount", "booking_date", "end_to_end_id", "counterparty_iban")
        .order_by("-booking_date", "-id")
    )
    by_e2e: dict[str, list[BankEntry]] = {}
    by_iban: dict[str, list[BankEntry]] = {}
    for o in pool:  # latest first
        by_e2e.setdefault(o.end_to_end_id, []).append(o)
        by_iban.setdefault(o.counterparty_iban, []).append(o)
    found: dict[int, BankEntry] = {}
    used: set[int] = set()

    def first(rows: list[BankEntry], entry: BankEntry) -> BankEntry | None:
        return next(
            (
                o
                for o in rows
                if o.pk not in used and o.amount == entry.amount and o.booking_date <= entry.booking_date
            ),
            None,
        )

    for entry in wanted:
        original = first(by_e2e.get(entry.end_to_end_id, []), entry) if entry.end_to_end_id else None
        if original is None and entry.counterparty_iban:
            original = first(by_iban.get(entry.counterparty_iban, []), entry)
        if original is not None:
            used.add(original.pk)
            found[entry.pk] = original
    return found
