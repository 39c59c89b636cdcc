"""The portal section of the customer 360 (a fixed 3 queries) and the reminder-link registration."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Customer
from accounts.panels import register_customer_panel
from creditmgmt.permissions import can_write_ledger
from dunning.models import ChangeRequest, PortalToken, RemittanceAdvice
from dunning.portal.links import portal_link
from dunning.portal.services import FIELD_LABELS
from dunning.rendering import register_portal_link

register_portal_link(portal_link)


@register_customer_panel("portal", column="side", order=30)
def portal_panel(request: HttpRequest, customer: Customer) -> str:
    now = timezone.now()
    tokens = list(PortalToken.objects.filter(customer=customer).order_by("-created_at", "-id")[:6])
    for token in tokens:
        token.valid = token.is_valid(now)
    opened = [t.last_opened_at for t in tokens if t.last_opened_at]
    context = {
        "customer": customer,
        "tokens": tokens,
        "any_valid": any(t.valid for t in tokens),
        "last_opened": max(opened) if opened else None,
        "changes": [
            (change, [(FIELD_LABELS.get(k, k), v[0], v[1]) for k, v in change.changes.items()])
            for change in ChangeRequest.objects.filter(
                customer=customer, status=ChangeRequest.Status.PENDING
            )[:5]
        ],
        "remittances": list(RemittanceAdvice.objects.filter(customer=customer)[:3]),
        "can_write": can_write_ledger(request.user),
    }
    return render_to_string("portal/panel.html", context, request=request)
