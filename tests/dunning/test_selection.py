"""Due-step selection (pure, table-driven) and the exclusion hook (database)."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db.models import Q

from accounts.models import Customer, Invoice
from dunning import selection
from dunning.models import DunningStop
from dunning.selection import CustomerSpec, StepSpec, dunnable_invoices, select_due_step, target_stage
from tests.factories import CustomerFactory, InvoiceFactory

TODAY = date(2026, 11, 20)
# A medium-like procedure with a friendly reminder before the due date.
STEPS = [
    StepSpec(1, -3, True),  # before due date
    StepSpec(2, 3, True),  # reminder
    StepSpec(3, 14, True),  # second reminder
    StepSpec(4, 21, False),  # internal review (not a contact)
    StepSpec(5, 30, True),  # final notice
]


def spec(days_overdue, stage=0, amount="500.00", last_contact_days_ago=None, open_amount=None):
    return CustomerSpec(
        stage=stage,
        oldest_due_date=None if days_overdue is None else TODAY - timedelta(days=days_overdue),
        overdue_amount=D(amount) if days_overdue and days_overdue > 0 else D("0"),
        open_amount=D(open_amount or amount),
        last_contact_date=None
        if last_contact_days_ago is None
        else TODAY - timedelta(days=last_contact_days_ago),
    )


@pytest.mark.parametrize(
    ("case", "customer", "step", "reason"),
    [
        ("nothing open", spec(None), None, "nothing open"),
        ("far before due date", spec(-10), None, "not yet"),
        ("friendly reminder 3 days before", spec(-3), 1, "due"),
        ("friendly reminder on due date", spec(0), 1, "due"),
        ("pre-due step is skipped once overdue", spec(2), None, "not yet"),
        ("first reminder at +3 from stage 0", spec(3), 2, "due"),
        ("never two steps at once: +20 from stage 0 gives the next", spec(20), 2, "due"),
        ("after reminder 1, reminder 2 at +14", spec(14, stage=2, last_contact_days_ago=11), 3, "due"),
        ("minimum interval holds", spec(16, stage=2, last_contact_days_ago=4), None, "minimum interval"),
        ("interval of exactly 5 days is fine", spec(16, stage=2, last_contact_days_ago=5), 3, "due"),
        ("non-contact step ignores interval", spec(21, stage=3, last_contact_days_ago=1), 4, "due"),
        ("below minimum amount", spec(40, stage=2, amount="9.99"), None, "below minimum amount"),
        ("procedure finished", spec(90, stage=5), None, "procedure finished"),
        # A payment cleared the oldest invoice: what is left is 4 days overdue.
        ("stage follows oldest open invoice after payment", spec(4, stage=4), None, "not yet"),
        (
            "pre-due with nothing overdue uses the open amount",
            spec(-2, open_amount="80.00", amount="80.00"),
            1,
            "due",
        ),
    ],
)
def test_select_due_step(case, customer, step, reason):
    decision = select_due_step(STEPS, customer, today=TODAY, minimum_amount=D("10.00"), min_interval_days=5)
    assert (decision.step.position if decision.step else None, decision.reason) == (step, reason), case


@pytest.mark.parametrize(("days", "stage"), [(-10, 0), (-3, 1), (2, 1), (3, 2), (29, 4), (30, 5), (400, 5)])
def test_target_stage(days, stage):
    assert target_stage(STEPS, days) == stage


def test_stage_drops_to_what_the_rest_has_reached():
    decision = select_due_step(
        STEPS, spec(4, stage=4), today=TODAY, minimum_amount=D("0"), min_interval_days=5
    )
    assert decision.stage == 2


@pytest.mark.django_db
class TestExclusions:
    def test_table(self, controller):
        today = date.today()
        due = today - timedelta(days=20)
        plain = CustomerFactory()
        on_hold = CustomerFactory(status=Customer.Status.ON_HOLD)
        closed = CustomerFactory(status=Customer.Status.CLOSED)
        stopped = CustomerFactory()
        invoice_stopped = CustomerFactory()
        stop_expired = CustomerFactory()
        stop_lifted = CustomerFactory()

        def make(c, **kw):
            return InvoiceFactory(customer=c, due_date=due, issue_date=due - timedelta(days=30), **kw)

        rows = {
            "plain": make(plain),
            "paid": make(plain, status=Invoice.Status.PAID, open_amount=D("0.00")),
            "credit note": make(plain, amount=D("-50.00")),
            "on hold": make(on_hold),
            "closed": make(closed),
            "customer stop": make(stopped),
            "invoice stop": make(invoice_stopped),
            "other invoice of invoice-stopped customer": make(invoice_stopped),
            "stop expired": make(stop_expired),
            "stop lifted": make(stop_lifted),
        }
        DunningStop.objects.create(customer=stopped, reason="investigation", until=today)
        DunningStop.objects.create(customer=invoice_stopped, invoice=rows["invoice stop"], reason="dispute")
        DunningStop.objects.create(customer=stop_expired, reason="promise", until=today - timedelta(days=1))
        from django.utils import timezone

        DunningStop.objects.create(customer=stop_lifted, reason="other", lifted_at=timezone.now())
        kept = set(dunnable_invoices(today).values_list("pk", flat=True))
        assert {name for name, inv in rows.items() if inv.pk in kept} == {
            "plain",
            "other invoice of invoice-stopped customer",
            "stop expired",
            "stop lifted",
        }

    def test_registered_hook_excludes(self):
        """The disputes issue registers its exclusion the same way."""
        invoice = InvoiceFactory()
        other = InvoiceFactory()
        selection.register_invoice_exclusion("test: disputed")(lambda today: Q(number=invoice.number))
        try:
            kept = set(dunnable_invoices(date.today()).values_list("pk", flat=True))
        finally:
            selection._EXCLUSIONS.pop("test: disputed")
        assert invoice.pk not in kept and other.pk in kept
