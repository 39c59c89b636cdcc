"""API keys: a key found valid is believed for API_KEY_CACHE_SECONDS in the process, no longer."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creditmgmt.models import ApiClient
from creditmgmt.services import api_client_for_key, create_api_client

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def queries_of(key: str) -> tuple[ApiClient | None, int]:
    with CaptureQueriesContext(connection) as ctx:
        client = api_client_for_key(key)
    return client, len(ctx.captured_queries)


@pytest.fixture
def webshop(settings):
    settings.API_KEY_CACHE_SECONDS = 5
    return create_api_client(name="webshop", scopes=[ApiClient.Scope.DECIDE])


def test_a_valid_key_is_read_once_then_believed_until_the_time_is_up(webshop):
    client, key = webshop
    with time_machine.travel(NOON, tick=False) as clock:
        assert queries_of(key) == (client, 1)
        clock.shift(timedelta(seconds=4.9))
        assert queries_of(key) == (client, 0)
        clock.shift(timedelta(seconds=0.2))
        assert queries_of(key) == (client, 1)


def test_a_deactivated_client_is_refused_once_the_time_is_up(webshop):
    client, key = webshop
    with time_machine.travel(NOON, tick=False) as clock:
        assert api_client_for_key(key) == client
        # Another process (a queryset update sends no signal) deactivates the client.
        ApiClient.objects.filter(pk=client.pk).update(active=False)
        assert api_client_for_key(key) == client
        clock.shift(timedelta(seconds=5))
        assert api_client_for_key(key) is None


def test_saving_a_client_in_this_process_forgets_the_keys_at_once(webshop):
    client, key = webshop
    assert api_client_for_key(key) == client
    client.scopes = [ApiClient.Scope.CREDIT]
    client.save()
    found, queries = queries_of(key)
    assert queries == 1 and found.scopes == [ApiClient.Scope.CREDIT]
    client.active = False
    client.save()
    assert api_client_for_key(key) is None


def test_a_clock_set_back_asks_again(webshop):
    client, key = webshop
    with time_machine.travel(NOON, tick=False) as clock:
        api_client_for_key(key)
        clock.shift(timedelta(hours=-1))
        assert queries_of(key) == (client, 1)


def test_wrong_keys_are_never_kept(webshop):
    _client, key = webshop
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert queries_of(wrong) == (None, 1)
    assert queries_of(wrong) == (None, 1)


def test_zero_seconds_asks_every_time(webshop, settings):
    settings.API_KEY_CACHE_SECONDS = 0
    client, key = webshop
    assert queries_of(key) == (client, 1)
    assert queries_of(key) == (client, 1)
