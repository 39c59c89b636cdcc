"""The dunning section of the customer 360 (registered on accounts.panels; a fixed 4 queries)."""

from datetime import timedelta

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Customer
from accounts.panels import register_customer_panel
from creditmgmt.permissions import can_write_ledger
from dunning.forms import StopForm
from dunning.models import CustomerDunning, DunningAction, DunningStop
from dunning.selection import StepSpec, next_planned


@register_customer_panel("dunning", column="side", order=20)
def dunning_panel(request: HttpRequest, customer: Customer) -> str:
    today = timezone.localdate()
    state = CustomerDunning.objects.select_related("procedure").filter(pk=customer.pk).first()
    steps = list(state.procedure.steps.order_by("position")) if state and state.procedure_id else []
    next_step, next_date = None, None
    if state and steps:
        spec, next_date = next_planned(
            [StepSpec(s.position, s.offset_days, s.is_contact) for s in steps],
            state.stage,
            state.oldest_due_date,
        )
        if spec is not None:
            next_step = next(s for s in steps if s.position == spec.position)
            if next_date and state.last_contact_date and next_step.is_contact:
                next_date = max(
                    next_date, state.last_contact_date + timedelta(days=state.procedure.min_interval_days)
                )
            next_date = max(next_date, today) if next_date else None
    stops = list(DunningStop.objects.filter(customer=customer).select_related("invoice", "created_by")[:10])
    context = {
        "customer": customer,
        "state": state,
        "steps": steps,
        "next_step": next_step,
        "next_date": next_date,
        "history": DunningAction.objects.filter(customer=customer).select_related("step")[:8],
        "active_stops": [s for s in stops if s.is_active(today)],
        "old_stops": [s for s in stops if not s.is_active(today)],
        "stop_form": StopForm(),
        "can_write": can_write_ledger(request.user),
        "today": today,
    }
    return render_to_string("dunning/panels/customer.html", context, request=request)
