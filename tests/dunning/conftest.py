from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from accounts import services
from tests.factories import ContactFactory, CustomerFactory

DAY = date(2026, 11, 20)


def post(customer, number, days_overdue, amount="1210.00", today=DAY):
    due = today - timedelta(days=days_overdue)
    return services.post_invoice(
        customer=customer,
        number=number,
        issue_date=due - timedelta(days=30),
        due_date=due,
        amount=D(amount),
        by="erp",
    )


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Letters and case files go to a temporary folder, never to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def book(controller, other_controller):
    """Customers at different ages and risks, Dutch and English, with and without e-mail."""
    low_nl = CustomerFactory(name="Bakkerij De Vries", number="C1", risk_class="low", controller=controller)
    ContactFactory(customer=low_nl, name="Petra Smit", email="petra@devries.example", is_primary=True)
    post(low_nl, "L-1", 12)  # low risk: reminder at +10

    medium_en = CustomerFactory(
        name="Harbour Trading Ltd",
        number="C2",
        risk_class="medium",
        language="en",
        country="GB",
        controller=controller,
    )
    ContactFactory(customer=medium_en, name="John Smith", email="ap@harbour.example", language="en")
    post(medium_en, "M-1", 5, amount="12400.00")  # medium: first reminder at +3

    high_letter = CustomerFactory(
        name="Van Dijk Transport",
        number="C3",
        risk_class="high",
        controller=other_controller,
        address="Kade 1",
        postal_code="8011 AA",
        city="Zwolle",
    )
    post(high_letter, "H-1", 2, amount="605.00")  # high: +1 e-mail, but no e-mail address: a letter

    not_due = CustomerFactory(name="Op Tijd B.V.", number="C4", risk_class="low", controller=controller)
    ContactFactory(customer=not_due, email="ap@optijd.example")
    post(not_due, "N-1", -20)  # nothing due yet
    return {"low_nl": low_nl, "medium_en": medium_en, "high_letter": high_letter, "not_due": not_due}
