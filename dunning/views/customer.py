"""Dunning stops set and lifted from the customer 360."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Customer, Invoice
from accounts.views import error_text
from creditmgmt.permissions import LEDGER_WRITERS, role_required
from dunning import services
from dunning.forms import StopForm
from dunning.models import DunningStop


@role_required(*LEDGER_WRITERS)
@require_POST
def stop_set(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = StopForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The stop was not set: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect(customer)
    data = form.cleaned_data
    invoice = (
        get_object_or_404(Invoice, pk=data["invoice"], customer=customer) if data.get("invoice") else None
    )
    try:
        services.set_dunning_stop(
            customer=customer,
            invoice=invoice,
            reason=data["reason"],
            until=data["until"],
            note=data["note"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Dunning stopped."))
    return redirect(customer)


@role_required(*LEDGER_WRITERS)
@require_POST
def stop_lift(request: HttpRequest, pk: int) -> HttpResponse:
    stop = get_object_or_404(DunningStop.objects.select_related("customer"), pk=pk)
    try:
        services.lift_dunning_stop(stop=stop, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Dunning stop lifted."))
    return redirect(stop.customer)
