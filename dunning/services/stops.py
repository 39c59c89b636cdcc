from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Customer, Event, Invoice
from accounts.services import Actor, record_event
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.texts import Text
from dunning.models import DunningStop


def set_dunning_stop(
    *,
    customer: Customer,
    reason: str,
    by: Actor,
    until: date | None = None,
    invoice: Invoice | None = None,
    note: str = "",
) -> DunningStop:
    """Stop reminders for the customer (or one invoice) until a date, or until lifted."""
    if reason not in DunningStop.Reason.values:
        raise ValidationError(_("Choose a reason for the dunning stop."))
    if until is not None and until < timezone.localdate():
        raise ValidationError(_("The stop cannot end in the past."))
    if invoice is not None and invoice.customer_id != customer.pk:
        raise ValidationError(_("The invoice belongs to another customer."))
    with transaction.atomic():
        stop = DunningStop.objects.create(
            customer=customer,
            invoice=invoice,
            reason=reason,
            until=until,
            note=note.strip()[:300],
            created_by=by if isinstance(by, User) else None,
        )
        if invoice:
            stopped = (
                gettext_noop("Dunning stopped for invoice %(number)s: %(reason)s until %(date)s")
                if until
                else gettext_noop("Dunning stopped for invoice %(number)s: %(reason)s")
            )
        else:
            stopped = (
                gettext_noop("Dunning stopped for the customer: %(reason)s until %(date)s")
                if until
                else gettext_noop("Dunning stopped for the customer: %(reason)s")
            )
        summary = Text(
            stopped,
            number=invoice.number if invoice else "",
            reason=DunningStop.Reason(reason),
            date=until,
        )
        record_event(
            customer=customer,
            kind=Event.Kind.DUNNING,
            verb="stop_set",
            summary=texts.with_note(summary, stop.note),
            by=by,
            target=stop,
        )
    return stop


def lift_dunning_stop(*, stop: DunningStop, by: Actor) -> DunningStop:
    with transaction.atomic():
        stop = DunningStop.objects.select_for_update().get(pk=stop.pk)
        if stop.lifted_at is not None:
            raise ValidationError(_("This stop was already lifted."))
        stop.lifted_at = timezone.now()
        stop.lifted_by = by if isinstance(by, User) else None
        stop.save(update_fields=["lifted_at", "lifted_by"])
        record_event(
            customer=stop.customer_id,
            kind=Event.Kind.DUNNING,
            verb="stop_lifted",
            summary=Text(
                gettext_noop("Dunning stop lifted: %(reason)s"), reason=DunningStop.Reason(stop.reason)
            ),
            by=by,
            target=stop,
        )
    return stop
