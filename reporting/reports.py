"""Reports for a person: what they may see, in their language. Used by the PDF view and the scheduled mail."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from creditmgmt.models import Role
from reporting.models import segment_label
from reporting.pdf import dashboard_pdf
from reporting.queries import Filters, customers_of_sales


def scope_for(user, filters: Filters) -> Filters:
    """The filters limited to what `user` may see: sales only the payment behaviour of their own
    customers (those they are account manager of; for customers without one, credit applications
    they made and disputes they own or watch)."""
    if user.role == Role.SALES:
        return replace(filters, customer_ids=customers_of_sales(user), controller_id=None)
    return filters


def report_for(user, filters: Filters, *, today: date) -> bytes:
    """The dashboard report as `user` may see it: sales without the controllers table."""
    filters = scope_for(user, filters)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        parts = [filters.currency, f"{filters.months} " + _("months")]
        if filters.segment:
            parts.append(segment_label(filters.segment))
        if filters.customer_ids is not None:
            parts.append(_("your customers (%(n)s)") % {"n": len(filters.customer_ids)})
        if filters.controller_id:
            from creditmgmt.models import User

            controller = User.objects.filter(pk=filters.controller_id).first()
            parts.append(str(controller or ""))
        note = _("Filters: %(filters)s. Made for %(user)s.") % {"filters": ", ".join(parts), "user": user}
        return dashboard_pdf(filters, today=today, title_note=note, with_controllers=user.role != Role.SALES)
