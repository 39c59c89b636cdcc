"""Delivering the outbox: e-mail through Django's mailer, the day's letters as one PDF, SMS via a gateway.

Each message is claimed with a conditional UPDATE (queued -> sending) before
it goes out, and marked sent right after, so two workers never send the same
message and a rerun never sends it again. A message whose send crashed midway
stays "sending" for a person to look at (sending it again could send it
twice). A failed attempt is retried with back-off; after MAX_ATTEMPTS it is
failed, on the timeline, and a task for the controller.
"""

from __future__ import annotations

import email.policy
import functools
import logging
import uuid
from datetime import datetime, timedelta
from email import headerregistry
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from accounts.models import Event
from accounts.services import build_event, record_event
from creditmgmt.texts import Text
from dunning import parallel
from dunning.letters import build_letter, render_letters
from dunning.models import Channel, LetterBatch, Message
from dunning.workflow.exceptions import failed_message_task

logger = logging.getLogger(__name__)
ACTOR = "system: outbox"
MAX_ATTEMPTS = 4
BATCH = 200
LETTER_DIR = "dunning/letters"
REFERENCE_LABEL = {"nl": "Klantnummer", "de": "Kundennummer", "fr": "Numéro client"}


def backoff(attempts: int) -> timedelta:
    """5 minutes after the first failure, then 20, 80 ... at most a day."""
    return min(timedelta(minutes=5 * 4 ** max(attempts - 1, 0)), timedelta(days=1))


class RecordingGateway:
    """The default SMS gateway: records what would be sent (in memory and in the log)."""

    sent: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> str:
        self.sent.append((to, text))
        logger.info("SMS to %s: %s", to, text[:60])
        return f"recorded-{len(self.sent)}"


def sms_gateway():
    return import_string(getattr(settings, "DUNNING_SMS_GATEWAY", "dunning.outbox.RecordingGateway"))()


def _ready(now: datetime):
    return Message.objects.filter(status=Message.Status.QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim_batch(now: datetime, *, channels: list[str], limit: int) -> list[Message]:
    """Claim up to `limit` ready messages with one conditional UPDATE; returns the ones we got."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        # SKIP LOCKED: a second worker takes the next batch instead of the same one (PostgreSQL).
        ids = list(
            _ready(now)
            .filter(channel__in=channels)
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        _ready(now).filter(pk__in=ids).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1, claim=token
        )
    return list(
        Message.objects.filter(claim=token, status=Message.Status.SENDING)
        .select_related("customer", "action__step")
        .order_by("pk")
    )


def _mark_sent(messages: list[Message], *, now: datetime, summaries: list[Text]) -> None:
    """Sent, and on the customers' timelines: one transaction for the batch."""
    with transaction.atomic():
        Message.objects.filter(pk__in=[m.pk for m in messages], status=Message.Status.SENDING).update(
            status=Message.Status.SENT, sent_at=now, last_error=""
        )
        Event.objects.bulk_create(
            [
                build_event(
                    customer=message.customer_id,
                    kind=Event.Kind.MESSAGE,
                    verb="sent",
                    summary=summary,
                    by=ACTOR,
                    target=message,
                    data={"channel": message.channel, "message": message.pk},
                )
                for message, summary in zip(messages, summaries, strict=True)
            ],
            batch_size=1000,
        )


def _mark_failed(message: Message, *, now: datetime, error: str) -> str:
    message.refresh_from_db(fields=["attempts"])
    final = message.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED if final else Message.Status.QUEUED,
            next_attempt_at=None if final else now + backoff(message.attempts),
            last_error=error[:500],
        )
        if final:
            customer = message.customer
            record_event(
                customer=customer,
                kind=Event.Kind.MESSAGE,
                verb="failed",
                summary=Text(
                    gettext_noop("%(channel)s to %(to)s failed after %(n)s attempts: %(error)s"),
                    channel=Channel(message.channel),
                    to=message.recipient,
                    n=message.attempts,
                    error=error[:120],
                ),
                by=ACTOR,
                target=message,
            )
            failed_message_task(message)  # a task for the controller (dunning/workflow/exceptions.py)
    return "failed" if final else "retry"


class _HeaderRegistry(headerregistry.HeaderRegistry):
    """The standard registry with two caches; building an e-mail takes half the time.

    `HeaderRegistry.__getitem__` builds a class with type() for every header it
    parses, classes that are all the same: one per name is kept. And a header
    with the same value as a recent one (From, Reply-To, MIME-Version,
    Content-Type ... the same in every reminder) is the same parsed header
    object: they are immutable strings with their parse tree, never changed
    once made. The bytes sent are identical to the standard registry's.
    """

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one registry for the process)
    def __getitem__(self, name):
        return super().__getitem__(name)

    def __call__(self, name, value):
        if type(value) is str:  # not lists of Address (IDNA domains), datetimes ...
            return self._parsed(name, value)
        return super().__call__(name, value)

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def _parsed(self, name, value):
        return super().__call__(name, value)


_REGISTRY = _HeaderRegistry()
_POLICIES = {p: p.clone(header_factory=_REGISTRY) for p in (email.policy.default, email.policy.SMTP)}


class OutboxEmail(EmailMessage):
    """Django's EmailMessage, built with the cached header registry (whatever policy the backend asks)."""

    def message(self, *, policy=email.policy.default):
        fast = _POLICIES.get(policy) or policy.clone(header_factory=_REGISTRY)
        return super().message(policy=fast)


def outgoing_message_id(message: Message) -> str:
    """The same Message-ID on every attempt (from the idempotency key, known before the row is saved),
    so a retried send is recognisable and replies thread to the customer."""
    domain = settings.COMPANY["email"].rpartition("@")[2] or "localhost"
    return f"<credit-{uuid.uuid5(uuid.NAMESPACE_URL, message.idempotency_key).hex}@{domain}>"


def _send_email(message: Message, connection) -> None:
    if not message.message_id:  # messages made before compose set it
        message.message_id = outgoing_message_id(message)
        Message.objects.filter(pk=message.pk).update(message_id=message.message_id)
    headers = {"X-Credit-Message": message.idempotency_key, "Message-ID": message.message_id}
    if message.in_reply_to:  # a reply from the shared inbox: the customer's mail program keeps the thread
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    email_message = OutboxEmail(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        reply_to=[settings.COMPANY["email"]],
        headers=headers,
    )
    if message.attachments:
        from dunning.inbox.replies import attachments_for

        for filename, content, mimetype in attachments_for(message):
            email_message.attach(filename, content, mimetype)
    connection.send_messages([email_message])


def deliver_outbox(*, now: datetime | None = None) -> dict:
    """Send what is ready, a batch at a time over one connection; safe to run any number of
    times, by several workers at once (with DUNNING_PROCESSES > 1 the run's own forked workers)."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "letters": 0}
    for part in parallel.run_parts(lambda _: _deliver_batches(now), list(range(parallel.processes()))):
        for key, value in part.items():
            counts[key] += value
    counts["letters"] = print_letters(now=now)
    return counts


def _deliver_batches(now: datetime) -> dict:
    """Claim and send batches of e-mail and SMS until none is left."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    gateway = None
    while batch := _claim_batch(now, channels=[Channel.EMAIL, Channel.SMS], limit=BATCH):
        sent: list[Message] = []
        summaries: list[Text] = []
        failed: list[tuple[Message, str]] = []
        connection = mailers.default  # a new connection, kept open for the batch
        try:
            if any(m.channel == Channel.EMAIL for m in batch):
                connection.open()
        except Exception as exc:  # noqa: BLE001 (the mail server is down: every e-mail waits)
            opened, error = False, f"{type(exc).__name__}: {exc}"
        else:
            opened, error = True, ""
        for message in batch:
            try:
                if message.channel == Channel.EMAIL:
                    if not opened:
                        raise ConnectionError(error)
                    _send_email(message, connection)
                    summary = gettext_noop("%(step)s: e-mail sent to %(to)s: %(subject)s")
                else:
                    gateway = gateway or sms_gateway()
                    gateway.send(to=message.recipient, text=message.body)
                    summary = gettext_noop("%(step)s: SMS sent to %(to)s: %(subject)s")
            except Exception as exc:  # noqa: BLE001 (any transport error is retried)
                logger.warning("message %s: %s", message.pk, exc)
                failed.append((message, error if not opened else f"{type(exc).__name__}: {exc}"))
                continue
            sent.append(message)
            summaries.append(
                Text(summary, step=_step_name(message), to=message.recipient, subject=message.subject)
            )
        if opened:
            connection.close()
        _mark_sent(sent, now=now, summaries=summaries)
        counts["sent"] += len(sent)
        for message, reason in failed:
            counts[_mark_failed(message, now=now, error=reason)] += 1
    return counts


def _step_name(message: Message) -> Text:
    """What a sent message was, as a parameter: shipped step names are translated at display."""
    if message.action_id:
        return Text(message.action.step.name)
    return Text(gettext_noop("Reply")) if message.reply_to_mail_id else Text(gettext_noop("Message"))


def print_letters(*, now: datetime) -> int:
    """Collect the ready letters into one print-ready PDF (a LetterBatch); returns how many."""
    if not _ready(now).filter(channel=Channel.LETTER).exists():
        return 0
    day = timezone.localdate(now)
    batch = LetterBatch.objects.create(date=day, file="", count=0)
    claimed = (
        _ready(now)
        .filter(channel=Channel.LETTER)
        .update(status=Message.Status.SENDING, attempts=F("attempts") + 1, batch=batch)
    )
    if not claimed:  # another worker took them between the check and the claim
        batch.delete()
        return 0
    letters = list(
        Message.objects.filter(batch=batch)
        .select_related("customer", "action__step")
        .order_by("customer__number", "pk")
    )
    try:
        pdf = render_letters(
            [
                build_letter(
                    language=m.language,
                    recipient=m.recipient,
                    day=day,
                    subject=m.subject,
                    body=m.body,
                    reference=f"{REFERENCE_LABEL.get(m.language, 'Customer number')} {m.customer.number}",
                )
                for m in letters
            ]
        )
        folder = Path(settings.MEDIA_ROOT) / LETTER_DIR
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{LETTER_DIR}/letters-{day.isoformat()}-{batch.pk}.pdf"
        (Path(settings.MEDIA_ROOT) / name).write_bytes(pdf)
    except Exception as exc:
        for m in letters:
            _mark_failed(m, now=now, error=f"{type(exc).__name__}: {exc}")
        raise
    LetterBatch.objects.filter(pk=batch.pk).update(file=name, count=claimed)
    _mark_sent(
        letters,
        now=now,
        summaries=[
            Text(
                gettext_noop("%(step)s: letter printed for %(to)s: %(subject)s"),
                step=_step_name(m),
                to=m.customer.name,
                subject=m.subject,
            )
            for m in letters
        ],
    )
    return claimed
