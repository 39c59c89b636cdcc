"""The outbox and the action chunks in forked processes (DUNNING_PROCESSES > 1, PostgreSQL only)."""

import email

import pytest
from django.db import connection

from accounts.models import Event
from dunning import parallel
from dunning.models import Message
from dunning.outbox import BATCH, deliver_outbox
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="forked workers run on PostgreSQL only"),
]


def test_two_processes_send_every_message_exactly_once(smtp_server, settings):
    settings.DUNNING_PROCESSES = 2
    customers = CustomerFactory.create_batch(5)
    count = 2 * BATCH + 50  # several batches, so both processes claim some
    Message.objects.bulk_create(
        Message(
            customer=customers[i % 5],
            channel="email",
            language="en",
            recipient=f"ap{i}@example.com",
            subject=f"Reminder {i}",
            body="Please pay.\n",
            idempotency_key=f"test:{i}",
        )
        for i in range(count)
    )
    assert parallel.can_fork()

    counts = deliver_outbox()

    assert counts["sent"] == count
    keys = [email.message_from_bytes(m.content)["X-Credit-Message"] for m in smtp_server.messages]
    assert sorted(keys) == sorted(f"test:{i}" for i in range(count))  # each once, none lost
    assert Message.objects.filter(status="sent").count() == count
    assert Event.objects.filter(verb="sent").count() == count
    assert deliver_outbox()["sent"] == 0
    assert len(smtp_server.messages) == count


def test_a_failing_worker_fails_the_call_after_all_finished(settings):
    settings.DUNNING_PROCESSES = 2

    def work(part):
        if part == 1:  # runs in the child
            raise ValueError("chunk 1 broke")
        return part

    with pytest.raises(parallel.WorkerFailed, match="chunk 1 broke"):
        parallel.run_parts(work, [0, 1, 2])
    assert parallel.run_parts(lambda p: p * 2, [0, 1, 2, 3]) == [0, 2, 4, 6]
    connection.ensure_connection()  # the parent's connection works again after forking


def test_inside_a_transaction_everything_runs_here(settings):
    from django.db import transaction

    settings.DUNNING_PROCESSES = 2
    import os

    with transaction.atomic():
        assert not parallel.can_fork()
        assert parallel.run_parts(lambda p: os.getpid(), [0, 1]) == [os.getpid()] * 2
