"""Schemathesis against the API's own OpenAPI description: no server errors, answers as described.

Hypothesis generates requests from the description, valid ones and invalid
ones, sends them through the WSGI app with a real key, and checks every
answer: never a 5xx, the status codes, content types and bodies the
description promises, and invalid data refused with a 4xx.

Left out: "schema-valid data is accepted". A request can fit the description
and still be refused for what it says: a customer number nobody has, a
currency the customer is not invoiced in, both or neither of customer number
and KvK number. Those are 422s naming the field, as the API tests show.

(Schemathesis' pytest plugin, `from_fixture`/`parametrize`, does not run under
pytest 9 yet, so the test drives its strategies with Hypothesis directly.)
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from creditmgmt.models import ApiClient
from creditmgmt.services import create_api_client
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "60"))


@pytest.fixture
def keep_connection():
    """Like Django's test client: the WSGI app must not close the test's connection after a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_description(bureau, keep_connection, mode):
    customer = CustomerFactory(number="C-1001", credit_limit=0)
    bureau(customer.kvk_number)
    bureau("55555555")
    key = create_api_client(name="fuzzer", scopes=list(ApiClient.Scope.values))[1]
    found = operations()
    assert {op.label for op in found} == {
        "POST /api/v1/acceptance/decisions",
        "GET /api/v1/acceptance/customers/{number}/credit",
    }
    for operation in found:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def check(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {key}"}, excluded_checks=[positive_data_acceptance]
            )

        check()
