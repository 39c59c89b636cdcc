"""Absence pages, the managers' team view, and other people's worklists."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape

from accounts import services
from accounts.models import Event, Task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def short(day):
    with translation.override("en"):
        return date_format(day, "SHORT_DATE_FORMAT")


@pytest.fixture
def tasks(controller, other_controller):
    today = timezone.localdate()
    made = []
    for i in range(3):
        customer = CustomerFactory(number=f"T{i}", controller=controller)
        made.append(
            services.create_task(
                customer=customer,
                title=f"Call {i}",
                due_date=today - timedelta(days=i),
                by="t",
                priority=i + 1,
            )
        )
    later = services.create_task(
        customer=made[0].customer, title="Later", due_date=today + timedelta(days=4), by="t"
    )
    theirs = services.create_task(
        customer=CustomerFactory(number="O1", controller=other_controller),
        title="Olga's",
        due_date=today,
        by="t",
    )
    return {"mine": made, "later": later, "theirs": theirs}


class TestAbsence:
    def test_controller_sets_own_absence_with_deputy_and_tasks_move_now(
        self, client, controller, other_controller, tasks
    ):
        client.force_login(controller)
        until = timezone.localdate() + timedelta(days=10)
        page = client.get(reverse("dunning:absence"))
        assert page.status_code == 200 and "My absence" in page.text
        response = client.post(
            reverse("dunning:absence"),
            {"absent_until": until.isoformat(), "deputy": other_controller.pk},
            follow=True,
        )
        controller.refresh_from_db()
        assert (controller.absent_until, controller.deputy) == (until, other_controller)
        assert "3 open tasks handed over." in response.text
        assert {
            t.title: t.assignee.username for t in Task.objects.filter(customer__controller=controller)
        } == {
            "Call 0": "olga.controller",
            "Call 1": "olga.controller",
            "Call 2": "olga.controller",
            "Later": "chris.controller",  # not due yet
        }
        assert Event.objects.filter(verb="reassigned").count() == 3
        # The worklist says so in its header.
        page = client.get(reverse("dunning:worklist"), {"show": "all"})
        assert f"Absent until {short(until)}" in page.text
        assert escape(f"New tasks go to {other_controller}.") in page.text

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"absent_until": "2020-01-01"}, "cannot be in the past"),
            ({"absent_until": "not a date"}, "Enter a valid date"),
        ],
    )
    def test_refused(self, client, controller, data, error):
        client.force_login(controller)
        response = client.post(reverse("dunning:absence"), data)
        assert response.status_code == 200 and error in response.text
        controller.refresh_from_db()
        assert controller.absent_until is None

    def test_own_deputy_cannot_be_oneself(self, client, controller):
        client.force_login(controller)
        response = client.post(reverse("dunning:absence"), {"deputy": controller.pk})
        assert "Select a valid choice" in response.text

    def test_back_clears_the_absence(self, client, controller, other_controller):
        controller.absent_until = timezone.localdate() + timedelta(days=3)
        controller.deputy = other_controller
        controller.save()
        client.force_login(controller)
        response = client.post(reverse("dunning:absence"), {"absent_until": "", "deputy": ""}, follow=True)
        controller.refresh_from_db()
        assert controller.absent_until is None and controller.deputy is None
        assert escape(f"{controller} is available.") in response.text  # names like d'Heripon

    def test_manager_sets_a_controllers_absence(self, client, manager, controller, tasks):
        client.force_login(manager)
        until = timezone.localdate() + timedelta(days=2)
        response = client.post(
            reverse("dunning:absence_for", args=[controller.pk]), {"absent_until": until.isoformat()}
        )
        assert response.status_code == 302 and response["Location"] == reverse("dunning:team")
        controller.refresh_from_db()
        assert controller.absent_until == until
        # No deputy: the controller with the fewest open tasks (olga) takes them.
        assert set(
            Task.objects.filter(title__startswith="Call").values_list("assignee__username", flat=True)
        ) == {"olga.controller"}

    def test_controller_cannot_set_someone_elses(self, client, controller, other_controller):
        client.force_login(controller)
        assert client.get(reverse("dunning:absence_for", args=[other_controller.pk])).status_code == 403


class TestTeam:
    def test_tasks_per_person_with_absence(
        self, client, manager, controller, other_controller, tasks, django_assert_max_num_queries
    ):
        other_controller.absent_until = timezone.localdate() + timedelta(days=5)
        other_controller.deputy = controller
        other_controller.save()
        client.force_login(manager)
        with django_assert_max_num_queries(6):
            page = client.get(reverse("dunning:team"))
        rows = {u.username: (u.open_tasks, u.due_tasks, u.urgent_tasks) for u in page.context["rows"]}
        assert rows["chris.controller"] == (4, 3, 2)
        assert rows["olga.controller"] == (1, 1, 0)
        assert (timezone.localdate() + timedelta(days=5)).strftime(
            "%d-%m-%Y"
        ) in page.text or "badge warn" in page.text
        assert f"?assignee={controller.pk}" in page.text

    def test_query_count_does_not_grow_with_people(
        self, client, manager, tasks, django_assert_max_num_queries
    ):
        from tests.factories import UserFactory

        for i in range(10):
            UserFactory(username=f"extra{i}", role="controller")
        client.force_login(manager)
        with django_assert_max_num_queries(6):
            client.get(reverse("dunning:team"))

    def test_manager_opens_a_controllers_worklist_and_works_it_in_bulk(
        self, client, manager, controller, other_controller, tasks
    ):
        client.force_login(manager)
        page = client.get(reverse("dunning:worklist"), {"assignee": controller.pk, "show": "all"})
        assert escape(f"Worklist of {controller}") in page.text
        assert {t.title for t in page.context["page"].object_list} == {"Call 0", "Call 1", "Call 2", "Later"}
        ids = [t.pk for t in tasks["mine"]]
        response = client.post(
            reverse("dunning:worklist_bulk"),
            {"person": controller.pk, "tasks": ids, "do": "reassign", "assignee": other_controller.pk},
        )
        assert response["Location"].endswith(f"?assignee={controller.pk}&show=all")
        assert set(Task.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {
            other_controller.pk
        }

    def test_a_controller_only_sees_their_own(self, client, controller, other_controller, tasks):
        client.force_login(controller)
        page = client.get(reverse("dunning:worklist"), {"assignee": other_controller.pk, "show": "all"})
        assert "Olga's" not in page.text and page.context["person"] == controller
        client.post(
            reverse("dunning:worklist_bulk"),
            {
                "person": other_controller.pk,
                "tasks": [tasks["theirs"].pk],
                "do": "snooze",
                "until": (timezone.localdate() + timedelta(days=3)).isoformat(),
            },
        )
        tasks["theirs"].refresh_from_db()
        assert tasks["theirs"].due_date == timezone.localdate()


def test_exception_task_on_the_worklist_with_its_reason(controller_client, controller):
    from dunning.workflow.exceptions import raise_exceptions

    customer = CustomerFactory(number="X1", name="Over B.V.", credit_limit=D("10000"), controller=controller)
    services.post_invoice(
        customer=customer,
        number="F-1",
        issue_date=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=30),
        amount=D("12400"),
        by="erp",
    )
    raise_exceptions(today=timezone.localdate())
    page = controller_client.get(reverse("dunning:worklist"))
    row = page.text[page.text.index("Over B.V.") :]
    assert "Over the credit limit" in row
    assert "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open), unknown risk" in row
    task = Task.objects.get(customer=customer)
    response = controller_client.post(
        reverse("dunning:task_outcome", args=[task.pk]),
        {"code": "no_action", "note": "limit raise requested"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"task-{task.pk}",
    )
    assert response.status_code == 200 and "No action needed" in response.text
    assert "Over the credit limit" in response.text  # the row keeps its reason after the swap


def test_worklist_query_count_with_exceptions_and_absence(
    client, manager, controller, other_controller, django_assert_max_num_queries
):
    """Exception tasks, dunning tasks and the absence banner: the same queries for 3 or 30 tasks."""
    from dunning.workflow.exceptions import raise_exceptions

    controller.absent_until = timezone.localdate() + timedelta(days=3)
    controller.deputy = other_controller
    controller.save()

    def add(n, start):
        for i in range(start, start + n):
            customer = CustomerFactory(number=f"Q{i}", credit_limit=D("100"), controller=other_controller)
            services.post_invoice(
                customer=customer,
                number=f"Q-{i}",
                issue_date=timezone.localdate(),
                due_date=timezone.localdate() + timedelta(days=30),
                amount=D("500"),
                by="erp",
            )
        raise_exceptions(today=timezone.localdate())

    add(3, 0)
    client.force_login(manager)
    url = reverse("dunning:worklist")
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"assignee": other_controller.pk, "show": "all"})
    add(30, 100)
    with django_assert_max_num_queries(len(small)) as large:
        page = client.get(url, {"assignee": other_controller.pk, "show": "all"})
    assert len(page.context["page"].object_list) == 33
    assert len(large) == len(small)
    client.force_login(controller)
    with django_assert_max_num_queries(len(small) + 1):  # the deputy's name in the banner
        page = client.get(url)
    assert escape(f"New tasks go to {other_controller}.") in page.text
