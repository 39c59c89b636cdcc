"""The matching on a generated statement with known truth: how much it matches, and never wrongly."""

from datetime import date, timedelta

import pytest

from accounts.bank.generator import generate, score_import, seed_book
from accounts.bank.services import import_statement_file
from accounts.bank.writer import camt053
from accounts.models import BankEntry, Customer, KnownIban

pytestmark = pytest.mark.django_db


def test_generated_statement_is_matched_well():
    today = date(2026, 11, 20)
    invoices = seed_book(customers=150, invoices_per_customer=3, issued=today - timedelta(days=40))
    names = dict(Customer.objects.values_list("id", "name"))
    parents = {c: p for c, p in Customer.objects.filter(parent__isnull=False).values_list("id", "parent_id")}
    lines, truth, known = generate(invoices=invoices, names=names, parents=parents, lines=300, booked=today)
    KnownIban.objects.bulk_create(KnownIban(iban=i, customer_id=c) for i, c in known)
    summary = import_statement_file(
        data=camt053(account="NL91ABNA0417164300", lines=lines, statement_id="GEN"), file_name="g.xml", by="t"
    )
    assert summary.entries == len(lines)
    ids = list(BankEntry.objects.order_by("id").values_list("id", flat=True))
    score = score_import(ids, truth)
    assert score.wrong == 0, score.by_kind
    assert score.auto_share >= 0.95, score.by_kind


def test_bulk_path_keeps_the_ledger_consistent():
    """Many confident matches are written set-based: the same truths as the services keep."""
    from decimal import Decimal

    from django.db.models import Sum

    from accounts.models import Allocation, Event, Invoice, Payment

    today = date(2026, 11, 20)
    invoices = seed_book(customers=60, invoices_per_customer=3, issued=today - timedelta(days=40), seed=7)
    names = dict(Customer.objects.values_list("id", "name"))
    lines, truth, known = generate(
        invoices=invoices, names=names, parents={}, lines=120, booked=today, seed=7
    )
    summary = import_statement_file(
        data=camt053(account="NL91ABNA0417164300", lines=lines, statement_id="BULK"),
        file_name="b.xml",
        by="t",
    )
    assert summary.matched >= 100
    for invoice in Invoice.objects.all():
        allocated = invoice.allocations.active().aggregate(s=Sum("amount"))["s"] or Decimal("0")
        assert invoice.open_amount == invoice.amount - allocated, invoice.number
        assert (invoice.status == "paid") == (invoice.open_amount == 0)
        if invoice.status == "paid":
            assert invoice.paid_date == today and invoice.days_late == 10
    for payment in Payment.objects.all():
        allocated = payment.allocations.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        assert payment.unallocated_amount == payment.amount - allocated
    for customer in Customer.objects.all():
        open_total = customer.invoices.filter(status="open").aggregate(s=Sum("open_amount"))["s"] or Decimal(
            "0"
        )
        assert customer.open_amount == open_total
        unallocated = customer.payments.aggregate(s=Sum("unallocated_amount"))["s"] or Decimal("0")
        assert customer.unallocated_amount == unallocated
    assert Event.objects.filter(verb="received").count() == Payment.objects.count()
    assert Event.objects.filter(verb="allocated").count() == Allocation.objects.count()
    assert Event.objects.filter(verb="received").first().actor_label == "automatic matching: b.xml"
    assert truth
