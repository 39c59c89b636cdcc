"""Dunning pages: full page, htmx partial, refused roles, fixed query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Event, Task
from creditmgmt.daily import run_daily
from dunning.models import DunningAction, DunningStop, Message, Template, WorkflowRun
from tests.dunning.conftest import DAY, post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@pytest.fixture
def worked(book):
    """Thirty days of runs: calls, approvals and a delivery block."""
    for offset in range(0, 30):
        run_daily((DAY + timedelta(days=offset)).isoformat())
    return book


QUERIES = 5


class TestWorklist:
    url = reverse("dunning:worklist")

    def test_ranked_tasks_with_explanation(self, controller_client, worked):
        page = controller_client.get(self.url, {"show": "all"})
        assert page.status_code == 200
        tasks = list(page.context["page"].object_list)
        assert tasks and all(t.assignee.username == "chris.controller" for t in tasks)
        scores = [(t.priority, -t.score) for t in tasks]
        assert scores == sorted(scores)
        assert "EUR 12,400 overdue" in page.text
        # Harbour Trading owes EUR 12,400 against a limit of EUR 10,000: an exception with its score.
        over = next(t for t in tasks if hasattr(t, "exception_case"))
        assert over.score == over.exception_case.score > 0
        assert "EUR 2,400 over the limit of EUR 10,000 (EUR 12,400 open), medium risk" in page.text
        assert "Approve and send" in page.text  # the final notice waits

    def test_query_count_is_fixed(self, controller_client, controller, worked, django_assert_num_queries):
        with django_assert_num_queries(QUERIES):
            controller_client.get(self.url, {"show": "all"})
        for i in range(20):
            customer = CustomerFactory(controller=controller, risk_class="high")
            post(customer, f"X-{i}", 40, today=DAY)
        # A letter first, the call five days later (the notice the day after would supersede it).
        for offset in range(30, 36):
            run_daily((DAY + timedelta(days=offset)).isoformat())
        assert Task.objects.filter(assignee=controller).count() > 20
        # Session, user, count, the page of tasks, the people to hand over to: whatever the number
        # of tasks, their kinds (steps, exceptions, plans) or rows without an action.
        with django_assert_num_queries(QUERIES):
            page = controller_client.get(self.url, {"show": "all"})
        assert len(page.context["page"].object_list) > 20

    def test_refused_for_sales_and_counter(self, client, sales_rep, counter_clerk):
        for user in (sales_rep, counter_clerk):
            client.force_login(user)
            assert client.get(self.url).status_code == 403

    def test_outcome_inline_pauses_dunning_on_a_promise(self, controller_client, worked):
        call = (
            DunningAction.objects.filter(step__action="call", task__status="open")
            .select_related("task")
            .first()
        )
        url = reverse("dunning:task_outcome", args=[call.task.pk])
        response = controller_client.post(url, {"code": "promised", "note": "pays Friday"}, **htmx("task-x"))
        assert response.status_code == 200
        assert f'id="task-{call.task.pk}"' in response.text and "Payment promised" in response.text
        call.task.refresh_from_db()
        assert (call.task.status, call.task.outcome) == ("done", "promised")
        assert DunningStop.objects.active().filter(customer=call.customer, reason="promise").exists()

    def test_voicemail_plans_another_try(self, controller_client, worked):
        call = (
            DunningAction.objects.filter(step__action="call", task__status="open")
            .select_related("task")
            .first()
        )
        controller_client.post(reverse("dunning:task_outcome", args=[call.task.pk]), {"code": "voicemail"})
        assert Task.objects.filter(
            customer=call.customer, title__startswith="Try again", status="open"
        ).exists()

    def test_approve_and_send_a_waiting_reminder(
        self, controller_client, worked, django_capture_on_commit_callbacks
    ):
        waiting = DunningAction.objects.filter(status="waiting", customer__number="C2").get()
        url = reverse("dunning:action_approve", args=[waiting.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = controller_client.post(url, **htmx("task"))
        assert response.status_code == 200 and "Approved" in response.text
        waiting.refresh_from_db()
        assert waiting.status == "done" and waiting.task.status == "done"
        message = waiting.messages.get()
        # A final notice is a letter: printed in a batch by the delivery task after the commit.
        assert message.channel == "letter" and message.status == "sent" and message.batch is not None
        assert "Statutory collection costs" in message.body and "€899.00" in message.body
        again = controller_client.post(url, follow=True)
        assert "not waiting for approval" in again.text

    def test_bulk_snooze(self, controller_client, controller, worked):
        mine = list(Task.objects.open().filter(assignee=controller).values_list("pk", flat=True))
        later = DAY + timedelta(days=45)
        response = controller_client.post(
            reverse("dunning:worklist_bulk"), {"tasks": mine, "do": "snooze", "until": later.isoformat()}
        )
        assert response.status_code == 302
        assert set(Task.objects.filter(pk__in=mine).values_list("due_date", flat=True)) == {later}

    def test_bulk_cannot_touch_someone_elses_tasks(self, controller_client, other_controller, worked):
        # Their call was superseded by the notice of default: give them a task of their own.
        services.create_task(
            customer=worked["high_letter"], title="Check the delivery", due_date=DAY, by="test"
        )
        theirs = list(Task.objects.open().filter(assignee=other_controller).values_list("pk", flat=True))
        assert theirs
        controller_client.post(
            reverse("dunning:worklist_bulk"),
            {"tasks": theirs, "do": "reassign", "assignee": other_controller.pk},
        )
        assert not Event.objects.filter(verb="reassigned").exists()


class TestCustomerPanel:
    def test_shows_procedure_stage_next_and_history(self, controller_client, worked):
        customer = worked["medium_en"]
        page = controller_client.get(reverse("accounts:customer_detail", args=[customer.pk]))
        assert page.status_code == 200
        html = page.text
        assert "Medium risk" in html and "Dunning history" in html and "First reminder" in html

    def test_set_and_lift_a_stop(self, controller_client, controller, worked):
        customer = worked["low_nl"]
        url = reverse("dunning:stop_set", args=[customer.pk])
        controller_client.post(url, {"reason": "investigation", "note": "checking delivery"})
        stop = DunningStop.objects.get(customer=customer)
        assert stop.created_by == controller and stop.is_active()
        assert Event.objects.filter(customer=customer, verb="stop_set").exists()
        page = controller_client.get(reverse("accounts:customer_detail", args=[customer.pk]))
        assert "checking delivery" in page.text
        controller_client.post(reverse("dunning:stop_lift", args=[stop.pk]))
        stop.refresh_from_db()
        assert stop.lifted_at is not None

    def test_sales_sees_no_stop_form(self, client, sales_rep, worked):
        client.force_login(sales_rep)
        page = client.get(reverse("accounts:customer_detail", args=[worked["low_nl"].pk]))
        assert "Stop dunning" not in page.text


class TestManagerPages:
    def test_edit_template_keeps_versions_and_previews_a_real_customer(self, client, manager, book):
        client.force_login(manager)
        template = Template.objects.get(
            key="medium-reminder-1", channel="email", language="en", is_current=True
        )
        url = reverse("dunning:template_edit", args=[template.pk])
        page = client.get(url, {"customer": "C2"})
        assert "Dear John Smith" in page.text and "M-1" in page.text
        preview = client.post(
            url,
            {"subject": "Pay {{ customer.name }}", "body": "Hello {{ contact.name }}", "customer": "C2"},
            **htmx("preview"),
        )
        assert "Pay Harbour Trading Ltd" in preview.text and "<html" not in preview.text
        bad = client.post(url, {"subject": "x", "body": "{% if %}", "save": "1"})
        assert "template error" in bad.text
        saved = client.post(url, {"subject": "Pay now", "body": "Dear {{ contact.name }}", "save": "1"})
        assert saved.status_code == 302
        versions = Template.objects.filter(key="medium-reminder-1", channel="email", language="en")
        # Version 2 is the shipped text with payment references (migration 0003); 3 is the edit.
        assert sorted(versions.values_list("version", "is_current")) == [(1, False), (2, False), (3, True)]

    def test_step_edit_and_order_rule(self, client, manager, book):
        client.force_login(manager)
        step = DunningAction  # noqa: F841 (readability)
        from dunning.models import Procedure

        procedure = Procedure.objects.get(code="medium")
        second = procedure.steps.get(position=2)
        url = reverse("dunning:step_edit", args=[procedure.pk, second.pk])
        data = {
            "position": 2,
            "name": "Second reminder",
            "offset_days": 40,
            "action": "email",
            "template_key": "medium-reminder-2",
        }
        response = client.post(url, data)
        assert "in the order of their days" in response.text
        data["offset_days"] = 12
        assert client.post(url, data).status_code == 302
        second.refresh_from_db()
        assert second.offset_days == 12

    def test_run_page_start_and_progress_partial(
        self, client, manager, book, django_capture_on_commit_callbacks
    ):
        client.force_login(manager)
        with django_capture_on_commit_callbacks(execute=True):  # the worker runs it (sync in tests)
            response = client.post(reverse("dunning:run_start"))
        assert response.status_code == 302
        run = WorkflowRun.objects.get()
        assert run.status == "done" and run.started_by == "user: mark.manager"
        partial = client.get(reverse("dunning:run_list"), **htmx("run-progress"))
        assert 'id="run-progress"' in partial.text and "<html" not in partial.text

    def test_dry_run_page(self, client, manager, book):
        client.force_login(manager)
        page = client.get(reverse("dunning:run_preview"), {"go": "1"})
        assert "Harbour Trading Ltd" in page.text and not DunningAction.objects.exists()

    def test_outbox_filters_and_retry(
        self, client, manager, book, django_assert_max_num_queries, django_capture_on_commit_callbacks
    ):
        run_daily(DAY.isoformat())
        Message.objects.filter(customer=book["low_nl"]).update(status="failed", last_error="550 no such user")
        client.force_login(manager)
        with django_assert_max_num_queries(10):
            page = client.get(reverse("dunning:outbox"), {"status": "failed"})
        assert list(page.context["page"].object_list) == list(Message.objects.filter(status="failed"))
        message = Message.objects.get(status="failed")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("dunning:message_retry", args=[message.pk]))
        message.refresh_from_db()
        assert message.status == "sent" and message.attempts == 1

    def test_controller_cannot_configure(self, controller_client):
        assert controller_client.get(reverse("dunning:procedure_list")).status_code == 403
        assert controller_client.post(reverse("dunning:run_start")).status_code == 403
