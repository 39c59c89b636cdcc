"""The WSGI application itself (what gunicorn serves): /api/ by the lean handler, pages by the whole stack.

Django's test client always runs the whole middleware stack, so these call
creditmgmt.wsgi.application with a WSGI environ as a server would.
"""

import io
import json
import sys

import pytest
from django.core.signals import request_started
from django.db import close_old_connections

from creditmgmt.models import ApiClient
from creditmgmt.services import create_api_client
from creditmgmt.wsgi import api, application, web
from tests.acceptance.test_api import order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: a request would otherwise close the connection that holds
    the test's transaction (request_started -> close_old_connections)."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


def call(method: str, path: str, body: bytes = b"", **headers: str) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    content = b"".join(application(environ, start_response))
    return answer["status"], answer["headers"], content


def test_the_api_runs_its_own_short_middleware_and_pages_the_whole_stack():
    def view_middleware(handler):
        return {method.__self__.__class__.__name__ for method in handler._view_middleware}

    assert {"CsrfViewMiddleware", "LoginRequiredMiddleware"} <= view_middleware(web)
    assert view_middleware(api) == set()


def test_a_decision_through_the_wsgi_application():
    CustomerFactory(number="C-1001")
    _client, key = create_api_client(name="webshop", scopes=[ApiClient.Scope.DECIDE])
    status, headers, content = call(
        "POST", "/api/v1/acceptance/decisions", json.dumps(order()).encode(), authorization=f"Bearer {key}"
    )
    assert status.startswith("201"), content
    assert json.loads(content)["customer_number"] == "C-1001"
    # No session, no cookies for a machine; the security headers as on every answer.
    assert "Set-Cookie" not in headers and "Cookie" not in headers.get("Vary", "")
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    # Without a key: the JSON 401 the docs describe, not the sign-in page.
    status, _headers, content = call("POST", "/api/v1/acceptance/decisions", json.dumps(order()).encode())
    assert status.startswith("401") and "detail" in json.loads(content)


def test_pages_still_get_sessions_and_the_sign_in_redirect():
    status, headers, _content = call("GET", "/accounts/customers/")
    assert status.startswith("302") and "/login/" in headers["Location"]
    status, headers, content = call("GET", "/login/")
    assert status.startswith("200") and "csrftoken" in headers.get("Set-Cookie", "")
    assert "Content-Security-Policy" in headers


@pytest.mark.django_db(transaction=True)  # outside a test transaction, where close() really closes
def test_gunicorn_config_preloads_and_closes_the_masters_connection():
    """A connection the master opened while loading would be shared by every forked worker."""
    from django.db import connection

    from creditmgmt import gunicorn

    assert gunicorn.preload_app is True
    connection.ensure_connection()
    gunicorn.when_ready(server=None)
    assert connection.connection is None
