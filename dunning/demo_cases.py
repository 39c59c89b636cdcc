"""Demo disputes, promises to pay and payment plans: a realistic handful per controller.

`seed_demo` calls `seed()` after the ledger is written (found by module name, so
accounts imports nothing above it). Everything goes through the services in
`dunning/services/`, so the timeline events, tasks, watcher mails and dunning
exclusions are the ones a controller or a customer would cause. Inbox mail is
seeded elsewhere. Same seed, same choices.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Customer, Invoice, Payment
from accounts.services import allocate, record_payment
from creditmgmt.models import Role, User
from dunning.models import DisputeReason, PaymentPlan, Promise
from dunning.portal.services import CUSTOMER  # the actor of the customer's own requests
from dunning.services import disputes, plans, promises
from dunning.services.plans import add_months

BANK = "demo: bank statement"  # the actor of the payments the demo customers make
CENT = Decimal("0.01")

# Texts in the customer's language: what the customer said, what the controller noted.
TEXTS = {
    "damaged": {
        "nl": "Twee pallets kwamen beschadigd binnen; foto's volgen. De rest betalen we gewoon.",
        "en": "Two pallets arrived damaged; photos to follow. We will pay the rest as usual.",
    },
    "price": {
        "nl": "Gefactureerd tegen de oude prijslijst, afgesproken was de actieprijs van oktober.",
        "en": "Invoiced at the old price list; we agreed on the October promotion price.",
    },
    "quantity": {
        "nl": "Er zijn 40 dozen gefactureerd maar 32 geleverd, zie de pakbon.",
        "en": "40 boxes were invoiced but 32 delivered, see the packing slip.",
    },
    "not_received": {
        "nl": "Deze levering hebben wij nooit ontvangen.",
        "en": "We never received this delivery.",
    },
    "investigating": {
        "nl": "Sales vraagt de afspraak over de actieprijs na bij de accountmanager.",
        "en": "Sales is checking the promotion price agreement with the account manager.",
    },
    "credited": {
        "nl": "Pakbon klopt: 8 dozen gecrediteerd.",
        "en": "Packing slip confirms it: 8 boxes credited.",
    },
    "rejected": {
        "nl": "Afleverbewijs met handtekening van de klant aanwezig; geschil afgewezen.",
        "en": "Proof of delivery signed by the customer; dispute rejected.",
    },
    "promise_phone": {
        "nl": "Belde zelf: betaalt na ontvangst van een grote order van hun eigen klant.",
        "en": "Called us: will pay once their own customer has paid a large order.",
    },
    "promise_mail": {
        "nl": "Per mail toegezegd, eerst de oudste factuur.",
        "en": "Promised by mail, the oldest invoice first.",
    },
    "promise_cancelled": {
        "nl": "Klant vraagt toch een betalingsregeling.",
        "en": "The customer asks for a payment plan instead.",
    },
    "plan": {
        "nl": "Seizoensdip; vraagt de achterstand in termijnen te betalen.",
        "en": "Seasonal dip; asks to pay the arrears in instalments.",
    },
}


def text(key: str, customer: Customer) -> str:
    return TEXTS[key]["en" if customer.language == "en" else "nl"]


def candidates(controller: User, today: date) -> list[Customer]:
    """The controller's active customers with overdue invoices and nothing open against them yet."""
    overdue = Invoice.objects.filter(
        customer=OuterRef("pk"), status=Invoice.Status.OPEN, amount__gt=0, due_date__lt=today
    )
    return list(
        Customer.objects.filter(controller=controller, status=Customer.Status.ACTIVE)
        .filter(Exists(overdue))
        .exclude(risk_class=Customer.RiskClass.VERY_HIGH)
        .order_by("number")
    )


def overdue_invoices(customer: Customer, today: date) -> list[Invoice]:
    return list(
        customer.invoices.filter(status=Invoice.Status.OPEN, amount__gt=0, due_date__lt=today).order_by(
            "due_date", "number"
        )
    )


def monthly(invoices: list[Invoice], *, months: int, first: date) -> list[tuple[date, Decimal]]:
    """The invoices' open total in equal monthly parts; the last part takes the rounding."""
    total = sum((i.open_amount for i in invoices), Decimal("0"))
    part = (total / months).quantize(CENT)
    schedule = [(add_months(first, n), part) for n in range(months - 1)]
    return [*schedule, (add_months(first, months - 1), total - part * (months - 1))]


def seed(
    *, seed: int = 2026, today: date | None = None, log: Callable[[str], None] = lambda line: None
) -> Counter:
    """Per demo controller: four disputes (open, investigating, credited, rejected), four promises
    (two open, one paid, one cancelled) and two payment plans (one approved at once, one for the manager)."""
    # `today` is the day the demo ledger ends (which invoices are overdue); the services date
    # what they record by the clock, so promised dates and schedules count from that.
    now = timezone.localdate()
    today = today or now
    rng = random.Random(seed)
    reasons = {r.code: r for r in DisputeReason.objects.active()}
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    sales = User.objects.filter(role=Role.SALES, is_active=True).order_by("pk").first()
    counts: Counter = Counter()
    controllers = User.objects.filter(role=Role.CONTROLLER, is_active=True).order_by("username")
    for controller in controllers:
        pool = candidates(controller, today)
        rng.shuffle(pool)
        if len(pool) < 9:
            log(f"  {controller.username}: only {len(pool)} customers with overdue invoices; fewer cases.")
        pool_iter = iter(pool)

        def take() -> tuple[Customer, list[Invoice]] | None:
            for customer in pool_iter:  # noqa: B023 (one pool per controller, used inside the loop)
                invoices = overdue_invoices(customer, today)
                if invoices:
                    return customer, invoices
            return None

        # Disputes: one of each state a controller meets in a week.
        if picked := take():
            customer, invoices = picked
            invoice = invoices[-1]
            disputes.open_dispute(
                customer=customer,
                invoices=[invoice],
                reason=reasons["damaged"],
                message=text("damaged", customer),
                amount=(invoice.open_amount / 2).quantize(CENT),
                by=CUSTOMER,
                channel="portal",
                owner=controller,
                watchers=[manager] if manager else [],
                due_date=now + timedelta(days=14),
            )
            counts["disputes"] += 1
        if picked := take():
            customer, invoices = picked
            dispute = disputes.open_dispute(
                customer=customer,
                invoices=invoices[:1],
                reason=reasons["price"],
                message=text("price", customer),
                by=controller,
                channel="phone",
                owner=sales or controller,
                watchers=[controller],
                due_date=now + timedelta(days=rng.randint(5, 10)),
            )
            disputes.start_investigating(dispute=dispute, by=controller, note=text("investigating", customer))
            counts["disputes"] += 1
        if picked := take():
            customer, invoices = picked
            dispute = disputes.open_dispute(
                customer=customer,
                invoices=invoices[:1],
                reason=reasons["quantity"],
                message=text("quantity", customer),
                amount=(invoices[0].open_amount / 5).quantize(CENT),
                by=controller,
                channel="mail",
                owner=controller,
            )
            disputes.resolve_with_credit_note(dispute=dispute, by=controller, note=text("credited", customer))
            counts["disputes"] += 1
        if picked := take():
            customer, invoices = picked
            dispute = disputes.open_dispute(
                customer=customer,
                invoices=invoices[-1:],
                reason=reasons["not_received"],
                message=text("not_received", customer),
                by=CUSTOMER,
                channel="portal",
                owner=controller,
            )
            disputes.reject_dispute(dispute=dispute, by=controller, note=text("rejected", customer))
            counts["disputes"] += 1

        # Promises to pay: two open, one paid (kept at the next daily check), one withdrawn.
        if picked := take():
            customer, invoices = picked
            promises.make_promise(
                customer=customer,
                invoices=invoices,
                promised_date=now + timedelta(days=rng.randint(3, 8)),
                channel="phone",
                by=controller,
                note=text("promise_phone", customer),
            )
            counts["promises"] += 1
        if picked := take():
            customer, invoices = picked
            promises.make_promise(
                customer=customer,
                invoices=invoices[:1],
                promised_date=now + timedelta(days=rng.randint(7, 14)),
                amount=invoices[0].open_amount,
                channel="mail",
                by=controller,
                note=text("promise_mail", customer),
            )
            counts["promises"] += 1
        if picked := take():
            # Promised, then paid at once: the next daily check finds it kept.
            customer, invoices = picked
            invoice = invoices[0]
            promises.make_promise(
                customer=customer,
                invoices=[invoice],
                promised_date=now + timedelta(days=2),
                channel="phone",
                by=controller,
                note=text("promise_phone", customer),
            )
            payment = record_payment(
                customer=customer,
                amount=invoice.open_amount,
                value_date=now,
                by=BANK,
                reference=invoice.number,
                counterparty_name=customer.name,
                source=Payment.Source.BANK,
            )
            allocate(invoice=invoice, payment=payment, by=BANK)
            counts["promises"] += 1
        if picked := take():
            customer, invoices = picked
            promise = promises.make_promise(
                customer=customer,
                invoices=invoices,
                promised_date=now + timedelta(days=5),
                channel="portal",
                by=CUSTOMER,
            )
            promises.cancel_promise(promise=promise, by=controller, note=text("promise_cancelled", customer))
            counts["promises"] += 1

        # Payment plans: three monthly instalments (approved at once by the policy) and a
        # longer one the policy leaves to the manager (an approval task).
        for months, channel in ((3, "controller"), (8, "portal")):
            while picked := take():
                customer, invoices = picked
                schedule = monthly(invoices, months=months, first=now + timedelta(days=7))
                check = plans.check_plan(customer=customer, installments=schedule, today=now)
                # The short plan shows the policy approving at once: skip customers it would refuse.
                if check.auto_approved or months > 3:
                    break
            if not picked:
                break
            plan = plans.request_plan(
                customer=customer,
                invoices=invoices,
                installments=schedule,
                by=controller if channel == "controller" else CUSTOMER,
                channel=channel,
                note=text("plan", customer),
            )
            counts["plans"] += 1
            counts[f"plans {plan.status}"] += 1
    open_promises = Promise.objects.filter(status=Promise.Status.OPEN).count()
    active_plans = PaymentPlan.objects.filter(status=PaymentPlan.Status.ACTIVE).count()
    log(
        f"Cases: {counts['disputes']} disputes, {counts['promises']} promises ({open_promises} open), "
        f"{counts['plans']} payment plans ({active_plans} active)."
    )
    return counts
