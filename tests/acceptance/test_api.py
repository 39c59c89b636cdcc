"""The decision API as a webshop uses it: keys and scopes, decisions, idempotency, every error case."""

import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from acceptance.models import ApiDecisionRequest, Decision, Outcome, Reservation
from accounts.models import Customer, Event, Task
from creditmgmt.models import ApiClient
from creditmgmt.services import create_api_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
D = Decimal
DECIDE, CREDIT = ApiClient.Scope.DECIDE, ApiClient.Scope.CREDIT
URL = "/api/v1/acceptance/decisions"


@pytest.fixture
def key(db):
    return create_api_client(name="webshop", scopes=[DECIDE, CREDIT])[1]


@pytest.fixture
def customer(bureau, controller):
    customer = CustomerFactory(controller=controller, credit_limit=D("0"), number="C-1001")
    bureau(customer.kvk_number, recommended_limit=D("20000"))
    return customer


def post(client, body, key, **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post(URL, data=data, content_type="application/json", headers={**auth, **headers})


def order(**fields):
    return {
        "order_reference": "WS-1",
        "customer_number": "C-1001",
        "amount": "1250.00",
        "currency": "EUR",
        **fields,
    }


def test_routes_are_where_the_docs_say():
    assert reverse("api:decision_create") == URL
    assert reverse("api:customer_credit", args=["C-1"]) == "/api/v1/acceptance/customers/C-1/credit"


def test_a_webshop_gets_a_decision_with_reasons_and_the_timeline_names_the_client(client, key, customer):
    response = post(client, order(), key)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "accept" and body["on_account"] is True and body["replayed"] is False
    assert (body["limit"], body["available"], body["amount"]) == ("15000.00", "15000.00", "1250.00")
    assert (body["customer_number"], body["registration_number"]) == ("C-1001", customer.kvk_number)
    assert body["reasons"]["en"] == ["Good bureau score: 75% of the recommended limit, at most €50,000.00."]
    assert body["reasons"]["nl"][0].startswith("Goede bureauscore")
    assert body["rule_set"].endswith("v1") and body["currency"] == "EUR"
    decision = Decision.objects.get(pk=body["decision_id"])
    assert (decision.requester_label, decision.channel, decision.requested_amount) == (
        "api: webshop",
        "webshop",
        D("1250.00"),
    )
    event = Event.objects.get(customer=customer, kind=Event.Kind.DECISION, verb="accept")
    assert event.actor_label == "api: webshop"
    # The decision and the reservation on the timeline, in that order (written in one INSERT).
    timeline = Event.objects.filter(customer=customer).order_by("created_at", "id")
    assert [(e.verb, e.target) for e in timeline] == [
        ("accept", decision), ("reserved", Reservation.objects.get(customer=customer)),
    ]  # fmt: skip
    # The accepted order is reserved until it is invoiced: it counts in the exposure meanwhile.
    reservation = Reservation.objects.get(customer=customer)
    assert (reservation.order_reference, reservation.amount, reservation.decision) == (
        body["order_reference"], D("1250.00"), decision,
    )  # fmt: skip


def test_the_same_order_reference_answers_with_the_stored_decision(client, key, customer):
    first = post(client, order(), key).json()
    again = post(client, order(), key)
    assert again.status_code == 200
    assert again.json() == {**first, "replayed": True}
    assert Decision.objects.count() == 1 and ApiDecisionRequest.objects.count() == 1
    # Amount spelled differently is the same question.
    assert post(client, order(amount=1250), key).status_code == 200

    other = post(client, order(amount="2000.00"), key)
    assert other.status_code == 409
    assert other.json()["errors"] == [
        {"field": "order_reference", "message": "Order reference WS-1 was already used for another request."}
    ]
    # Another client's order WS-1 is another order.
    other_key = create_api_client(name="erp", scopes=[DECIDE])[1]
    assert post(client, order(amount="2000.00"), other_key).status_code == 201
    assert Decision.objects.count() == 2


def test_a_customer_by_kvk_number_and_prospects(client, key, customer, bureau):
    by_kvk = post(client, order(customer_number=None, registration_number=customer.kvk_number), key).json()
    assert by_kvk["customer_number"] == "C-1001"

    bureau("55555555", name="Nieuw BV", recommended_limit=D("10000"))
    prospect = post(
        client, order(order_reference="WS-2", customer_number=None, registration_number="55555555"), key
    )
    assert prospect.status_code == 201
    assert prospect.json()["customer_number"] is None and prospect.json()["company_name"] == "Nieuw BV"
    assert (prospect.json()["outcome"], prospect.json()["limit"]) == ("accept", "7500.00")

    unknown = post(
        client, order(order_reference="WS-3", customer_number=None, registration_number="44444444"), key
    )
    assert (unknown.json()["outcome"], unknown.json()["on_account"]) == ("refer", False)
    # Only a credit application makes a referred company a prospect: the API keeps no customer records.
    assert not Customer.objects.filter(kvk_number__in=["55555555", "44444444"]).exists()
    assert Decision.objects.get(registration_number="44444444").customer is None


def test_an_order_above_the_available_credit_is_not_on_account(client, key, customer):
    body = post(client, order(amount="15000.01"), key).json()
    # The shipped policy blocks a breach at the order checkpoint: a person decides.
    assert body["outcome"] == Outcome.REFER and body["on_account"] is False
    assert not Reservation.objects.exists()


def test_no_key_a_wrong_key_or_an_inactive_client_is_401(client, key, customer, admin_user):
    for headers in ({}, {"Authorization": "Bearer cm_nope_nope"}, {"Authorization": f"Basic {key}"}):
        response = client.post(
            URL, data=json.dumps(order()), content_type="application/json", headers=headers
        )
        assert response.status_code == 401, headers
        assert response["WWW-Authenticate"] == "Bearer"
        assert "API key" in response.json()["detail"]
    assert post(client, order(), key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 401
    ApiClient.objects.update(active=False)
    assert post(client, order(), key).status_code == 401
    # A signed-in person is no API client: the session does not count.
    client.force_login(admin_user)
    assert post(client, order(), None).status_code == 401
    assert not Decision.objects.exists()


def test_a_key_without_the_scope_is_403(client, customer):
    reader = create_api_client(name="reporting", scopes=[CREDIT])[1]
    response = post(client, order(), reader)
    assert response.status_code == 403
    assert response.json()["detail"] == "This key lacks the scope decisions:write."
    decider = create_api_client(name="shop", scopes=[DECIDE])[1]
    credit = client.get(
        reverse("api:customer_credit", args=["C-1001"]), headers={"Authorization": f"Bearer {decider}"}
    )
    assert credit.status_code == 403


BAD = [
    ("amount missing", order(amount=None) | {"amount": None}, "amount"),
    ("amount zero", order(amount="0"), "amount"),
    ("amount negative", order(amount="-5"), "amount"),
    ("amount three decimals", order(amount="10.005"), "amount"),
    ("amount too large", order(amount="1e20"), "amount"),
    ("amount not a number", order(amount="ten"), "amount"),
    ("amount NaN", order(amount="NaN"), "amount"),
    ("currency lower case", order(currency="eur"), "currency"),
    ("currency of another customer", order(currency="USD"), "currency"),
    ("both customer and KvK", order(registration_number="12345678"), "customer_number"),
    ("neither customer nor KvK", order(customer_number=None), "customer_number"),
    ("unknown customer", order(customer_number="C-9999"), "customer_number"),
    ("KvK not 8 digits", order(customer_number=None, registration_number="1234"), "registration_number"),
    ("unknown field", order(colour="red"), "colour"),
    ("counter is not an API channel", order(channel="counter"), "channel"),
    (
        "order reference missing",
        {k: v for k, v in order().items() if k != "order_reference"},
        "order_reference",
    ),
    ("order reference too long", order(order_reference="X" * 65), "order_reference"),
    ("order reference with a control character", order(order_reference="WS\x001"), "order_reference"),
    ("customer number not text", order(customer_number=12), "customer_number"),
    ("a list, not an object", [order()], "body"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD, ids=[case for case, *_ in BAD])
def test_a_bad_request_is_422_and_names_the_field(client, key, customer, case, body, field):
    response = post(client, body, key)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]], response.json()
    assert not Decision.objects.exists()


@pytest.mark.parametrize("body", [b"{not json", b"", "\ud800".encode("utf-8", "surrogatepass")])
def test_a_body_that_is_not_json_is_a_4xx(client, key, customer, body):
    response = post(client, body, key)
    assert 400 <= response.status_code < 500
    assert not Decision.objects.exists()


def test_a_customers_available_credit(client, key, customer, controller):
    from datetime import date, timedelta

    from accounts import services as ledger

    ledger.post_invoice(
        customer=customer,
        number="F-1",
        issue_date=date.today(),
        due_date=date.today() + timedelta(days=30),
        amount=D("1210.00"),
        by="test",
    )
    customer.refresh_from_db()
    customer.credit_limit = D("5000.00")
    customer.save(update_fields=["credit_limit"])
    url = reverse("api:customer_credit", args=["C-1001"])
    response = client.get(url, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json() == {
        "customer_number": "C-1001",
        "name": customer.name,
        "currency": "EUR",
        "credit_limit": "5000.00",
        "open_amount": "1210.00",
        "reserved": "0.00",
        "exposure": "1210.00",
        "available": "3790.00",
        "delivery_blocked": False,
    }
    # An accepted order is reserved: the credit reported is the credit the next order meets.
    decided = post(client, order(order_reference="WS-9", amount="500.00"), key).json()
    assert decided["outcome"] in ("accept", "conditions") and decided["on_account"], decided
    after = client.get(url, headers={"Authorization": f"Bearer {key}"}).json()
    assert (after["open_amount"], after["reserved"], after["exposure"]) == ("1210.00", "500.00", "1710.00")
    assert after["available"] == "3290.00"
    following = post(client, order(order_reference="WS-10", amount="100.00"), key).json()
    assert D(following["available"]) == D(after["available"])
    missing = client.get(
        reverse("api:customer_credit", args=["C-0"]), headers={"Authorization": f"Bearer {key}"}
    )
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "number"
    assert client.get(url).status_code == 401


def test_the_decision_call_runs_a_fixed_number_of_queries(client, key, customer, django_assert_num_queries):
    # The first call of a process also reads the active rules (then cached), ContentTypes and the
    # key (believed for API_KEY_CACHE_SECONDS then).
    assert post(client, order(order_reference="WS-0"), key).status_code == 201
    # One statement for the customer, whether the order reference is known and the customer's bureau
    # report (read_order) 1, transaction 2 (here a savepoint), the customer's lock 1; the decision:
    # one statement for the ledger, the group exposure, dunning's open disputes and promises and
    # the active version (read_together), the decision 1; the reservation unless the order has one
    # 1 (ON CONFLICT DO NOTHING); the request row and the decision's and the reservation's events:
    # one statement on PostgreSQL, two elsewhere (rows.insert_together). Only a referred decision
    # looks for an open review task.
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 9):
        assert post(client, order(), key).status_code == 201
    # read_order, then the stored request's decision with customer and rule set
    with django_assert_num_queries(2):
        assert post(client, order(), key).status_code == 200
    # Above the available credit: referred (the checkpoint's policy and whether a review task is
    # open came with the features' statement); no reservation; a new review task 1 (its event's
    # ContentType is read once per process: read here first).
    ContentType.objects.get_for_model(Task)
    with django_assert_num_queries(8 if connection.vendor == "postgresql" else 9):
        assert (
            post(client, order(order_reference="WS-2", amount="99999.00"), key).json()["outcome"] == "refer"
        )
    # Referred again: the review task is open, so none is added.
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 8):
        assert (
            post(client, order(order_reference="WS-3", amount="99999.00"), key).json()["outcome"] == "refer"
        )


def test_the_openapi_description_and_the_docs_page_are_public_and_use_no_cdn(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/acceptance/decisions",
        "/api/v1/acceptance/customers/{number}/credit",
    }
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API client's key (cm_...), made by an administrator.",
    }
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_the_openapi_description_is_built_once_per_language(client):
    from creditmgmt.urls import api

    api.__dict__.pop("_schemas", None)
    first = client.get("/api/v1/openapi.json").json()
    again = client.get("/api/v1/openapi.json").json()
    dutch = client.get("/api/v1/openapi.json", headers={"Accept-Language": "nl"}).json()
    assert first == again and first["paths"] == dutch["paths"]
    assert len(api._schemas) == 2  # one per language asked; the second English request built nothing
    # What a caller gets is its own copy: changing it changes no later answer.
    api.get_openapi_schema(path_prefix="/api/v1/")["paths"].clear()
    assert client.get("/api/v1/openapi.json").json() == first


def test_an_admin_makes_a_client_in_the_admin_and_sees_the_key_once(client, admin_user, manager):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:creditmgmt_apiclient_add"),
        {"name": "webshop", "scopes": [DECIDE], "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    api_client = ApiClient.objects.get(name="webshop")
    (message,) = [str(m) for m in response.context["messages"] if "key of" in str(m)]
    key = message.split(" is ")[1].split(". ")[0]
    assert key.startswith(f"cm_{api_client.key_prefix}_") and api_client.scopes == [DECIDE]
    assert api_client.key_hash not in message and api_client.created_by == admin_user
    assert post(client, order(customer_number=None, registration_number="12345678"), key).status_code == 201
    page = client.get(reverse("admin:creditmgmt_apiclient_change", args=[api_client.pk]))
    assert key not in page.content.decode()
    # Managers keep the rule sets; API keys are for admins.
    client.force_login(manager)
    assert client.get(reverse("admin:creditmgmt_apiclient_changelist")).status_code == 403


def test_the_command_makes_a_client_and_prints_its_key(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("create_api_client", "erp", "--scope", CREDIT, stdout=out)
    key = out.getvalue().split()[-1]
    assert ApiClient.objects.get(name="erp").has_scope(CREDIT) and key.startswith("cm_")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_api_client", "erp", "--scope", CREDIT)
    with pytest.raises(CommandError, match="at least one"):
        call_command("create_api_client", "other")


@pytest.mark.django_db(transaction=True)
def test_one_order_reference_asked_at_the_same_moment_is_decided_once():
    import importlib
    import threading

    from django.apps import apps
    from django.db import connections

    from acceptance.services import decide_order

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite serialises them")
    # A transactional test starts from an emptied database: put the shipped rule sets back.
    importlib.import_module("acceptance.migrations.0002_shipped_rule_sets").ship(apps, None)
    customer = CustomerFactory(number="C-1001")
    api_client = create_api_client(name="webshop", scopes=[DECIDE])[0]
    barrier = threading.Barrier(4)
    answers: list[tuple[int, bool]] = []

    def ask():
        try:
            barrier.wait()
            decision, made = decide_order(
                client=api_client,
                order_reference="WS-RACE",
                channel="webshop",
                amount=D("100.00"),
                currency="EUR",
                customer=customer,
            )
            answers.append((decision.pk, made))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(answers) == 4 and len({pk for pk, _ in answers}) == 1
    assert sorted(made for _, made in answers) == [False, False, False, True]
    assert Decision.objects.count() == 1 and ApiDecisionRequest.objects.count() == 1
    assert Event.objects.filter(customer=customer, kind=Event.Kind.DECISION).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_decision_in_a_transaction_of_its_own_is_complete(client, bureau, controller):
    """As in production, no test transaction around it: what a decision writes is all there (the
    events of the decision, the reservation and a referral's task), a reused reference answers
    from the stored decision, and the connection goes on serving the next requests."""
    import importlib

    from django.apps import apps

    from accounts.models import Task

    importlib.import_module("acceptance.migrations.0002_shipped_rule_sets").ship(apps, None)
    customer = CustomerFactory(controller=controller, credit_limit=D("0"), number="C-1001")
    bureau(customer.kvk_number, recommended_limit=D("20000"))
    key = create_api_client(name="webshop", scopes=[DECIDE])[1]

    first = post(client, order(), key)
    assert first.status_code == 201, first.content
    assert post(client, order(), key).json() == {**first.json(), "replayed": True}
    assert post(client, order(amount="2000.00"), key).status_code == 409
    referred = post(client, order(order_reference="WS-2", amount="19000.00"), key)

    assert referred.json()["outcome"] == "refer"
    assert Decision.objects.count() == 2 and ApiDecisionRequest.objects.count() == 2
    assert Reservation.objects.get().order_reference == "WS-1"
    # Accepted: the decision's and the reservation's events; referred: the decision's and the
    # review task's, each pair in one INSERT.
    verbs = sorted(Event.objects.filter(customer=customer).values_list("verb", flat=True))
    assert verbs == ["accept", "created", "refer", "reserved"]
    assert Task.objects.get(customer=customer).kind == Task.Kind.REVIEW
