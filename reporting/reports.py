"""Reports for a person: what they may see, in their language. Used by the PDF view and the scheduled mail."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from creditmgmt.models import Role
from reporting.pdf import dashboard_pdf
from reporting.queries import Filters


def report_for(user, filters: Filters, *, today: date) -> bytes:
    """The dashboard report as `user` may see it: sales without the controllers table."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        parts = [filters.currency, f"{filters.months} " + _("months")]
        if filters.segment:
            parts.append(filters.segment)
        if filters.controller_id:
            from creditmgmt.models import User

            controller = User.objects.filter(pk=filters.controller_id).first()
            parts.append(str(controller or ""))
        note = _("Filters: %(filters)s. Made for %(user)s.") % {"filters": ", ".join(parts), "user": user}
        return dashboard_pdf(filters, today=today, title_note=note, with_controllers=user.role != Role.SALES)
