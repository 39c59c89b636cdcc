"""Background jobs of the ledger. Safe to run twice; set-based, not per row."""

from datetime import date

from django.db import connection
from django.db.models import Min, Q, Sum
from django.utils.translation import gettext_noop

from accounts.models import Customer, Event, Invoice, Payment
from accounts.services import record_event
from creditmgmt.models import User
from creditmgmt.texts import Text


def _execute(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refresh_all_balances() -> int:
    """Repair every customer's stored totals, writing only the rows that are wrong.

    The services keep the totals right as they go; this catches what bulk loads
    or direct database work left behind. One pass over the open invoices and one
    over the payments, grouped by customer (UPDATE ... FROM, PostgreSQL and
    SQLite 3.33+), instead of a correlated subquery per customer, and no write
    for a customer whose totals are already right. Customers without documents
    are found with NOT EXISTS (an anti-join on the customer index), never NOT IN
    over a subquery: PostgreSQL cannot hash that once it outgrows work_mem and
    rescans it per customer (quadratic: 12-23 s at 80,000 customers). Returns
    the rows changed.
    """
    table = connection.ops.quote_name(Customer._meta.db_table)
    invoice = connection.ops.quote_name(Invoice._meta.db_table)
    payment = connection.ops.quote_name(Payment._meta.db_table)
    invoices = (
        Invoice.objects.filter(status=Invoice.Status.OPEN)
        .order_by()
        .values("customer_id")
        .annotate(open=Sum("open_amount"), oldest=Min("due_date", filter=Q(open_amount__gt=0)))
    )
    payments = (
        Payment.objects.order_by().values("customer_id").annotate(unallocated=Sum("unallocated_amount"))
    )
    inv_sql, inv_params = invoices.query.sql_with_params()
    pay_sql, pay_params = payments.query.sql_with_params()
    changed = _execute(
        f"UPDATE {table} SET open_amount = agg.open, oldest_open_due_date = agg.oldest "
        f"FROM ({inv_sql}) AS agg WHERE {table}.id = agg.customer_id "
        f"AND ({table}.open_amount <> agg.open "
        f"OR {table}.oldest_open_due_date IS DISTINCT FROM agg.oldest)",
        inv_params,
    )
    changed += _execute(
        f"UPDATE {table} SET open_amount = 0, oldest_open_due_date = NULL "
        f"WHERE ({table}.open_amount <> 0 OR {table}.oldest_open_due_date IS NOT NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM {invoice} i WHERE i.customer_id = {table}.id "
        f"AND i.status = %s)",
        [Invoice.Status.OPEN],
    )
    changed += _execute(
        f"UPDATE {table} SET unallocated_amount = agg.unallocated "
        f"FROM ({pay_sql}) AS agg WHERE {table}.id = agg.customer_id "
        f"AND {table}.unallocated_amount <> agg.unallocated",
        pay_params,
    )
    changed += _execute(
        f"UPDATE {table} SET unallocated_amount = 0 WHERE {table}.unallocated_amount <> 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {payment} p WHERE p.customer_id = {table}.id)",
        [],
    )
    return changed


def daily(*, today: date) -> dict:
    """The ledger's part of the daily workflow."""
    return {"balances_refreshed": refresh_all_balances()}


__all__ = ["daily", "refresh_all_balances"]


def deliver_invoice_copy(invoice_id: int, to: str, requested_by: int | None = None) -> None:
    """Send one invoice copy by mail, in the customer's language, with the PDF attached."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.utils import translation

    from accounts.pdf import render_invoice_pdf

    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    language = invoice.customer.language if invoice.customer.language in ("nl", "en") else "en"
    with translation.override(language):
        context = {"invoice": invoice, "customer": invoice.customer, "company": settings.COMPANY}
        subject = render_to_string("accounts/mail/invoice_copy_subject.txt", context).strip()
        body = render_to_string("accounts/mail/invoice_copy.txt", context)
    message = EmailMessage(subject=subject, body=body, to=[to], reply_to=[settings.COMPANY["email"]])
    message.attach(f"{invoice.number}.pdf", render_invoice_pdf(invoice).getvalue(), "application/pdf")
    message.send()
    record_event(
        customer=invoice.customer_id,
        kind=Event.Kind.MESSAGE,
        verb="invoice_copy_sent",
        summary=Text(
            gettext_noop("Copy of invoice %(number)s sent to %(address)s"), number=invoice.number, address=to
        ),
        by=User.objects.get(pk=requested_by) if requested_by else "system: mail",
        target=invoice,
        data={"to": to},
    )
