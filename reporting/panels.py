"""The payment outlook on the customer 360: when the open invoices are expected to be paid (1 query)."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts.models import Customer
from accounts.panels import register_customer_panel
from reporting.models import InvoicePrediction


@register_customer_panel("payment outlook", column="side", order=40)
def outlook_panel(request: HttpRequest, customer: Customer) -> str:
    predictions = list(
        InvoicePrediction.objects.filter(invoice__customer=customer, invoice__status="open")
        .select_related("invoice")
        .order_by("expected_date", "invoice__due_date")[:12]
    )
    if not predictions:
        return ""
    context = {"customer": customer, "predictions": predictions}
    return render_to_string("reporting/panels/outlook.html", context, request=request)
