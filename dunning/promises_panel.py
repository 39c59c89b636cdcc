"""Promises to pay and payment plans on the customer 360 (registered on accounts.panels; 5 queries)."""

from django.db.models import Prefetch
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Customer
from accounts.panels import register_customer_panel
from creditmgmt.permissions import can_write_ledger
from dunning.models import Installment, PaymentPlan, Promise
from dunning.services.promises import kept_rate


@register_customer_panel("promises", column="side", order=25)
def promises_panel(request: HttpRequest, customer: Customer) -> str:
    today = timezone.localdate()
    kept, broken, rate = kept_rate(customer, today=today)
    promises = list(
        Promise.objects.filter(customer=customer)
        .prefetch_related("invoices")
        .select_related("created_by")[:8]
    )
    plans = list(
        PaymentPlan.objects.filter(customer=customer).prefetch_related(
            Prefetch("installments", queryset=Installment.objects.order_by("sequence"))
        )[:4]
    )
    context = {
        "customer": customer,
        "promises": promises,
        "plans": plans,
        "kept": kept,
        "broken": broken,
        "rate": rate,
        "can_write": can_write_ledger(request.user),
        "today": today,
    }
    return render_to_string("dunning/panels/promises.html", context, request=request)
