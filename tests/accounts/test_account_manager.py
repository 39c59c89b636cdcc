"""A customer's account manager: who sales' customers are, editing it, the list, the 360 and the import."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts import imports
from accounts.models import Customer, Event
from creditmgmt.models import Role
from creditmgmt.services import create_user
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_sales(db):
    return create_user(username="lisa.sales", role=Role.SALES, first_name="Lisa", email="lisa@example.com")


@pytest.fixture
def world(controller, sales_rep, other_sales):
    """Sam's customer, Lisa's customer and one without an account manager."""
    return {
        "sams": CustomerFactory(name="Sams Hout", controller=controller, account_manager=sales_rep),
        "lisas": CustomerFactory(name="Lisas Staal", controller=controller, account_manager=other_sales),
        "nobodys": CustomerFactory(name="Niemands Glas", controller=controller),
    }


def names(customers) -> list[str]:
    return sorted(c.name for c in customers)


# --- the rule -----------------------------------------------------------------


def test_a_sales_rep_has_the_customers_they_manage_and_not_anothers(world, sales_rep, other_sales):
    assert names(Customer.objects.of_sales(sales_rep)) == ["Sams Hout"]
    assert names(Customer.objects.of_sales(other_sales)) == ["Lisas Staal"]


def test_without_an_account_manager_the_old_rule_still_counts(world, sales_rep, controller):
    from dunning.models import Dispute, DisputeReason

    reason = DisputeReason.objects.first()
    for customer in (world["nobodys"], world["lisas"]):
        dispute = Dispute.objects.create(
            customer=customer,
            reason=reason,
            amount=Decimal("10.00"),
            currency="EUR",
            owner=controller,
            due_date=date(2026, 3, 1),
        )
        dispute.watchers.add(sales_rep)
    # Watching Lisa's customer's dispute does not make it Sam's: Lisa is its account manager.
    assert names(Customer.objects.of_sales(sales_rep)) == ["Niemands Glas", "Sams Hout"]


def test_a_credit_application_counts_only_for_customers_without_an_account_manager(world, sales_rep):
    from acceptance.models import Decision, RuleSetVersion

    version = RuleSetVersion.objects.get(rule_set__code="medium", status="active")
    for customer in (world["nobodys"], world["lisas"]):
        Decision.objects.create(
            customer=customer, company_name=customer.name, version=version, channel="sales",
            requester=sales_rep, outcome="accept", limit=1000, available=1000,
        )  # fmt: skip
    assert names(Customer.objects.of_sales(sales_rep)) == ["Niemands Glas", "Sams Hout"]


# --- editing ------------------------------------------------------------------


def test_manager_sets_the_account_manager_and_the_timeline_says_who_from_and_to(
    client, manager, world, sales_rep, other_sales
):
    customer = world["sams"]
    client.force_login(manager)
    url = reverse("accounts:customer_edit", args=[customer.pk])
    form = client.get(url).context["form"]
    assert set(form.fields["account_manager"].queryset) == {other_sales, sales_rep}
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        name=customer.name, country="NL", language="nl", legal_form="bv", segment="business",
        controller=customer.controller_id, credit_limit="10000.00", payment_terms_days=30,
        status="active", risk_class="unknown", account_manager=other_sales.pk,
    )  # fmt: skip
    data.pop("parent", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    customer.refresh_from_db()
    assert customer.account_manager == other_sales
    event = Event.objects.get(customer=customer, verb="account_manager_changed")
    assert event.actor == manager
    assert event.data["from"]["username"] == sales_rep.username
    assert event.data["to"]["username"] == other_sales.username
    assert str(sales_rep) in event.summary and str(other_sales) in event.summary
    assert not Event.objects.filter(customer=customer, verb="updated").exists()  # nothing else changed


def test_only_active_sales_users_can_be_chosen(client, controller, world, manager):
    from accounts.services import LedgerError, update_customer

    customer = world["nobodys"]
    client.force_login(controller)  # controllers may change it too
    form = client.get(reverse("accounts:customer_edit", args=[customer.pk])).context["form"]
    assert manager not in form.fields["account_manager"].queryset
    with pytest.raises(LedgerError, match="only active users with the sales role"):
        update_customer(customer=customer, by=controller, account_manager=manager)
    customer.refresh_from_db()
    assert customer.account_manager is None


def test_a_former_sales_user_stays_until_someone_changes_it(client, manager, world, sales_rep):
    from accounts.services import update_customer

    sales_rep.is_active = False
    sales_rep.save()
    customer = world["sams"]
    client.force_login(manager)
    form = client.get(reverse("accounts:customer_edit", args=[customer.pk])).context["form"]
    assert sales_rep in form.fields["account_manager"].queryset
    update_customer(customer=customer, by=manager, city="Zwolle")  # other fields save as before
    customer.refresh_from_db()
    assert (customer.city, customer.account_manager) == ("Zwolle", sales_rep)


def test_sales_cannot_edit_the_account_manager(client, sales_rep, world):
    client.force_login(sales_rep)
    url = reverse("accounts:customer_edit", args=[world["nobodys"].pk])
    assert client.post(url, {"account_manager": sales_rep.pk}).status_code == 403
    world["nobodys"].refresh_from_db()
    assert world["nobodys"].account_manager is None


# --- list and 360 ----------------------------------------------------------------


def test_sales_open_the_list_on_their_own_customers(client, sales_rep, world):
    client.force_login(sales_rep)
    response = client.get(reverse("accounts:customer_list"))
    assert names(response.context["page"].object_list) == ["Sams Hout"]
    assert 'value="mine" selected' in response.text
    everyone = client.get(reverse("accounts:customer_list"), {"account_manager": ""})
    assert names(everyone.context["page"].object_list) == ["Lisas Staal", "Niemands Glas", "Sams Hout"]


def test_list_filters_by_account_manager_and_shows_it(client, manager, world, other_sales):
    client.force_login(manager)
    url = reverse("accounts:customer_list")
    response = client.get(url)
    assert names(response.context["page"].object_list) == ["Lisas Staal", "Niemands Glas", "Sams Hout"]
    assert escape(str(other_sales)) in response.text  # the column
    assert 'value="mine"' not in response.text  # "my customers" is for sales
    lisas = client.get(url, {"account_manager": other_sales.pk}).context["page"].object_list
    assert names(lisas) == ["Lisas Staal"]
    assert names(client.get(url, {"account_manager": "none"}).context["page"].object_list) == [
        "Niemands Glas"
    ]


def test_list_queries_do_not_grow_with_the_rows(client, sales_rep, world, django_assert_num_queries):
    client.force_login(sales_rep)
    url = reverse("accounts:customer_list")

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            client.get(url, {"account_manager": ""})
        return len(captured)

    few = queries()
    for n in range(5):
        CustomerFactory(account_manager=sales_rep if n % 2 else None)
    assert queries() == few
    with django_assert_num_queries(few):  # session, user, sales users, count, page
        client.get(url)


def test_the_360_shows_the_account_manager(client, controller, world, sales_rep):
    client.force_login(controller)
    response = client.get(reverse("accounts:customer_detail", args=[world["sams"].pk]))
    # escape: a Dutch name such as "van 't Erve" reaches the page as &#x27;
    assert "Account manager" in response.text and escape(str(sales_rep)) in response.text


def test_the_360_shows_sales_only_the_disputes_of_their_customers(client, sales_rep, controller, world):
    from dunning.models import Dispute, DisputeReason

    reason = DisputeReason.objects.first()
    for key in ("sams", "lisas"):
        Dispute.objects.create(
            customer=world[key],
            reason=reason,
            amount=Decimal("12.34"),
            currency="EUR",
            owner=controller,
            due_date=date(2026, 3, 1),
        )
    client.force_login(sales_rep)
    mine = client.get(reverse("accounts:customer_detail", args=[world["sams"].pk]))
    assert mine.context["panels"] and "12.34" in mine.text
    theirs = client.get(reverse("accounts:customer_detail", args=[world["lisas"].pk]))
    assert "12.34" not in theirs.text


# --- import ---------------------------------------------------------------------


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_import_takes_the_account_manager_by_username_or_email(world, sales_rep, other_sales, manager):
    content = csv(
        "number;name;account manager",
        f"{world['sams'].number};Sams Hout;LISA@example.com",
        f"N-1;Nieuw B.V.;{sales_rep.username.upper()}",
    )
    plan = imports.build_plan(imports.CUSTOMERS, content)
    assert plan.ok, plan.report()
    result = imports.apply_import(
        imports.CUSTOMERS, content, by=manager, source="crm.csv", expected_fingerprint=plan.fingerprint
    )
    assert (result.new, result.changed, result.customers) == (1, 1, 2)
    assert Customer.objects.get(number="N-1").account_manager == sales_rep
    moved = world["sams"]
    moved.refresh_from_db()
    assert moved.account_manager == other_sales
    event = Event.objects.get(customer=moved, verb="account_manager_changed")
    assert event.actor == manager and event.data["source"] == "crm.csv"
    assert (event.data["from"]["id"], event.data["to"]["id"]) == (sales_rep.pk, other_sales.pk)


def test_import_with_an_unknown_account_manager_names_the_line_and_imports_nothing(world, manager):
    content = csv(
        "number;name;account_manager",
        "N-1;Nieuw B.V.;lisa.sales",
        "N-2;Ander B.V.;piet@nowhere.example",
        f"N-3;Derde B.V.;{manager.username}",
    )
    plan = imports.build_plan(imports.CUSTOMERS, content)
    errors = [str(e) for e in plan.errors]
    assert errors == [
        "line 3, account_manager: There is no active user with username or e-mail address "
        "piet@nowhere.example.",
        f"line 4, account_manager: {manager.username} is not a sales user: only active users with "
        "the sales role can be account managers.",
    ]
    with pytest.raises(imports.ImportFileError):
        imports.apply_import(imports.CUSTOMERS, content, by=manager, source="crm.csv")
    assert not Customer.objects.filter(number__startswith="N-").exists()


def test_an_inactive_sales_user_is_not_taken(world, manager):
    gone = UserFactory(username="gone.sales", role=Role.SALES, is_active=False)
    plan = imports.build_plan(imports.CUSTOMERS, csv("number;name;verkoper", f"N-1;Nieuw;{gone.username}"))
    assert [e.column for e in plan.errors] == ["account_manager"]
