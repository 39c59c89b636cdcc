"""Today's bank statement for the demo book: most payments matched, a few waiting in the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Q

from accounts.bank.generator import generate
from accounts.bank.matching import OpenInvoice
from accounts.bank.references import reference_for_invoice
from accounts.bank.services import import_statement_file
from accounts.bank.writer import camt053
from accounts.models import Customer, Invoice, KnownIban, Payment

COMPANY_IBAN = "NL91ABNA0417164300"


def seed_todays_statement(
    *, today: date, lines: int = 40, seed: int = 2026, log: Callable[[str], None] = print
):
    """Give invoices their references, learn the IBANs of earlier payments, import today's statement."""
    # The seed gives its invoices their references; this catches older books, a chunk at a time.
    missing = (
        Invoice.objects.filter(payment_reference="", amount__gt=0)
        .select_related("customer")
        .only("id", "customer__country")
        .order_by("pk")
    )
    last = 0
    while chunk := list(missing.filter(pk__gt=last)[:2000]):
        last = chunk[-1].pk
        for invoice in chunk:
            invoice.payment_reference = reference_for_invoice(invoice.pk, country=invoice.customer.country)
        Invoice.objects.bulk_update(chunk, ["payment_reference"])
    pairs = set(
        Payment.objects.exclude(Q(counterparty_iban="") | Q(customer=None)).values_list(
            "counterparty_iban", "customer_id"
        )
    )
    KnownIban.objects.bulk_create(
        [KnownIban(iban=i, customer_id=c) for i, c in pairs], ignore_conflicts=True, batch_size=2000
    )
    open_invoices = [
        OpenInvoice(id=i, number=n, customer_id=c, open_amount=a, due_date=d, reference=r)
        for i, n, c, a, d, r in Invoice.objects.filter(status=Invoice.Status.OPEN, open_amount__gt=0)
        .order_by("due_date", "id")
        .values_list("id", "number", "customer_id", "open_amount", "due_date", "payment_reference")[:2000]
    ]
    if not open_invoices:
        return None
    names = dict(Customer.objects.values_list("id", "name"))
    parents = dict(Customer.objects.filter(parent__isnull=False).values_list("id", "parent_id"))
    statement, _truth, known = generate(
        invoices=open_invoices, names=names, parents=parents, lines=lines, booked=today, seed=seed
    )
    KnownIban.objects.bulk_create([KnownIban(iban=i, customer_id=c) for i, c in known], ignore_conflicts=True)
    data = camt053(account=COMPANY_IBAN, lines=statement, statement_id=f"DEMO-{today:%Y%m%d}")
    summary = import_statement_file(data=data, file_name=f"camt053-{today:%Y%m%d}.xml", by="demo: bank")
    log(f"Bank statement of {today}: {summary}")
    return summary
