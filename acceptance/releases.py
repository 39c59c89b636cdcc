"""Release requests: from an orange or red counter answer the clerk asks the credit department.

The request is a task for the customer's controller (kind approval, due today,
high priority) and an event on the timeline; the controller answers with a
release up to an amount or a refusal, which closes the task and shows on the
clerk's screen.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from acceptance.models import Decision, ReleaseRequest
from accounts.models import Event, Task
from accounts.services import complete_task, create_task, lock_customer, record_event
from creditmgmt import texts
from creditmgmt.models import User
from creditmgmt.texts import Text


def request_release(
    *, decision: Decision, by: User, amount: Decimal | None = None, note: str = ""
) -> ReleaseRequest:
    """Ask for a release of a counter answer that is not green (once per answer)."""
    if decision.customer_id is None:
        raise ValidationError(
            _("Only a customer's answer can be released; a new company applies for credit.")
        )
    if decision.counter_colour == "green":
        raise ValidationError(_("This answer already allows delivery on account."))
    if amount is not None and amount <= 0:
        raise ValidationError(_("The amount must be above zero."))
    with transaction.atomic():
        lock_customer(decision.customer_id)
        existing = ReleaseRequest.objects.filter(decision=decision).first()
        if existing is not None:
            return existing
        customer = decision.customer
        note = note.strip()[:300]
        asks = (
            Text(gettext_noop("Counter asks for a release: %(amount)s by %(clerk)s"),
                 amount=texts.money(amount, "EUR"), clerk=str(by))
            if amount
            else Text(gettext_noop("Counter asks for a release: a purchase by %(clerk)s"), clerk=str(by))
        )  # fmt: skip
        task = create_task(
            customer=customer,
            title=texts.with_note(asks, note),
            due_date=timezone.localdate(),
            by=by,
            kind=Task.Kind.APPROVAL,
            priority=Task.Priority.HIGH,
        )
        release = ReleaseRequest.objects.create(
            decision=decision, customer=customer, amount=amount, note=note, requested_by=by, task=task
        )
        record_event(
            customer=customer,
            kind=Event.Kind.DECISION,
            verb="release_requested",
            summary=Text(
                gettext_noop("The counter asked for a release of answer no. %(id)s"), id=decision.pk
            ),
            by=by,
            target=release,
        )
    return release


def answer_release(
    *, release: ReleaseRequest, release_it: bool, by: User, amount: Decimal | None = None, answer: str = ""
) -> ReleaseRequest:
    """The controller's answer: release up to an amount, or refuse; closes the task."""
    answer = answer.strip()[:300]
    if release_it and (amount is None or amount <= 0):
        raise ValidationError(_("Give the amount the counter may deliver on account."))
    if not release_it and not answer:
        raise ValidationError(_("Say why the purchase is not released."))
    with transaction.atomic():
        lock_customer(release.customer_id)
        release = ReleaseRequest.objects.select_related("task", "customer").get(pk=release.pk)
        if release.status != ReleaseRequest.Status.PENDING:
            raise ValidationError(_("This request has already been answered."))
        release.status = ReleaseRequest.Status.RELEASED if release_it else ReleaseRequest.Status.REFUSED
        release.released_amount = amount if release_it else None
        release.answer, release.answered_by, release.answered_at = answer, by, timezone.now()
        release.save(update_fields=["status", "released_amount", "answer", "answered_by", "answered_at"])
        if release_it:
            said = (
                gettext_noop("Released for the counter up to %(amount)s. %(answer)s")
                if answer
                else gettext_noop("Released for the counter up to %(amount)s.")
            )
        else:
            said = (
                gettext_noop("Not released for the counter. %(answer)s")
                if answer
                else gettext_noop("Not released for the counter.")
            )
        event = record_event(
            customer=release.customer,
            kind=Event.Kind.DECISION,
            verb="released" if release_it else "release_refused",
            summary=Text(said, amount=texts.money(amount, "EUR") if release_it else "", answer=answer),
            by=by,
            target=release,
        )
        if release.task is not None and release.task.status == Task.Status.OPEN:
            complete_task(
                task=release.task,
                outcome=Task.Outcome.RESOLVED,
                by=by,
                note=event.summary,  # the task's outcome note is plain text
            )
    return release
