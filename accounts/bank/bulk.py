"""Allocating many confident matches at once, set-based (the daily volume of a big company).

The same rows the ledger services write (Payment, Allocation, invoice open
amounts and status, timeline Events, stored customer totals), in a few bulk
statements per chunk instead of ~20 queries per payment. The invoices are
locked first and every plan is checked against what is open now; a plan that
no longer fits (someone allocated meanwhile) is handed back for the one-by-one
path, which explains the problem.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.imports.apply import refresh_balances
from accounts.models import Allocation, BankEntry, Event, Invoice, KnownIban, Payment
from accounts.services import Actor, lock_customers
from creditmgmt.models import User

# Below this many confident matches in a chunk, the ledger services do the work one by one.
BULK_FROM = 50


@dataclass
class Decision:
    entry: BankEntry
    plan: list[tuple[int, Decimal]]  # (invoice id, amount)
    customer_id: int
    reasons: list[str]
    new_iban: bool = True  # the payer's IBAN is not yet known for this customer: learn it


def apply_decisions(decisions: list[Decision], *, by: Actor, stale: set[int] | None = None) -> list[Decision]:
    """Allocate every decision that still fits; return the ones that do not (nothing written for them).

    The customers' stored totals are refreshed here, or, when `stale` is given, their ids are
    added to it for the caller to refresh once at the end of a run (see refresh_customers).
    """
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
                "days_late",
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
        user_id = by.pk if isinstance(by, User) else None
        payment_ids = insert_rows(
            Payment,
            [
                {
                    "customer_id": d.customer_id,
                    "value_date": d.entry.value_date,
                    "currency": d.entry.currency,
                    "amount": d.entry.amount,
                    "unallocated_amount": d.entry.amount - sum(a for _i, a in d.plan),
                    "source": Payment.Source.BANK,
                    "reference": (d.entry.structured_reference or d.entry.remittance)[:140],
                    "counterparty_name": d.entry.counterparty_name,
                    "counterparty_iban": d.entry.counterparty_iban,
                    "created_at": now,
                }
                for d in accepted
            ],
        )
        allocation_ids = insert_rows(
            Allocation,
            [
                {
                    "invoice_id": i,
                    "payment_id": payment_id,
                    "amount": a,
                    "created_by_id": user_id,
                    "created_at": now,
                }
                for d, payment_id in zip(accepted, payment_ids, strict=True)
                for i, a in d.plan
            ],
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
        for d, payment_id in zip(accepted, payment_ids, strict=True):
            d.entry.status = BankEntry.Status.MATCHED
            d.entry.customer_id = d.customer_id
            d.entry.payment_id = payment_id
            d.entry.matched_at = now
            d.entry.explanation = "; ".join(d.reasons)[:300]
        update_rows(
            BankEntry,
            [d.entry for d in accepted],
            ["status", "customer", "payment", "matched_at", "explanation"],
        )
        payment_type = ContentType.objects.get_for_model(Payment).pk
        invoice_type = ContentType.objects.get_for_model(Invoice).pk
        actor = {"actor_id": user_id, "actor_label": "" if user_id else str(by)[:100], "created_at": now}
        events = []
        allocation_iter = iter(allocation_ids)
        # Translated once per chunk, not per row.
        received, payment_of = (
            _("Payment of %(currency)s %(amount)s received (%(date)s)"),
            _("payment of %(date)s"),
        )
        allocated = _("%(amount)s of the %(source)s allocated to invoice %(number)s")
        for d, payment_id in zip(accepted, payment_ids, strict=True):
            value_date = d.entry.value_date.isoformat()
            events.append(
                {
                    "customer_id": d.customer_id,
                    "kind": Event.Kind.PAYMENT,
                    "verb": "received",
                    "summary": received
                    % {"currency": d.entry.currency, "amount": d.entry.amount, "date": value_date},
                    "content_type_id": payment_type,
                    "object_id": payment_id,
                    **actor,
                }
            )
            source = payment_of % {"date": value_date}
            for i, a in d.plan:
                events.append(
                    {
                        "customer_id": d.customer_id,
                        "kind": Event.Kind.ALLOCATION,
                        "verb": "allocated",
                        "summary": allocated % {"amount": a, "source": source, "number": invoices[i].number},
                        "data": {
                            "allocation": next(allocation_iter),
                            "invoice_open": str(invoices[i].open_amount),
                        },
                        "content_type_id": invoice_type,
                        "object_id": i,
                        **actor,
                    }
                )
        insert_rows(Event, events)
        KnownIban.objects.bulk_create(
            [
                KnownIban(iban=d.entry.counterparty_iban, customer_id=d.customer_id)
                for d in accepted
                if d.entry.counterparty_iban and d.new_iban
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        if stale is None:
            refresh_balances({d.customer_id for d in accepted})
        else:
            stale.update(d.customer_id for d in accepted)
    return rejected


def refresh_customers(customer_ids: set[int], *, chunk: int = 2000) -> None:
    """Recompute the stored totals of many customers, locked in id order, a chunk per transaction."""
    ids = sorted(customer_ids)
    for i in range(0, len(ids), chunk):
        with transaction.atomic():
            lock_customers(ids[i : i + chunk])
            refresh_balances(ids[i : i + chunk])


def insert_rows(model: type[models.Model], rows: list[dict]) -> list[int]:
    """INSERT many rows given as {attname: value}; their ids, in order.

    Fields left out get their defaults (auto_now_add: now). On PostgreSQL the ids
    are drawn from the table's sequence in one query and the rows go in with one
    COPY (psycopg 3), several times cheaper than bulk_create, which builds model
    instances and a parameter list per row; elsewhere bulk_create.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
        return [obj.pk for obj in made]
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.generated and f is not pk]
    now = timezone.now()
    defaults = {
        f.attname: now
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        else f.get_default()
        for f in fields
    }
    names = [f.attname for f in fields]
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        ids = sorted(r[0] for r in cursor.fetchall())
        columns = ", ".join(quote(c) for c in [pk.column, *(f.column for f in fields)])
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
            for pk_value, row in zip(ids, rows, strict=True):
                values = [pk_value] + [_plain(row.get(n, defaults[n])) for n in names]
                for i in json_at:
                    values[i + 1] = json.dumps(values[i + 1])
                out.write_row(values)
    return ids


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def update_rows(model: type[models.Model], objects: list, names: list[str]) -> None:
    """Write `names` of many rows (objects with those attributes and a pk) in one statement.

    PostgreSQL: UPDATE ... FROM unnest(one array per column), one round trip.
    Elsewhere an UPDATE ... WHERE id = %s through executemany. Django's
    bulk_update builds one CASE per field and row, which costs more than the
    writes themselves at thousands of rows.
    """
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in names]
    if isinstance(objects[0], models.Model) and (
        missing := objects[0].get_deferred_fields() & {f.attname for f in fields}
    ):
        # Reading them would cost one query per row: load them with the rows.
        raise ValueError(f"update_rows: {sorted(missing)} not loaded on {model.__name__}")
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk
    if connection.vendor == "postgresql":
        columns = [pk, *fields]
        arrays = [[obj.pk for obj in objects]]
        for f in fields:
            values = [getattr(obj, f.attname) for obj in objects]
            if isinstance(f, models.JSONField):
                values = [json.dumps(v) for v in values]
            arrays.append([_plain(v) for v in values])
        casts = ", ".join(f"%s::{_array_type(f)}[]" for f in columns)
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        assignments = ", ".join(f"{quote(f.column)} = v.c{i + 1}" for i, f in enumerate(fields))
        sql = (
            f"UPDATE {table} SET {assignments} FROM unnest({casts}) AS v({aliases}) "
            f"WHERE {table}.{quote(pk.column)} = v.c0"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, arrays)
        return
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _array_type(field: models.Field) -> str:
    if field.is_relation:
        field = field.target_field
    kind = field.db_type(connection) or "text"
    # Identity columns: "bigint" (the type without GENERATED ...); varchar(n) and numeric(p, s) as they are.
    return kind.split(" GENERATED")[0].split(" CHECK")[0]
