"""Allocating many confident matches at once, set-based (the daily volume of a big company).

The same rows the ledger services write (Payment, Allocation, invoice open
amounts and status, timeline Events, stored customer totals), in a few bulk
statements per chunk instead of ~20 queries per payment. The invoices are
locked first and every plan is checked against what is open now; a plan that
no longer fits (someone allocated meanwhile) is handed back for the one-by-one
path, which explains the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.imports.apply import refresh_balances
from accounts.models import Allocation, BankEntry, Event, Invoice, KnownIban, Payment
from accounts.services import Actor, actor_fields, lock_customers
from creditmgmt.models import User

# Below this many confident matches in a chunk, the ledger services do the work one by one.
BULK_FROM = 50


@dataclass
class Decision:
    entry: BankEntry
    plan: list[tuple[int, Decimal]]  # (invoice id, amount)
    customer_id: int
    reasons: list[str]


def apply_decisions(decisions: list[Decision], *, by: Actor) -> list[Decision]:
    """Allocate every decision that still fits; return the ones that do not (nothing written for them)."""
    actor = actor_fields(by)
    with transaction.atomic():
        # Customers first, then invoices: the order every ledger service locks in.
        lock_customers(d.customer_id for d in decisions)
        invoice_ids = sorted({i for d in decisions for i, _a in d.plan})
        invoices = {
            inv.pk: inv
            for inv in Invoice.objects.select_for_update()
            .filter(pk__in=invoice_ids)
            .only(
                "id",
                "number",
                "customer_id",
                "currency",
                "amount",
                "open_amount",
                "status",
                "due_date",
                "paid_date",
            )
            .order_by("pk")
        }
        fresh = set(
            BankEntry.objects.select_for_update()
            .filter(pk__in=[d.entry.pk for d in decisions], status=BankEntry.Status.NEW)
            .values_list("pk", flat=True)
        )
        left = {pk: inv.open_amount for pk, inv in invoices.items()}
        accepted, rejected = [], []
        for d in decisions:
            rows = [invoices.get(i) for i, _a in d.plan]
            fits = (
                d.entry.pk in fresh
                and all(
                    r is not None and r.status == Invoice.Status.OPEN and r.currency == d.entry.currency
                    for r in rows
                )
                and all(r.customer_id == d.customer_id for r in rows if r is not None)
                and all(left.get(i, Decimal(0)) >= a > 0 for i, a in d.plan)
                and sum(a for _i, a in d.plan) <= d.entry.amount
            )
            if not fits:
                rejected.append(d)
                continue
            for i, a in d.plan:
                left[i] -= a
            accepted.append(d)
        if not accepted:
            return rejected
        now = timezone.now()
        payments = Payment.objects.bulk_create(
            [
                Payment(
                    customer_id=d.customer_id,
                    value_date=d.entry.value_date,
                    currency=d.entry.currency,
                    amount=d.entry.amount,
                    unallocated_amount=d.entry.amount - sum(a for _i, a in d.plan),
                    source=Payment.Source.BANK,
                    reference=(d.entry.structured_reference or d.entry.remittance)[:140],
                    counterparty_name=d.entry.counterparty_name,
                    counterparty_iban=d.entry.counterparty_iban,
                )
                for d in accepted
            ],
            batch_size=1000,
        )
        if payments and payments[0].pk is None:
            raise RuntimeError("bulk_create did not return ids; use PostgreSQL or SQLite 3.35+")
        allocations = Allocation.objects.bulk_create(
            [
                Allocation(
                    invoice_id=i, payment=payment, amount=a, created_by=by if isinstance(by, User) else None
                )
                for d, payment in zip(accepted, payments, strict=True)
                for i, a in d.plan
            ],
            batch_size=1000,
        )
        paid_on: dict[int, object] = {}
        for d in accepted:
            for i, _a in d.plan:
                paid_on[i] = max(paid_on.get(i, d.entry.value_date), d.entry.value_date)
        touched = []
        for i in paid_on:
            inv = invoices[i]
            inv.open_amount = left[i]
            if inv.open_amount == 0:
                inv.status, inv.paid_date = Invoice.Status.PAID, paid_on[i]
                inv.days_late = (paid_on[i] - inv.due_date).days  # type: ignore[operator]
            touched.append(inv)
        update_rows(Invoice, touched, ["open_amount", "status", "paid_date", "days_late"])
        for d, payment in zip(accepted, payments, strict=True):
            d.entry.status = BankEntry.Status.MATCHED
            d.entry.customer_id = d.customer_id
            d.entry.payment = payment
            d.entry.matched_at = now
            d.entry.explanation = "; ".join(d.reasons)[:300]
        update_rows(
            BankEntry,
            [d.entry for d in accepted],
            ["status", "customer", "payment", "matched_at", "explanation"],
        )
        payment_type = ContentType.objects.get_for_model(Payment)
        invoice_type = ContentType.objects.get_for_model(Invoice)
        events = []
        allocation_iter = iter(allocations)
        for d, payment in zip(accepted, payments, strict=True):
            events.append(
                Event(
                    customer_id=d.customer_id,
                    kind=Event.Kind.PAYMENT,
                    verb="received",
                    summary=_("Payment of %(currency)s %(amount)s received (%(date)s)")
                    % {
                        "currency": payment.currency,
                        "amount": payment.amount,
                        "date": payment.value_date.isoformat(),
                    },
                    content_type=payment_type,
                    object_id=payment.pk,
                    created_at=now,
                    **actor,
                )
            )
            source = _("payment of %(date)s") % {"date": payment.value_date.isoformat()}
            for i, a in d.plan:
                allocation = next(allocation_iter)
                events.append(
                    Event(
                        customer_id=d.customer_id,
                        kind=Event.Kind.ALLOCATION,
                        verb="allocated",
                        summary=_("%(amount)s of the %(source)s allocated to invoice %(number)s")
                        % {"amount": a, "source": source, "number": invoices[i].number},
                        data={"allocation": allocation.pk, "invoice_open": str(invoices[i].open_amount)},
                        content_type=invoice_type,
                        object_id=i,
                        created_at=now,
                        **actor,
                    )
                )
        Event.objects.bulk_create(events, batch_size=1000)
        KnownIban.objects.bulk_create(
            [
                KnownIban(iban=d.entry.counterparty_iban, customer_id=d.customer_id)
                for d in accepted
                if d.entry.counterparty_iban
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        refresh_balances({d.customer_id for d in accepted})
    return rejected


def update_rows(model: type[models.Model], objects: list, names: list[str]) -> None:
    """UPDATE ... WHERE id = %s for many rows through executemany (pipelined on psycopg 3).

    Django's bulk_update builds one CASE per field and row, which costs more
    than the writes themselves at thousands of rows.
    """
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
