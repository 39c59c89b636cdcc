"""Scheduled reports: on Mondays (weekly) and the 1st (monthly) each subscriber gets the PDF by mail.

Each person gets the report as they may see it (reporting.reports.report_for) in their language;
a delivery row per subscription, person and period makes a second run that day send nothing.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from creditmgmt.models import User
from creditmgmt.permissions import LEDGER_READERS
from reporting.models import ReportDelivery, ReportSubscription
from reporting.queries import Filters
from reporting.reports import report_for

logger = logging.getLogger(__name__)


def due_period(subscription: ReportSubscription, today: date) -> date | None:
    if subscription.frequency == ReportSubscription.Frequency.WEEKLY:
        return today if today.weekday() == 0 else None
    return today if today.day == 1 else None


def recipients(subscription: ReportSubscription) -> list[User]:
    """The subscribed person, or everyone active in the role; never someone who may not read the ledger."""
    people = User.objects.filter(is_active=True, role__in=LEDGER_READERS).exclude(email="")
    if subscription.user_id:
        return list(people.filter(pk=subscription.user_id))
    return list(people.filter(role=subscription.role))


def send_scheduled_reports(today: date) -> dict:
    sent = skipped = failed = 0
    for subscription in ReportSubscription.objects.select_related("user"):
        period = due_period(subscription, today)
        if period is None:
            continue
        filters = Filters(
            currency=subscription.currency,
            segment=subscription.segment,
            controller_id=subscription.controller_id,
            months=subscription.months,
        )
        for person in recipients(subscription):
            try:
                with transaction.atomic():
                    ReportDelivery.objects.create(subscription=subscription, user=person, period=period)
                    _mail(person, report_for(person, filters, today=today), today)
            except IntegrityError:
                skipped += 1  # already sent this period
                continue
            except Exception:  # a mail server error: no delivery row, so the next run tries again
                logger.exception("report %s to %s failed", subscription.pk, person.pk)
                failed += 1
                continue
            sent += 1
    return {"reports_sent": sent, "already_sent": skipped, "failed": failed}


def _mail(person: User, pdf: bytes, today: date) -> None:
    with translation.override(person.language or settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_("Credit book report of %(day)s") % {"day": today.isoformat()},
            body=_("The credit book report is attached. The live dashboard has every figure's customers."),
            to=[person.email],
        )
        message.attach(f"credit-report-{today.isoformat()}.pdf", pdf, "application/pdf")
        message.send()
