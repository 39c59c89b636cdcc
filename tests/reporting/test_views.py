"""The dashboards as each role sees them, on the worked-example book."""

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import CustomerFactory
from tests.reporting.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(TODAY.isoformat() + " 10:00 +01:00", tick=False):
        yield


def test_manager_sees_the_figures_and_each_controller(client, manager, book, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.status_code == 200
    html = response.content.decode()
    assert "4,300.00" in html  # open (the manager reads English)
    assert "2,500.00" in html  # overdue
    assert "58.1% of open" in html
    assert ">56.0<" in html  # countback DSO
    assert "24.2%" in html  # CEI of March
    assert "<svg" in html and "Alfa" in html  # chart and top debtors
    assert [c["open"] for c in response.context["controllers"]] == [Decimal("4300.00")]


def test_drill_down_from_a_bucket_lists_its_customers(client, manager, book):
    a, b = book
    client.force_login(manager)
    response = client.get(reverse("reporting:bucket_customers"), {"bucket": "d31_60"})
    assert [s.customer for s in response.context["page"].object_list] == [a]
    response = client.get(reverse("reporting:bucket_customers"), {"bucket": "overdue"})
    assert [s.customer for s in response.context["page"].object_list] == [b, a]  # most overdue first


def test_a_controller_sees_their_own_portfolio_by_default(client, other_controller, book):
    CustomerFactory(controller=other_controller)
    client.force_login(other_controller)
    response = client.get(reverse("reporting:dashboard"))
    assert response.context["filters"].controller_id == other_controller.pk
    assert response.context["board"].current.open_amount == 0  # none of the book is theirs


def test_sales_sees_payment_behaviour_but_not_the_controllers(client, sales_rep, book):
    client.force_login(sales_rep)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert response.context["controllers"] == []
    assert client.get(reverse("reporting:export", args=["controllers", "csv"])).status_code == 404


def test_counter_staff_cannot_see_dashboards(client, counter_clerk, book):
    client.force_login(counter_clerk)
    assert client.get(reverse("reporting:dashboard")).status_code == 403


def test_exports_as_csv_and_excel(client, manager, book):
    client.force_login(manager)
    response = client.get(reverse("reporting:export", args=["customers", "csv"]), {"bucket": "overdue"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][1] == "Customer" or rows[0][1] == "Klant"
    assert [r[1] for r in rows[1:]] == ["Bravo", "Alfa"]
    response = client.get(reverse("reporting:export", args=["trend", "xlsx"]), {"months": 3})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[-1][0] == TODAY.isoformat()
    assert values[-1][2] == 4300.0


def test_unknown_export_is_not_found(client, manager, book):
    client.force_login(manager)
    assert client.get(reverse("reporting:export", args=["secrets", "csv"])).status_code == 404


def test_empty_book_explains_how_to_start(client, manager):
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    assert response.context["board"].current is None


def test_controller_performance_counts_collections_and_tasks_done(client, manager, controller, book):
    from accounts import services
    from reporting.snapshots import rebuild_monthly_sales

    a, _ = book
    services.record_payment(customer=a, amount=Decimal("250.00"), value_date=TODAY, by="test")
    task = services.create_task(customer=a, title="Call", due_date=TODAY, by="test", assignee=controller)
    services.complete_task(task=task, outcome="reached", by=controller)
    rebuild_monthly_sales(TODAY)
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    (row,) = response.context["controllers"]
    assert row["collected"] == Decimal("250.00")
    assert row["tasks_done"] == 1


def test_promise_kept_rate_overall_and_per_controller(client, manager, controller, book):
    from dunning.models import Promise

    a, b = book
    for customer, status in ((a, "kept"), (a, "broken"), (b, "kept"), (b, "open")):
        fields = {"amount": Decimal("100.00"), "open_at_promise": Decimal("100.00"), "channel": "phone"}
        fields.update(promised_date=TODAY, paused_until=TODAY, status=status)
        Promise.objects.create(customer=customer, **fields)
    client.force_login(manager)
    response = client.get(reverse("reporting:dashboard"), {"months": 3})
    assert response.context["promises"]["rate"] == Decimal("66.7")
    assert response.context["controllers"][0]["promise_rate"] == Decimal("66.7")
