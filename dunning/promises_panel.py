"""Promises to pay and payment plans on the customer 360 (registered on accounts.panels).

Two queries when the customer has none, four with promises and plans (their invoices and installments).
"""

from datetime import timedelta

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Customer
from accounts.panels import register_customer_panel
from creditmgmt.permissions import can_write_ledger
from dunning.models import Installment, PaymentPlan, Promise
from dunning.services.promises import rate_of


@register_customer_panel("promises", column="side", order=25)
def promises_panel(request: HttpRequest, customer: Customer) -> str:
    today = timezone.localdate()
    # The last 12 months (and any still open) in one query: the list and the kept rate both come from it.
    promises = list(
        Promise.objects.filter(customer=customer)
        .filter(Q(promised_date__gt=today - timedelta(days=365)) | Q(status=Promise.Status.OPEN))
        .prefetch_related("invoices")
        .select_related("created_by")[:200]
    )
    kept = sum(1 for p in promises if p.status == Promise.Status.KEPT)
    broken = sum(1 for p in promises if p.status == Promise.Status.BROKEN)
    plans = list(
        PaymentPlan.objects.filter(customer=customer).prefetch_related(
            Prefetch("installments", queryset=Installment.objects.order_by("sequence"))
        )[:4]
    )
    context = {
        "customer": customer,
        "promises": promises[:8],
        "plans": plans,
        "kept": kept,
        "broken": broken,
        "rate": rate_of(kept, broken),
        "can_write": can_write_ledger(request.user),
        "today": today,
    }
    return render_to_string("dunning/panels/promises.html", context, request=request)
