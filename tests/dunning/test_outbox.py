"""Delivery: real SMTP on loopback in Dutch and English, letters as one PDF, retries with back-off."""

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Event, Task
from creditmgmt.daily import run_daily
from dunning.models import LetterBatch, Message
from dunning.outbox import MAX_ATTEMPTS, RecordingGateway, backoff, deliver_outbox
from tests.dunning.conftest import DAY

pytestmark = pytest.mark.django_db


def test_reminders_reach_a_real_smtp_server_in_dutch_and_english(book, smtp_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run_daily(DAY.isoformat())
    mails = {tuple(m.rcpt_tos): m.content.decode() for m in smtp_server.messages}
    assert set(mails) == {("petra@devries.example",), ("ap@harbour.example",)}
    dutch, english = mails[("petra@devries.example",)], mails[("ap@harbour.example",)]
    assert "Subject: Herinnering: openstaande facturen" in dutch
    assert "Subject: Reminder: payment overdue" in english
    assert "X-Credit-Message: dunning:" in dutch
    # Sending again sends nothing: every message was claimed and marked sent once.
    assert deliver_outbox()["sent"] == 0
    run_daily(DAY.isoformat())
    assert len(smtp_server.messages) == 2
    assert Event.objects.filter(kind="message", verb="sent", customer=book["medium_en"]).count() == 1


def test_the_days_letters_are_one_pdf(book, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run_daily(DAY.isoformat())
    batch = LetterBatch.objects.get()
    assert batch.count == 1
    pdf = Path(tmp_path) / batch.file
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Van Dijk Transport" in text and "8011 AA Zwolle" in text
    assert "Betaling vervallen: direct betalen" in text  # high risk, Dutch
    assert "H-1" in text and "€ 605,00" in text.replace("\xa0", " ")
    assert Message.objects.get(channel="letter").status == "sent"


def test_failed_email_is_retried_with_back_off_then_failed_with_a_task(book, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},  # nothing listens there
        }
    }
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 11, 20, 6, 0)), tick=False):
        run_daily(DAY.isoformat())
        message = Message.objects.get(customer=book["low_nl"])
        assert (message.status, message.attempts) == ("queued", 1)
        assert message.next_attempt_at == timezone.now() + backoff(1)
        assert deliver_outbox()["sent"] == 0 and Message.objects.get(pk=message.pk).attempts == 1  # not yet
    moment = timezone.make_aware(timezone.datetime(2026, 11, 20, 6, 0))
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment += backoff(attempt - 1) + timedelta(seconds=1)
        with time_machine.travel(moment, tick=False):
            deliver_outbox()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in message.last_error
    assert Task.objects.filter(customer=book["low_nl"], title__contains="could not be sent").count() == 1
    assert Event.objects.filter(customer=book["low_nl"], verb="failed").count() == 1


def test_sms_goes_through_the_gateway(book):
    from dunning.models import Step

    Step.objects.filter(procedure__code="low", position=2).update(action="sms")
    contact = book["low_nl"].contacts.get()
    contact.phone = "+31612345678"
    contact.save()
    RecordingGateway.sent.clear()
    run_daily(DAY.isoformat())
    assert [to for to, _ in RecordingGateway.sent] == ["+31612345678"]
    assert Message.objects.get(customer=book["low_nl"]).channel == "sms"
