"""Background jobs of the ledger. Safe to run twice; set-based, not per row."""

from datetime import date

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import ZERO, Customer, Event, Invoice, Payment
from accounts.services import record_event
from creditmgmt.models import User


def _total(queryset, field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("customer").annotate(total=Sum(field)).values("total"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        Value(ZERO),
    )


def refresh_all_balances() -> int:
    """Recompute every customer's stored totals in one UPDATE.

    The services keep them right as they go; this repairs what bulk loads or
    direct database work may have left behind. Returns the rows touched.
    """
    open_invoices = Invoice.objects.filter(customer=OuterRef("pk"), status=Invoice.Status.OPEN)
    oldest = Subquery(open_invoices.filter(open_amount__gt=0).order_by("due_date").values("due_date")[:1])
    changed = Customer.objects.update(
        open_amount=_total(open_invoices, "open_amount"),
        oldest_open_due_date=oldest,
        unallocated_amount=_total(Payment.objects.filter(customer=OuterRef("pk")), "unallocated_amount"),
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
        summary=_("Copy of invoice %(number)s sent to %(address)s")
        % {"number": invoice.number, "address": to},
        by=User.objects.get(pk=requested_by) if requested_by else "system: mail",
        target=invoice,
        data={"to": to},
    )
