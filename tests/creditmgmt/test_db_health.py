"""The PostgreSQL health check (creditmgmt.db.postgresql): no round trip for a healthy
connection, and a connection the server ended is replaced before the next query."""

import select
import time

import psycopg
import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def checks(monkeypatch):
    """The SELECT 1 checks Django makes (is_usable), counted."""
    calls = []
    real = type(connections["default"]).is_usable

    def is_usable(self):
        calls.append(self.connection.info.backend_pid)
        return real(self)

    monkeypatch.setattr(type(connections["default"]), "is_usable", is_usable)
    return calls


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request():
    """What Django does between two requests: the next first query checks the connection."""
    connection.close_if_unusable_or_obsolete()
    assert connection.health_check_enabled and not connection.health_check_done


def test_the_backend_is_ours():
    assert type(connections["default"]).__module__ == "creditmgmt.db.postgresql.base"
    assert connection.vendor == "postgresql"


def test_a_healthy_connection_is_kept_without_a_round_trip(checks):
    pid = backend_pid()
    next_request()
    assert backend_pid() == pid
    assert checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_next_query(checks):
    pid = backend_pid()
    next_request()
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None, port=settings["PORT"] or None, user=settings["USER"],
        dbname=settings["NAME"], password=settings["PASSWORD"] or None, autocommit=True,
    ) as admin:  # fmt: skip
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0] is True
    # The server says goodbye on the socket: wait for it (bounded), as a request would come later.
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server never closed the connection"
    assert backend_pid() != pid
    assert checks == [pid]  # Django's own SELECT 1 judged it, once
