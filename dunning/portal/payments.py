"""Paying from the portal: a small provider interface and a clearly marked demo provider.

A real provider (iDEAL, cards) implements `PaymentProvider`: `start` returns the
address to send the customer to; when the provider reports the payment back,
the bank statement (or a webhook) records it through accounts.services as any
other payment. The demo provider has no outside party: its "checkout" page says
DEMO and, when confirmed, records a payment with accounts.services and allocates
it to exactly the chosen invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import ZERO, Customer, Invoice, Payment
from accounts.services import allocate, lock_customer, record_payment

DEMO_ACTOR = "portal: DEMO payment provider"


class PaymentProvider(Protocol):
    code: str
    name: str
    is_demo: bool

    def start(self, *, raw_token: str, customer: Customer, invoices: Sequence[Invoice]) -> str:
        """The address the customer goes to next to pay the invoices' open amount."""
        ...


class DemoProvider:
    code = "demo"
    name = gettext_lazy("Demo payment (no real money)")
    is_demo = True

    def start(self, *, raw_token: str, customer: Customer, invoices: Sequence[Invoice]) -> str:
        ids = ",".join(str(i.pk) for i in invoices)
        return reverse("portal:demo_checkout", args=[raw_token]) + f"?invoices={ids}"


def provider() -> PaymentProvider:
    return import_string(settings.PORTAL_PAYMENT_PROVIDER)()


def demo_pay(*, customer: Customer, invoices: Sequence[Invoice]) -> Payment:
    """The demo "payment": a payment recorded and allocated to the chosen invoices, all or nothing."""
    if not invoices:
        raise ValidationError(_("Choose at least one invoice to pay."))
    with transaction.atomic():
        lock_customer(customer.pk)
        fresh = list(
            Invoice.objects.select_for_update()
            .filter(customer=customer, pk__in=[i.pk for i in invoices], status=Invoice.Status.OPEN)
            .filter(open_amount__gt=0)
            .order_by("due_date", "id")
        )
        if len(fresh) != len(invoices):
            raise ValidationError(_("One of the invoices is no longer open; reload the page."))
        total = sum((i.open_amount for i in fresh), ZERO)
        if total <= Decimal("0"):
            raise ValidationError(_("Nothing is left to pay."))
        payment = record_payment(
            customer=customer,
            amount=total,
            value_date=timezone.localdate(),
            by=DEMO_ACTOR,
            reference="DEMO " + " ".join(i.number for i in fresh)[:130],
            counterparty_name=customer.name[:140],
        )
        for invoice in fresh:
            allocate(invoice=invoice, payment=payment, by=DEMO_ACTOR)
    return payment
