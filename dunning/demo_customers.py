"""Demo only: the demo's customers answer reminders as customers do.

The demo book is seeded once, then `make run` catches up three weeks of the daily
workflow. Without customers who pay after a reminder, every step of those weeks
would look useless on the dashboard (cure rate 0 %). `run_daily --catch-up N
--demo-customers` calls `pay_after_reminders(day)` before each day's run: a customer
reminded in the last days pays the invoices the step listed, in full, a few days
later, with a chance by its risk class then. Decided per action by a seeded
random number, so running again pays nothing twice and pays the same.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from accounts.models import Customer, Invoice
from accounts.services import allocate, record_payment
from dunning.models import DunningAction

BANK = "import: bank statement (demo customer)"
# How many reminded customers pay the listed invoices, by their risk class when reminded.
CHANCE = {
    Customer.RiskClass.LOW: 0.75,
    Customer.RiskClass.MEDIUM: 0.6,
    Customer.RiskClass.HIGH: 0.4,
    Customer.RiskClass.VERY_HIGH: 0.15,
}
UNKNOWN_CHANCE = 0.5
DAYS_TO_PAY = (2, 12)  # after the reminder (a weekend moves it to Monday); most pay before the next step


def pays_on(action_id: int, risk_class: str, reminded: date) -> date | None:
    """The day the customer pays for this action, or None when it does not."""
    rng = random.Random(action_id)
    if rng.random() >= CHANCE.get(risk_class, UNKNOWN_CHANCE):
        return None
    day = reminded + timedelta(days=rng.randint(*DAYS_TO_PAY))
    return day + timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)  # banks: Monday


def pay_after_reminders(day: date) -> int:
    """Pay, with value date `day`, what the customers reminded before it decided to pay today.

    Returns the number of payments made. Invoices paid meanwhile (by another reminder's
    payment, or by hand) are not paid again.
    """
    since = day - timedelta(days=DAYS_TO_PAY[1] + 2)  # + a weekend
    actions = DunningAction.objects.filter(
        date__gte=since,
        date__lt=day,
        status__in=(DunningAction.Status.DONE, DunningAction.Status.TASK),
    ).values_list("id", "customer_id", "date", "invoice_ids", "risk_class")
    paid = 0
    for action_id, customer_id, reminded, invoice_ids, risk_class in actions:
        if pays_on(action_id, risk_class, reminded) != day:
            continue
        with transaction.atomic():
            invoices = list(
                Invoice.objects.select_for_update().filter(
                    pk__in=invoice_ids, status=Invoice.Status.OPEN, open_amount__gt=0
                )
            )
            if not invoices:
                continue
            customer = Customer.objects.get(pk=customer_id)
            payment = record_payment(
                customer=customer,
                amount=sum(invoice.open_amount for invoice in invoices),
                value_date=day,
                by=BANK,
                reference=", ".join(invoice.number for invoice in invoices)[:140],
            )
            for invoice in invoices:
                allocate(invoice=invoice, payment=payment, by=BANK)
            paid += 1
    return paid
