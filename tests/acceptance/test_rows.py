"""creditmgmt.rows (hand-written lookups and inserts of the decision API) against the ORM.

Every model the hot path reads or writes with them: the same columns, the same converted
values (decimals, dates, aware datetimes, JSON, booleans), on SQLite and PostgreSQL."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from acceptance.models import ApiDecisionRequest, BureauRecord, Decision, Reservation
from accounts.models import Customer
from creditmgmt.models import ApiClient
from creditmgmt.rows import RowInsert, RowQuery, insert_together, read_rows
from creditmgmt.services import create_api_client

pytestmark = pytest.mark.django_db
D = Decimal


def values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.fixture
def decided(client, bureau, controller):
    from tests.factories import CustomerFactory

    customer = CustomerFactory(controller=controller, credit_limit=D("0"), number="C-1001")
    bureau(customer.kvk_number, recommended_limit=D("20000"))
    api_client, key = create_api_client(name="webshop", scopes=list(ApiClient.Scope.values))
    body = {"order_reference": "WS-1", "customer_number": "C-1001", "amount": "1250.00", "currency": "EUR"}
    response = client.post(
        "/api/v1/acceptance/decisions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.content
    return customer, api_client


@pytest.mark.parametrize(
    ("model", "where", "params"),
    [
        (Customer, "number = %s", lambda c, a: ["C-1001"]),
        (Customer, "id = %s", lambda c, a: [c.pk]),
        (ApiClient, "key_prefix = %s AND active = %s", lambda c, a: [a.key_prefix, True]),
        (BureauRecord, "registration_number = %s", lambda c, a: [c.kvk_number]),
        (ApiDecisionRequest, "client_id = %s AND order_reference = %s", lambda c, a: [a.pk, "WS-1"]),
        (Reservation, "customer_id = %s AND order_reference = %s", lambda c, a: [c.pk, "WS-1"]),
    ],
)
def test_a_row_query_gives_what_the_orm_gives(decided, model, where, params):
    customer, api_client = decided
    for for_update in (False, True):
        found = RowQuery(model, where, for_update=for_update).get(params(customer, api_client))
        assert found is not None and not found._state.adding and found._state.db == "default"
        assert values(found) == values(model.objects.get(pk=found.pk))


def test_a_row_query_finds_nothing():
    assert RowQuery(Customer, "number = %s").get(["nobody"]) is None


def test_read_rows_gives_each_lookup_what_the_orm_gives_in_one_statement(decided, django_assert_num_queries):
    customer, api_client = decided
    by_number = RowQuery(Customer, "number = %s")
    request = RowQuery(ApiDecisionRequest, "client_id = %s AND order_reference = %s")
    record = RowQuery(BureauRecord, "registration_number = %s")
    with django_assert_num_queries(1):
        found = read_rows(
            [
                (by_number, ["C-1001"]),
                (request, [api_client.pk, "WS-nope"]),  # nothing, between two that find theirs
                (record, [customer.kvk_number]),
                (request, [api_client.pk, "WS-1"]),
            ]
        )
    assert found[1] is None
    for row, model in zip(
        [found[0], found[2], found[3]], [Customer, BureauRecord, ApiDecisionRequest], strict=True
    ):
        assert isinstance(row, model) and not row._state.adding
        assert values(row) == values(model.objects.get(pk=row.pk))
    assert read_rows([(by_number, ["nobody"]), (request, [api_client.pk, "WS-1"])])[0] is None
    with pytest.raises(ValueError):
        read_rows([(RowQuery(Customer, "id = %s", for_update=True), [customer.pk])])


def test_a_row_insert_writes_what_the_orm_reads_back(decided):
    customer, _ = decided
    decision = Decision.objects.get()
    reservation = RowInsert(Reservation).save(
        Reservation(
            customer=customer,
            order_reference="WS-2",
            amount=D("10.50"),
            currency="EUR",
            decision=decision,
            expires_on=timezone.localdate(),
        )
    )
    assert reservation.pk and not reservation._state.adding
    stored = Reservation.objects.get(pk=reservation.pk)
    assert values(stored) == values(reservation) | {"amount": D("10.50")}
    assert stored.created_at is not None and stored.status == Reservation.Status.OPEN
    with pytest.raises(ValueError):
        RowInsert(Reservation).save(reservation)  # only new rows
    # unless_exists: the same order again writes nothing and says so; another order is written.
    unless = RowInsert(Reservation, unless_exists=("customer_id", "order_reference"))
    again = dict(customer=customer, amount=D("99"), currency="EUR", expires_on=timezone.localdate())
    assert unless.save(Reservation(order_reference="WS-2", **again)) is None
    assert Reservation.objects.get(order_reference="WS-2").amount == D("10.50")
    assert unless.save(Reservation(order_reference="WS-3", **again)).pk
    copy = RowInsert(Decision).save(Decision(**{k: v for k, v in values(decision).items() if k != "id"}))
    assert values(Decision.objects.get(pk=copy.pk)) | {"id": decision.pk} == values(decision)


def test_row_insert_many_writes_the_events_as_bulk_create_would(decided):
    from accounts.models import Event

    customer, _ = decided
    made = [
        Event(
            customer=customer,
            kind=Event.Kind.DECISION,
            verb=verb,
            summary=f"{verb} summary",
            data={"n": n, "text": "één"},
            actor_label="api: webshop",
            target=customer,
        )  # fmt: skip
        for n, verb in enumerate(["accept", "reserved", "third"])
    ]
    before = set(Event.objects.values_list("pk", flat=True))
    RowInsert(Event).save_many(made)
    stored = list(Event.objects.exclude(pk__in=before).order_by("pk"))
    assert [(e.verb, e.summary, e.data, e.actor_label, e.target) for e in stored] == [
        (e.verb, e.summary, e.data, e.actor_label, customer) for e in made
    ]
    assert [e.created_at for e in stored] == [e.created_at for e in made]
    assert all(not e._state.adding for e in made)
    RowInsert(Event).save_many([])  # nothing to write is no statement
    with pytest.raises(ValueError):
        RowInsert(Event).save_many(stored)  # only new rows


def test_the_models_written_by_row_insert_have_no_save_receivers_nor_save_of_their_own():
    """RowInsert runs neither save() nor signals: a receiver or a save() added later to one of these
    models would be skipped on the hot path. Decision's and Event's save() only refuse updates."""
    from django.db.models import Model
    from django.db.models.signals import post_save, pre_save

    from accounts.models import Event, Task

    for model in (Decision, ApiDecisionRequest, Reservation, Event, Task):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model
        assert model.save is Model.save or model in (Decision, Event), model


def test_a_task_written_by_create_task_is_what_the_orm_reads_back(decided):
    from datetime import date

    from accounts.models import Event, Task
    from accounts.services import create_task

    customer, _ = decided
    task = create_task(customer=customer, title="Call about order", due_date=date(2026, 12, 1), by="t")
    stored = Task.objects.get(pk=task.pk)
    assert values(stored) == values(task) and not task._state.adding
    assert (stored.title, stored.status, stored.assignee_id) == (
        "Call about order",
        Task.Status.OPEN,
        customer.controller_id,
    )
    assert Event.objects.filter(kind=Event.Kind.TASK, object_id=task.pk, verb="created").exists()


def test_insert_together_writes_each_insert_in_one_statement_on_postgresql(
    decided, django_assert_num_queries
):
    from django.db import connection

    from accounts.models import Event

    customer, api_client = decided
    first = Decision.objects.get()  # a request per decision: a copy of it for this one
    decision = RowInsert(Decision).save(Decision(**{k: v for k, v in values(first).items() if k != "id"}))
    request = ApiDecisionRequest(
        client=api_client, order_reference="WS-9", fingerprint="f", decision=decision
    )
    events = [
        Event(customer=customer, kind=Event.Kind.DECISION, verb=verb, summary=verb, actor_label="api: x")
        for verb in ("accept", "reserved")
    ]
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        insert_together([(RowInsert(ApiDecisionRequest), [request]), (RowInsert(Event), events), (None, [])])
    stored = ApiDecisionRequest.objects.get(order_reference="WS-9")
    assert (stored.client, stored.decision, stored.fingerprint) == (api_client, decision, "f")
    assert list(Event.objects.filter(actor_label="api: x").order_by("pk").values_list("verb", flat=True)) == [
        "accept",
        "reserved",
    ]
    assert not request._state.adding and not any(e._state.adding for e in events)
    with django_assert_num_queries(1):  # one insert alone is save_many
        insert_together([(RowInsert(Event), [Event(customer=customer, kind=Event.Kind.DECISION, verb="x")])])


def test_the_hot_path_statements_are_prepared_on_postgresql(decided):
    """On PostgreSQL the decision's fixed statements are prepared once per connection (hot_cursor)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are a PostgreSQL matter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("acceptance_decision" in s and s.startswith("INSERT") for s in statements)
    assert any('FROM "accounts_customer"' in s and "FOR UPDATE" in s for s in statements)
    assert any("dunning_dispute" in s for s in statements)
    # The ORM's own queries are not prepared (they would fill the connection's cache).
    assert not any("django_content_type" in s for s in statements)
