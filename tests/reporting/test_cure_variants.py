"""The cure rate per step split by template variant, on the dashboard and in its drill-down."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from dunning.models import DunningAction, Procedure
from reporting.cure import cure_rates
from reporting.models import ActionOutcome
from tests.factories import CustomerFactory
from tests.reporting.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY.isoformat() + " 10:00 +01:00", tick=False):
        yield


@pytest.fixture
def steps():
    return list(Procedure.objects.get(code="medium").steps.order_by("position"))


def outcome(step, variant, cured, customer=None, controller=None):
    customer = customer or CustomerFactory()
    action = DunningAction.objects.create(
        customer=customer, procedure=step.procedure, step=step, cycle=1, date=TODAY, status="done",
        invoice_ids=[], amount=Decimal("10.00"), days_overdue=10, template_variant=variant,
    )  # fmt: skip
    return ActionOutcome.objects.create(
        action=action, step=step, date=TODAY, controller=controller, amount=Decimal("10.00"), cured=cured
    )


def test_one_row_per_variant_with_the_number_of_actions(steps):
    first, second = steps[0], steps[1]
    # Step 1: A 3 of 4 cured (one sent before variants existed: blank counts as A), B 1 of 2.
    for variant, cured in (("A", True), ("A", True), ("", True), ("A", False), ("B", True), ("B", False)):
        outcome(first, variant, cured)
    # Step 2: a single variant, one row as before; 1 of 3 cured.
    for cured in (True, False, False):
        outcome(second, "A", cured)
    rows = cure_rates(TODAY - timedelta(days=30), TODAY)
    assert [(r["position"], r["variant"], r["actions"], r["cured"], r["rate"]) for r in rows] == [
        (first.position, "A", 4, 3, 75.0),
        (first.position, "B", 2, 1, 50.0),
        (second.position, None, 3, 1, 33.3),
    ]
    # A is the reference; B against it: far too few steps to tell (Fisher's exact test, p = 1).
    assert [r["verdict"] for r in rows] == [
        "the text the others are compared with",
        "no clear difference yet",
        "",
    ]
    assert rows[1]["comparison"].p_value == pytest.approx(1.0)
    assert rows[1]["test"] == "Fisher's exact test, p = 1.000"
    assert rows[2]["comparison"] is None


def test_a_clear_difference_is_named_with_its_confidence(steps):
    # A: 15 of 30 cured; B: 26 of 30 (z = 3.05, p = 0.002); C: 17 of 30 (p = 0.60).
    for n in range(30):
        outcome(steps[0], "A", n < 15)
        outcome(steps[0], "B", n < 26)
        outcome(steps[0], "C", n < 17)
    rows = cure_rates(TODAY - timedelta(days=30), TODAY)
    assert [(r["variant"], r["rate"], r["verdict"]) for r in rows] == [
        ("A", 50.0, "the text the others are compared with"),
        ("B", 86.7, "B cures more than A (95 % confidence)"),
        ("C", 56.7, "no clear difference yet"),
    ]
    assert rows[1]["test"] == "two-proportion z-test, p = 0.002"
    assert rows[2]["comparison"].p_value == pytest.approx(0.6048, abs=1e-4)


def test_without_a_the_first_variant_is_the_reference(steps):
    for n in range(30):
        outcome(steps[0], "B", n < 25)
        outcome(steps[0], "C", n < 10)
    rows = cure_rates(TODAY - timedelta(days=30), TODAY)
    assert [r["verdict"] for r in rows] == [
        "the text the others are compared with",
        "C cures less than B (95 % confidence)",
    ]


def test_dashboard_shows_variants_and_drills_down_to_their_customers(
    client, manager, controller, book, steps, django_assert_max_num_queries
):
    a, b = book
    first = steps[0]
    outcome(first, "A", True, customer=a, controller=controller)
    outcome(first, "B", False, customer=b, controller=controller)
    client.force_login(manager)
    with django_assert_max_num_queries(19):  # as without variants (test_views)
        response = client.get(reverse("reporting:dashboard"), {"months": 3})
    html = response.content.decode()
    assert [(r["variant"], r["actions"], r["rate"]) for r in response.context["cure"]] == [
        ("A", 1, 100.0),
        ("B", 1, 0.0),
    ]
    assert "variant B" in html and "no clear difference yet" in html
    assert 'title="Fisher&#x27;s exact test, p = 1.000"' in html
    assert f"step={first.pk}&variant=B" in html
    url = reverse("reporting:figure_customers", args=["cure"])
    rows = client.get(url, {"step": first.pk, "variant": "B"}).context["page"].object_list
    assert [(r["customer__name"], r["cells"]) for r in rows] == [("Bravo", [1, 0])]
    rows = client.get(url, {"step": first.pk, "variant": "A"}).context["page"].object_list
    assert [(r["customer__name"], r["cells"]) for r in rows] == [("Alfa", [1, 1])]
    pdf = client.get(reverse("reporting:dashboard_pdf"), {"months": 3})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    from tests.reporting.test_scheduled import pdf_text

    text = " ".join(pdf_text(pdf.content).split())
    assert "Variants compared" in text and "no clear difference yet" in text
    assert "exact test, p = 1.000" in text  # the cell wraps
