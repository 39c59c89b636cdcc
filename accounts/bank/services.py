"""Writes for bank statements: import a file, match entries, match by hand, reverse, book as outgoing.

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
from django.utils.translation import gettext_noop

from accounts import services as ledger
from accounts.bank.base import ParsedStatement, StatementFileError, entry_keys
from accounts.bank.bulk import (
    Decision,
    because,
    existing_keys,
    insert_rows,
    lock_customer_rows,
    refresh_customers,
    update_rows,
    write_matches,
)
from accounts.bank.csvformat import CsvMapping
from accounts.bank.matching import Candidate, MatchContext, OpenInvoice, confident, score_entry
from accounts.bank.reading import parse_statement_file
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
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.templatetags.money import money
from creditmgmt.texts import Text

# What matching sets on an entry.
EXPLANATION_FIELDS = ["explanation", "explanation_msgid", "explanation_params"]
MATCH_FIELDS = ["status", "customer", "payment", "matched_at", *EXPLANATION_FIELDS, "suggestions"]


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
    """Import and match every statement in the file, all or nothing; entries imported before are skipped.

    Raises StatementFileError (nothing imported) when the file cannot be read. The
    matching is decided in memory before anything is written, so each entry goes in
    once, already matched, queued or marked outgoing (see match_rows).
    """
    started = time.monotonic()
    statements = parse_statement_file(data, csv_mapping=csv_mapping)
    summary = ImportSummary(file_name=file_name, format=", ".join(sorted({s.format for s in statements})))
    sha = hashlib.sha256(data).hexdigest()
    keys = entry_keys(statements)
    try:
        with transaction.atomic():
            existing = existing_keys([k for row in keys for k in row])
            rows: list[dict] = []
            for statement, row in zip(statements, keys, strict=True):
                summary.warnings.extend(statement.notes)
                fresh = [(e, k) for e, k in zip(statement.entries, row, strict=True) if k not in existing]
                summary.duplicates += len(statement.entries) - len(fresh)
                if not fresh and (statement.entries or _seen_statement(statement)):
                    continue
                record = _create_statement(statement, file_name=file_name, sha=sha, by=by)
                summary.statements += 1
                summary.statement_ids.append(record.pk)
                rows.extend(_entry_row(record, e, k) for e, k in fresh)
                for entry, _key in fresh:
                    summary.entries += 1
                    if entry.credit:
                        summary.credits += entry.amount
                    else:
                        summary.debits += entry.amount
            if match and rows:
                # Automatic matches are the system's doing, not the uploader's: the timeline says so.
                counts = match_rows(rows, by=_("automatic matching: %(file)s") % {"file": file_name})
                summary.matched, summary.unmatched = counts["matched"], counts["unmatched"]
                summary.outgoing, summary.reversals = counts["outgoing"], counts["reversal"]
            else:
                insert_rows(BankEntry, rows)
    except IntegrityError:
        raise StatementFileError(
            _("The same entries were imported at the same moment by someone else; nothing was imported.")
        ) from None
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
        "status": BankEntry.Status.NEW.value,
    }


# --- matching ------------------------------------------------------------------------


def load_context() -> MatchContext:
    """The open invoices, known IBANs and customer names, in three queries."""
    invoices = [
        OpenInvoice(id=i, number=n, customer_id=c, open_amount=a, due_date=d, reference=r, currency=cur)
        for i, n, c, a, d, r, cur in Invoice.objects.filter(
            status=Invoice.Status.OPEN, open_amount__gt=0
        ).values_list(
            "id", "number", "customer_id", "open_amount", "due_date", "payment_reference", "currency"
        )
    ]
    known: dict[str, set[int]] = {}
    for iban, customer_id in KnownIban.objects.values_list("iban", "customer_id"):
        known.setdefault(iban, set()).add(customer_id)
    customers = {
        cid: (name, parent) for cid, name, parent in Customer.objects.values_list("id", "name", "parent_id")
    }
    return MatchContext(invoices, known_ibans=known, customers=customers)


def match_rows(
    rows: list[dict], *, by: Actor, context: MatchContext | None = None, stored: bool = False
) -> dict[str, int]:
    """Decide every new entry in memory, then write it all set-based; the entries go in last, once.

    `rows` are bank entries not yet in the database ({attname: value}, in file order),
    all in the caller's transaction. In booking-date order each incoming one is scored
    against the open invoices (the context follows each decision, so one invoice is not
    given to two lines); the confident ones become payments with allocations
    (bulk.write_matches), the rest wait with their best suggestions, money going out
    is marked. Reversals are undone after the entries are in, since the payment one
    undoes may be in the same file. `stored`: the rows are in the database already (locked, status
    NEW): they are updated instead.
    """
    ctx = context or load_context()
    counts = {"matched": 0, "unmatched": 0, "outgoing": 0, "reversal": 0}
    decisions: list[Decision] = []
    reversals: list[dict] = []
    opening: dict[int, Decimal] = {}  # each planned invoice's open amount before this file
    gone_out = texts.stored(
        "explanation", Text(gettext_noop("Money going out: refunds and costs are not matched.")), 300
    )
    debit, outgoing = BankEntry.Direction.DEBIT.value, BankEntry.Status.OUTGOING.value
    other_currency = Text(gettext_noop("The invoices are in another currency than the payment."))
    for row in sorted(rows, key=lambda r: r["booking_date"]):  # stable: file order within a day
        if row["direction"] == debit:
            if row["is_reversal"] or row["return_reason"]:
                reversals.append(row)
            else:
                row["status"] = outgoing
                row.update(gone_out)
                counts["outgoing"] += 1
            continue
        iban = row["counterparty_iban"]
        candidates = score_entry(
            ctx,
            amount=row["amount"],
            iban=iban,
            name=row["counterparty_name"],
            reference=row["structured_reference"],
            text=row["remittance"],
        )
        best = confident(candidates)
        if best is None or any(i.currency != row["currency"] for i in best.invoices):
            _wait(row, candidates, why=other_currency if best else None)
            continue
        plan = _plan(row["amount"], best)
        if not plan:  # an entry of 0.00 pays nothing
            _wait(row, candidates)
            continue
        numbers = {i.id: i.number for i in best.invoices}
        decisions.append(
            Decision(
                row=row,
                plan=plan,
                customer_id=best.customer_id,
                reasons=best.reasons,
                candidates=candidates,
                numbers=[numbers[i] for i, _part in plan],
                new_iban=not ctx.iban_stored(iban, best.customer_id),
            )
        )
        for invoice_id, part in plan:
            opening.setdefault(invoice_id, ctx.by_id[invoice_id].open_amount)
            ctx.settle(invoice_id, part)
        ctx.learn_iban(iban, best.customer_id)
    # Customers first (the order every ledger service locks in), all in one statement: those
    # paid now and those whose payments the reversals may undo.
    lock_customer_rows({d.customer_id for d in decisions} | _reversed_customers(reversals))
    stale: set[int] = set()
    due = {i: ctx.by_id[i].due_date for i in opening}
    rejected = write_matches(decisions, opening=opening, due=due, by=by, stale=stale)
    changed = Text(
        gettext_noop("An invoice of this match changed while the file was imported: match it by hand.")
    )
    for decision in rejected:
        _wait(decision.row, decision.candidates, why=changed)
    counts["matched"] = len(decisions) - len(rejected)
    counts["unmatched"] = sum(1 for r in rows if r["status"] == BankEntry.Status.UNMATCHED)
    if stored:
        update_rows(BankEntry, [BankEntry(**r) for r in rows], MATCH_FIELDS)
    else:
        for row, pk in zip(rows, insert_rows(BankEntry, rows), strict=True):
            row["id"] = pk
    if reversals:
        entries = [BankEntry(**r) for r in reversals]
        _undo_payments(entries, by=by, stale=stale)
        update_rows(BankEntry, entries, ["status", "reverses", "customer", *EXPLANATION_FIELDS])
        # Those whose payment was found are undone; the others wait for a person like any unmatched entry.
        counts["reversal"] = sum(1 for e in entries if e.status == BankEntry.Status.REVERSAL)
        counts["unmatched"] += len(entries) - counts["reversal"]
    refresh_customers(stale)
    return counts


def match_entries(*, entry_ids: list[int], by: Actor, context: MatchContext | None = None) -> dict[str, int]:
    """Match entries imported earlier without matching (`import_statement --no-match`)."""
    with transaction.atomic():
        entries = list(
            BankEntry.objects.select_for_update()
            .filter(pk__in=entry_ids, status=BankEntry.Status.NEW)
            .order_by("pk")
        )
        rows = [{f.attname: getattr(e, f.attname) for f in BankEntry._meta.concrete_fields} for e in entries]
        return match_rows(rows, by=by, context=context, stored=True)


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


def _wait(row: dict, candidates: list[Candidate], *, why: Text | None = None) -> None:
    """The entry waits for a person, with its best three suggestions and why."""
    row["status"] = BankEntry.Status.UNMATCHED.value
    row["suggestions"] = [c.as_json() for c in candidates[:3]]
    if why is None:
        why = (
            candidates[0].reasons[0]
            if candidates
            else Text(gettext_noop("No invoice, reference or known payer found."))
        )
    row.update(texts.stored("explanation", why, 300))


def match_entry(
    *,
    entry: BankEntry,
    allocations: list[tuple[int, Decimal]],
    by: Actor,
    reasons: list[Text] | None = None,
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
        _explain(entry, because(reasons or [Text(gettext_noop("matched by hand"))]))
        entry.save(
            update_fields=["status", "customer", "payment", "matched_at", "matched_by", *EXPLANATION_FIELDS]
        )
        if learn and entry.counterparty_iban:
            learn_iban(iban=entry.counterparty_iban, customer=customer)
    return entry


def learn_iban(*, iban: str, customer: Customer) -> KnownIban:
    known, created = KnownIban.objects.get_or_create(iban=iban, customer=customer)
    if not created:
        KnownIban.objects.filter(pk=known.pk).update(times=known.times + 1)
    return known


def reverse_entry(*, entry: BankEntry, payment: Payment, by: Actor) -> BankEntry:
    """A person says which payment a waiting reversal (storno, returned direct debit) takes back: undo it.

    The import undoes the reversals whose original it finds itself (match_rows); the
    rest wait in the queue. Like the import, the payment's allocations are undone (the
    invoices reopen), the payment is marked reversed, the timeline says so, a *check
    payment* task is planned and the customer's totals are refreshed. The second of
    two clicks finds the entry handled and is told so.
    """
    with transaction.atomic():
        entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.direction != BankEntry.Direction.DEBIT:
            raise LedgerError(_("Only money going out can take a payment back."))
        if entry.status != BankEntry.Status.UNMATCHED:
            raise LedgerError(
                _("This bank entry was already handled (%(status)s).")
                % {"status": entry.get_status_display().lower()}
            )
        customer_id = Payment.objects.values_list("customer_id", flat=True).get(pk=payment.pk)
        lock_customer_rows([customer_id] if customer_id else [])
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.reversed_at is not None:
            raise LedgerError(_("This payment was already reversed."))
        if payment.customer_id is None:
            raise LedgerError(_("This payment belongs to no customer."))
        if (payment.amount, payment.currency) != (entry.amount, entry.currency):
            raise LedgerError(
                _("A reversal takes back a whole payment: this one is %(entry)s, the payment %(payment)s.")
                % {
                    "entry": money(entry.amount, entry.currency),
                    "payment": money(payment.amount, payment.currency),
                }
            )
        stale: set[int] = set()
        _undo_payments([entry], by=by, stale=stale, chosen={entry.pk: payment.pk})
        entry.matched_at = timezone.now()
        entry.matched_by = by if isinstance(by, User) else None
        entry.save(
            update_fields=["status", "reverses", "customer", "matched_at", "matched_by", *EXPLANATION_FIELDS]
        )
        refresh_customers(stale)
    return entry


# A person's note on an entry they settle by hand: short, it goes into the explanation (300 characters).
NOTE_LENGTH = 200


def book_outgoing(*, entry: BankEntry, by: Actor, note: str = "") -> BankEntry:
    """A person says a waiting debit entry takes no customer payment back: it is money going out.

    For the reversals the queue holds that are not a customer's (a supplier's refund that came
    back, a bank fee): the entry becomes OUTGOING like any other money going out, and its
    explanation says who decided so and why (`note`, optional). No customer's ledger changes.
    The second of two clicks finds the entry handled and is told so.
    """
    note = " ".join(note.split())
    if len(note) > NOTE_LENGTH:
        raise LedgerError(
            _("Keep the note to %(limit)s characters; it has %(length)s.")
            % {"limit": NOTE_LENGTH, "length": len(note)}
        )
    with transaction.atomic():
        entry = BankEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != BankEntry.Status.UNMATCHED:
            raise LedgerError(
                _("This bank entry was already handled (%(status)s).")
                % {"status": entry.get_status_display().lower()}
            )
        if entry.direction != BankEntry.Direction.DEBIT:
            raise LedgerError(_("Only money going out can be booked as money going out."))
        entry.status = BankEntry.Status.OUTGOING
        entry.matched_at = timezone.now()
        entry.matched_by = by if isinstance(by, User) else None
        decided = Text(gettext_noop("booked as money going out by %(person)s"), person=str(by))
        _explain(entry, because([decided, note] if note else [decided]))
        entry.save(update_fields=["status", "matched_at", "matched_by", *EXPLANATION_FIELDS])
    return entry


def _reversed_customers(rows: list[dict]) -> set[int]:
    """The customers whose earlier matched payments these reversals may undo (to lock them first)."""
    e2e = {r["end_to_end_id"] for r in rows if r["end_to_end_id"]}
    ibans = {r["counterparty_iban"] for r in rows if r["counterparty_iban"]}
    if not e2e and not ibans:
        return set()
    return set(
        BankEntry.objects.filter(
            Q(end_to_end_id__in=e2e) | Q(counterparty_iban__in=ibans),
            status=BankEntry.Status.MATCHED,
            direction=BankEntry.Direction.CREDIT,
            payment__reversed_at__isnull=True,
        ).values_list("customer_id", flat=True)
    )


def _undo_payments(
    entries: list[BankEntry], *, by: Actor, stale: set[int], chosen: dict[int, int] | None = None
) -> None:
    """Undo what each reversal's original payment settled; sets the entries' fields (not saved).

    Each finds the matched payment it undoes (end-to-end id, else IBAN and
    amount; the latest not already reversed, booked before it), undoes its
    allocations (the invoices reopen), marks the payment reversed, writes the
    timeline and plans a *check payment* task; the same rows and events as
    accounts.services.unallocate and create_task, written set-based. A reversal
    without an original waits for a person (UNMATCHED, in the queue: reverse_entry).
    The customers' ids go into `stale` for the caller to refresh their totals.
    `chosen`: entry id -> the payment a person said it reverses (reverse_entry), instead of the search.
    """
    # Per reversal: the payment it undoes and the matched entry that brought that payment in, if any.
    originals: dict[int, tuple[int, int | None]]
    if chosen is None:
        originals = {e: (o.payment_id, o.pk) for e, o in _originals_of(entries).items()}
    else:
        brought_in = dict(
            BankEntry.objects.filter(payment_id__in=chosen.values()).values_list("payment_id", "pk")
        )
        originals = {e: (p, brought_in.get(p)) for e, p in chosen.items()}
    # Customers first, then payments, allocations and invoices: the order the ledger services lock in.
    payment_ids = [p for p, _o in originals.values()]
    customer_of = dict(Payment.objects.filter(pk__in=payment_ids).values_list("pk", "customer_id"))
    lock_customer_rows(customer_of.values())
    payments = {
        p.pk: p
        for p in Payment.objects.select_for_update()
        .filter(pk__in=payment_ids, reversed_at__isnull=True)
        .order_by("pk")
    }
    originals = {e: o for e, o in originals.items() if o[0] in payments}
    allocations = list(
        Allocation.objects.active().select_for_update().filter(payment_id__in=list(payments)).order_by("pk")
    )
    invoices = {
        i.pk: i
        for i in Invoice.objects.select_for_update()
        .filter(pk__in={a.invoice_id for a in allocations})
        .only("id", "number", "customer_id", "open_amount", "currency", "status", "paid_date", "days_late")
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
    undone = gettext_noop("Allocation of %(amount)s to invoice %(number)s undone")
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
                **texts.stored(
                    "summary",
                    Text(
                        undone, amount=texts.money(allocation.amount, invoice.currency), number=invoice.number
                    ),
                    300,
                ),
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
    title = Text(gettext_noop("Payment reversed by the bank: check with the customer"))
    due = today + timedelta(days=1)
    tasks = []
    for entry in entries:
        original = originals.get(entry.pk)
        if original is None:
            # Waits in the queue: a person says which payment it takes back (reverse_entry).
            entry.status = BankEntry.Status.UNMATCHED
            _explain(entry, Text(gettext_noop("A reversal, but no matched payment it reverses was found.")))
            continue
        payment_id, original_entry_id = original
        payment = payments[payment_id]
        summary = Text(
            gettext_noop(
                "Payment of %(amount)s from %(date)s reversed by the bank (%(reason)s); reopened: %(numbers)s"
            ),
            amount=texts.money(payment.amount, payment.currency),
            date=payment.value_date,
            reason=entry.return_reason or Text(gettext_noop("storno")),
            numbers=", ".join(numbers.get(payment.pk, [])) or "-",
        )
        events.append(
            {
                "customer_id": payment.customer_id,
                "kind": Event.Kind.PAYMENT,
                "verb": "reversed",
                **texts.stored("summary", summary, 300),
                "content_type_id": payment_type,
                "object_id": payment.pk,
                **actor,
            }
        )
        tasks.append(
            {
                "customer_id": payment.customer_id,
                **texts.stored("title", title, 200),
                "due_date": due,
                "kind": Task.Kind.PAYMENT,
                "priority": Task.Priority.HIGH,
                "assignee_id": controllers.get(payment.customer_id),
                "created_at": now,
            }
        )
        entry.status = BankEntry.Status.REVERSAL
        entry.reverses_id = original_entry_id
        entry.customer_id = payment.customer_id
        _explain(entry, summary)
    task_ids = insert_rows(Task, tasks)
    for task, task_id in zip(tasks, task_ids, strict=True):
        events.append(
            {
                "customer_id": task["customer_id"],
                "kind": Event.Kind.TASK,
                "verb": "created",
                **texts.stored(
                    "summary",
                    Text(gettext_noop("Task planned for %(date)s: %(title)s"), date=due, title=title),
                    300,
                ),
                "content_type_id": task_type,
                "object_id": task_id,
                **actor,
            }
        )
    insert_rows(Event, [{**e, "created_at": now} for e in events])
    stale.update(customer_of.values())


def _explain(entry: BankEntry, why: Text) -> None:
    for name, value in texts.stored("explanation", why, 300).items():
        setattr(entry, name, value)


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
