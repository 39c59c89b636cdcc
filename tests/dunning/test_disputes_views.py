"""Dispute pages per role: list with filters, summary, detail actions, opening one; query counts."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Invoice
from dunning.models import Dispute, DisputeReason, DunningAction, DunningStop
from dunning.services.disputes import open_dispute, reject_dispute, resolve_with_credit_note
from tests.dunning.conftest import DAY, post
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@pytest.fixture(autouse=True)
def on_day():
    with time_machine.travel(DAY, tick=False) as traveller:
        yield traveller


def reason(code="price"):
    return DisputeReason.objects.get(code=code)


@pytest.fixture
def disputes(book, controller, sales_rep, manager):
    mine = open_dispute(
        customer=book["medium_en"],
        invoices=book["medium_en"].invoices.all(),
        reason=reason("quantity"),
        by=controller,
        owner=sales_rep,
    )
    watched = open_dispute(
        customer=book["low_nl"], invoices=book["low_nl"].invoices.all(), reason=reason(), by=controller
    )
    watched.watchers.add(sales_rep)
    other = open_dispute(
        customer=book["high_letter"],
        invoices=book["high_letter"].invoices.all(),
        reason=reason("damaged"),
        by=controller,
        owner=manager,
    )
    return {"mine": mine, "watched": watched, "other": other}


class TestList:
    url = reverse("dunning:dispute_list")

    def test_controller_sees_all_open_disputes_and_filters(self, controller_client, disputes):
        page = controller_client.get(self.url)
        assert page.status_code == 200
        assert {d.pk for d in page.context["page"].object_list} == {d.pk for d in disputes.values()}
        assert "Harbour Trading Ltd" in page.text and "Root causes" in page.text
        partial = controller_client.get(self.url, {"reason": reason("damaged").pk}, **htmx("results"))
        assert [d.pk for d in partial.context["page"].object_list] == [disputes["other"].pk]
        assert "<html" not in partial.text and 'id="results"' in partial.text

    def test_filters_by_owner_status_and_age(self, controller_client, disputes, manager, controller, on_day):
        by_owner = controller_client.get(self.url, {"owner": manager.pk, "status": "open_any"})
        assert [d.pk for d in by_owner.context["page"].object_list] == [disputes["other"].pk]
        reject_dispute(dispute=disputes["other"], by=controller, note="no")
        rejected = controller_client.get(self.url, {"status": "rejected"})
        assert [d.pk for d in rejected.context["page"].object_list] == [disputes["other"].pk]
        on_day.move_to(DAY + timedelta(days=10))
        assert (
            controller_client.get(self.url, {"age": "0-7", "status": ""}).context["page"].paginator.count == 0
        )
        assert (
            controller_client.get(self.url, {"age": "8-30", "status": ""}).context["page"].paginator.count
            == 3
        )

    def test_sales_see_only_what_they_own_or_watch(self, client, sales_rep, disputes):
        client.force_login(sales_rep)
        page = client.get(self.url)
        assert {d.pk for d in page.context["page"].object_list} == {
            disputes["mine"].pk,
            disputes["watched"].pk,
        }
        assert "Root causes" not in page.text
        assert client.get(reverse("dunning:dispute_summary")).status_code == 403

    def test_sales_see_the_disputes_of_the_customers_they_manage(self, client, sales_rep, disputes):
        from creditmgmt.models import Role
        from creditmgmt.services import create_user

        lisa = create_user(username="lisa.sales", role=Role.SALES)
        van_dijk, de_vries = disputes["other"].customer, disputes["watched"].customer
        van_dijk.account_manager = sales_rep
        van_dijk.save()
        de_vries.account_manager = lisa  # Lisa's customer now; Sam still watches its dispute
        de_vries.save()
        client.force_login(sales_rep)
        page = client.get(self.url)
        assert {d.pk for d in page.context["page"].object_list} == {d.pk for d in disputes.values()}
        client.force_login(lisa)
        page = client.get(self.url)
        assert {d.pk for d in page.context["page"].object_list} == {disputes["watched"].pk}
        assert client.get(reverse("dunning:dispute_detail", args=[disputes["other"].pk])).status_code == 403

    def test_counter_is_refused(self, client, counter_clerk):
        client.force_login(counter_clerk)
        assert client.get(self.url).status_code == 403

    def test_query_count_is_fixed(self, controller_client, controller, django_assert_max_num_queries):
        for i in range(30):
            customer = CustomerFactory(controller=controller)
            invoice = post(customer, f"Q-{i}", 10)
            open_dispute(
                customer=customer, invoices=[invoice], reason=reason(), by=controller, owner=controller
            )
        with django_assert_max_num_queries(6):
            page = controller_client.get(self.url)
        assert len(page.context["page"].object_list) == 25


class TestSummary:
    def test_per_reason_and_month_with_time_to_resolve(
        self, controller_client, disputes, controller, on_day, django_assert_max_num_queries
    ):
        on_day.move_to(DAY + timedelta(days=4))
        resolve_with_credit_note(dispute=disputes["watched"], by=controller)
        with django_assert_max_num_queries(6):
            page = controller_client.get(reverse("dunning:dispute_summary"))
        rows = {r["reason__code"]: r for r in page.context["per_reason"]}
        assert rows["price"]["n"] == 1 and rows["price"]["median_days"] == pytest.approx(4)
        assert rows["quantity"]["total"] == D("12400.00") and rows["quantity"]["still_open"] == 1
        assert page.context["count"] == 3 and page.context["resolved"] == 1
        assert [m["n"] for m in page.context["per_month"]] == [3]


class TestDetail:
    def url(self, dispute):
        return reverse("dunning:dispute_detail", args=[dispute.pk])

    def update(self, dispute):
        return reverse("dunning:dispute_update", args=[dispute.pk])

    def test_detail_shows_invoices_history_and_actions(
        self, controller_client, disputes, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(10):
            page = controller_client.get(self.url(disputes["mine"]))
        assert "M-1" in page.text and "Resolve with credit note" in page.text

    def test_the_credit_note_amount_box_has_its_maximum_in_dutch(self, controller_client, disputes):
        """<input type=number> drops a max of "1500,50": the dispute's amount is written unlocalized."""
        from django.conf import settings

        controller_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
        page = controller_client.get(self.url(disputes["mine"])).text
        amount = disputes["mine"].amount
        assert '<html lang="nl"' in page
        assert f'max="{amount}" value="{amount}"' in page

    def test_sales_owner_comments_but_cannot_resolve(self, client, sales_rep, disputes):
        client.force_login(sales_rep)
        mine = disputes["mine"]
        assert client.get(self.url(mine)).status_code == 200
        response = client.post(self.update(mine), {"do": "comment", "text": "Checked"}, **htmx("work"))
        assert response.status_code == 200 and "Comment added" in response.text
        assert "Resolve with credit note" not in response.text
        assert client.post(self.update(mine), {"do": "resolve"}).status_code == 403
        assert client.post(self.update(mine), {"do": "investigate"}).status_code == 302
        mine.refresh_from_db()
        assert mine.status == "investigating"

    def test_sales_cannot_see_others(self, client, sales_rep, disputes):
        client.force_login(sales_rep)
        assert client.get(self.url(disputes["other"])).status_code == 403
        assert client.post(self.update(disputes["other"]), {"do": "comment", "text": "x"}).status_code == 403

    def test_resolve_twice_is_refused_with_a_message(self, controller_client, disputes):
        url = self.update(disputes["watched"])
        first = controller_client.post(url, {"do": "resolve", "text": "ok"}, **htmx("work"))
        assert "Resolved: the credit note is posted" in first.text
        second = controller_client.post(url, {"do": "resolve", "text": "ok"}, **htmx("work"))
        assert "already resolved" in second.text
        assert Invoice.objects.filter(number__startswith="CN-D").count() == 1

    def test_reject_needs_a_reason(self, controller_client, disputes):
        response = controller_client.post(self.update(disputes["mine"]), {"do": "reject"}, **htmx("work"))
        assert "Say why" in response.text
        disputes["mine"].refresh_from_db()
        assert disputes["mine"].status == "open"

    def test_assign_and_watchers(self, controller_client, disputes, manager):
        url = self.update(disputes["mine"])
        controller_client.post(url, {"do": "assign", "user": manager.pk})
        controller_client.post(url, {"do": "watch_add", "user": manager.pk})
        disputes["mine"].refresh_from_db()
        assert disputes["mine"].owner == manager and list(disputes["mine"].watchers.all()) == [manager]


class TestOpenFromThe360:
    def url(self, customer):
        return reverse("dunning:dispute_new", args=[customer.pk])

    def test_panel_on_the_360_links_to_the_form(self, controller_client, disputes, book):
        page = controller_client.get(book["medium_en"].get_absolute_url())
        assert 'id="disputes"' in page.text and self.url(book["medium_en"]) in page.text
        assert f"/dunning/disputes/{disputes['mine'].pk}/" in page.text


def test_open_a_partial_dispute_with_attachment(controller_client, book, sales_rep, manager):
    customer = book["medium_en"]
    invoice = customer.invoices.get()
    url = reverse("dunning:dispute_new", args=[customer.pk])
    assert controller_client.get(url).status_code == 200
    response = controller_client.post(
        url,
        {
            "invoices": [invoice.pk],
            "reason": reason("not_received").pk,
            "amount": "400.00",
            "message": "Pallet 2 never arrived",
            "channel": "mail",
            "owner": sales_rep.pk,
            "watchers": [manager.pk],
            "attachment": SimpleUploadedFile("cmr.jpg", b"\xff\xd8\xff\xe0photo", "image/jpeg"),
        },
    )
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == dispute.get_absolute_url()
    assert (dispute.amount, dispute.channel, dispute.owner) == (D("400.00"), "mail", sales_rep)
    download = controller_client.get(reverse("dunning:dispute_attachment", args=[dispute.pk]))
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"amount": "99999.00"}, "more than the"),
        ({"invoices": []}, "This field is required"),
        # A tampered form: a number no id reaches (SQLite raised OverflowError, a server error).
        ({"invoices": ["9" * 30]}, "Select a valid choice"),
        ({"watchers": ["9" * 30]}, "Select a valid choice"),
        ({"attachment": SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")}, "PDF, PNG or JPEG"),
    ],
)
def test_bad_input_shows_the_form_again(controller_client, book, change, message):
    customer = book["medium_en"]
    url = reverse("dunning:dispute_new", args=[customer.pk])
    data = {"invoices": [customer.invoices.get().pk], "reason": reason().pk, "channel": "phone", **change}
    response = controller_client.post(url, data)
    assert response.status_code == 200 and message in response.text
    assert not Dispute.objects.exists()


def test_another_customers_invoice_is_not_a_choice(controller_client, book):
    customer = book["medium_en"]
    foreign = book["low_nl"].invoices.get()
    url = reverse("dunning:dispute_new", args=[customer.pk])
    data = {"invoices": [foreign.pk], "reason": reason().pk, "channel": "phone"}
    response = controller_client.post(url, data)
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not Dispute.objects.exists()


def test_double_submit_opens_one_dispute(controller_client, book):
    customer = book["medium_en"]
    url = reverse("dunning:dispute_new", args=[customer.pk])
    data = {"invoices": [customer.invoices.get().pk], "reason": reason().pk, "channel": "phone"}
    assert controller_client.post(url, data).status_code == 302
    again = controller_client.post(url, data)
    assert again.status_code == 200 and "already in open dispute" in again.text
    assert Dispute.objects.count() == 1


def test_a_disputed_call_outcome_opens_a_dispute(controller_client, book, controller):
    from creditmgmt.daily import run_daily

    customer = book["medium_en"]
    for offset in range(0, 17):  # medium: reminders, then the call at +21 (M-1 is 5 days overdue)
        run_daily((DAY + timedelta(days=offset)).isoformat())
    call = DunningAction.objects.get(customer=customer, step__action="call")
    response = controller_client.post(
        reverse("dunning:task_outcome", args=[call.task.pk]), {"code": "dispute", "note": "says price wrong"}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(customer=customer)
    assert dispute.channel == "phone" and dispute.owner == controller and dispute.reason.code == "other"
    assert dispute.message == "says price wrong" and dispute.amount == D("12400.00")
    assert not DunningStop.objects.filter(customer=customer).exists()  # the dispute pauses, not a stop
