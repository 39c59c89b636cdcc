"""What people do with the daily run's output: approve or cancel, log a call, retry a message."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Contact, Customer, Event, Invoice, Task
from accounts.services import Actor, complete_task, create_task, record_event, update_customer
from creditmgmt.models import User
from creditmgmt.texts import Text
from dunning.casefile import write_case_file
from dunning.compose import compose_message, current_templates, step_template
from dunning.models import Action, Channel, CustomerDunning, DunningAction, DunningStop, Message
from dunning.selection import dunnable_invoices


class OutcomeCode(TextChoices):
    """What a call achieved; each maps to the task's outcome and, for some, a next step."""

    REACHED = "reached", gettext_lazy("Reached, will pay")
    PROMISED = "promised", gettext_lazy("Payment promised")
    VOICEMAIL = "voicemail", gettext_lazy("Voicemail left")
    UNREACHABLE = "unreachable", gettext_lazy("Unreachable")
    NOT_RECEIVED = "not_received", gettext_lazy("Invoice not received")
    DISPUTE = "dispute", gettext_lazy("Customer disputes")
    PAID_ALREADY = "paid_already", gettext_lazy("Paid already")
    NO_ACTION = "no_action", gettext_lazy("No action needed")


OUTCOME_TO_TASK = {
    OutcomeCode.REACHED: Task.Outcome.REACHED,
    OutcomeCode.PROMISED: Task.Outcome.PROMISED,
    OutcomeCode.VOICEMAIL: Task.Outcome.NOT_REACHED,
    OutcomeCode.UNREACHABLE: Task.Outcome.NOT_REACHED,
    OutcomeCode.NOT_RECEIVED: Task.Outcome.REACHED,
    OutcomeCode.DISPUTE: Task.Outcome.DISPUTED,
    OutcomeCode.PAID_ALREADY: Task.Outcome.PAID,
    OutcomeCode.NO_ACTION: Task.Outcome.NO_ACTION,
}
# Outcomes that pause reminders for a while (reason, days).
OUTCOME_STOPS = {
    OutcomeCode.PROMISED: (DunningStop.Reason.PROMISE, 7),
    OutcomeCode.DISPUTE: (DunningStop.Reason.DISPUTE, 14),
    OutcomeCode.PAID_ALREADY: (DunningStop.Reason.INVESTIGATION, 7),
    OutcomeCode.NOT_RECEIVED: (DunningStop.Reason.INVESTIGATION, 7),
}
# Outcomes that plan another try (days).
OUTCOME_RETRY = {OutcomeCode.VOICEMAIL: 2, OutcomeCode.UNREACHABLE: 2}


def log_outcome(*, task: Task, code: str, by: Actor, note: str = "", until: date | None = None) -> Task:
    """Finish a task with an outcome code; promises and disputes pause dunning, no answer plans a retry.

    "Payment promised" with a date records a Promise on the task's invoices (the reminder's, else
    the task's invoice, else the customer's overdue ones); without a date it stops dunning a week."""
    from dunning.services.promises import make_promise
    from dunning.services.stops import set_dunning_stop

    if code not in OutcomeCode.values:
        raise ValidationError(_("Choose an outcome."))
    code = OutcomeCode(code)
    label = str(code.label)
    with transaction.atomic():
        task = complete_task(
            task=task, outcome=OUTCOME_TO_TASK[code], note=f"{label}. {note}".strip().rstrip("."), by=by
        )
        today = timezone.localdate()
        if code == OutcomeCode.PROMISED and until is not None:
            make_promise(
                customer=task.customer,
                invoices=promised_invoices(task, today=today),
                promised_date=until,
                channel="phone",
                note=note,
                by=by,
            )
        elif code == OutcomeCode.DISPUTE and _open_dispute_for(task, note=note, by=by):
            pass  # the dispute keeps its invoices out of dunning until it ends: no timed stop
        elif code in OUTCOME_STOPS:
            reason, days = OUTCOME_STOPS[code]
            set_dunning_stop(
                customer=task.customer,
                reason=reason,
                until=until if until and until >= today else today + timedelta(days=days),
                note=label,
                by=by,
            )
        if code in OUTCOME_RETRY:
            create_task(
                customer=task.customer,
                title=Text(gettext_noop("Try again: %(title)s"), title=task.title_message),
                due_date=today + timedelta(days=OUTCOME_RETRY[code]),
                by=by,
                kind=task.kind,
                assignee=task.assignee,
                priority=task.priority,
            )
    return task


def promised_invoices(task: Task, *, today: date) -> list[Invoice]:
    """What a promise made on a call covers: the reminder's open invoices, else the task's invoice,
    else the customer's overdue ones."""
    open_ones = Invoice.objects.filter(
        customer=task.customer_id, status=Invoice.Status.OPEN, open_amount__gt=0, amount__gt=0
    ).order_by("due_date", "id")
    action = getattr(task, "dunning_action", None)
    if action is not None and action.invoice_ids:
        chosen = list(open_ones.filter(pk__in=action.invoice_ids))
    elif task.invoice_id:
        chosen = list(open_ones.filter(pk=task.invoice_id))
    else:
        chosen = list(open_ones.filter(due_date__lt=today))
    if not chosen:
        raise ValidationError(_("Nothing overdue is open for a promise; log the call without a date."))
    return chosen


def _open_dispute_for(task: Task, *, note: str, by: Actor):
    """A call ended in "customer disputes": open a dispute (reason "other", to be refined on the
    dispute page) on the invoices the task is about, if any is still open and undisputed."""
    from accounts.models import Invoice
    from dunning.models import Dispute, DisputeReason
    from dunning.services.disputes import open_dispute

    action = getattr(task, "dunning_action", None)
    ids = [task.invoice_id] if task.invoice_id else list(action.invoice_ids) if action else []
    invoices = list(
        Invoice.objects.filter(pk__in=ids, customer_id=task.customer_id, status=Invoice.Status.OPEN)
        .filter(open_amount__gt=0)
        .exclude(dispute_lines__dispute__status__in=Dispute.OPEN_STATUSES)
    )
    reason = DisputeReason.objects.active().filter(code="other").first()
    if not invoices or reason is None:
        return None
    try:
        return open_dispute(
            customer=task.customer,
            invoices=invoices,
            reason=reason,
            message=note,
            by=by,
            channel="phone",
            owner=by if isinstance(by, User) else None,
        )
    except ValidationError:
        return None


def approve_action(*, action: DunningAction, by: Actor) -> DunningAction:
    """Send a reminder that waited for approval (or hand the case over), and finish its task."""
    from django_q.tasks import async_task

    today = timezone.localdate()
    with transaction.atomic():
        action = (
            DunningAction.objects.select_for_update().select_related("step", "customer").get(pk=action.pk)
        )
        if action.status != DunningAction.Status.WAITING:
            raise ValidationError(_("This action is not waiting for approval."))
        customer: Customer = action.customer
        step = action.step
        invoices = list(dunnable_invoices(today).filter(pk__in=action.invoice_ids).order_by("due_date", "id"))
        for invoice in invoices:
            invoice.open_amount = invoice.dunning_amount  # the undisputed rest (not saved)
        if not invoices:
            raise ValidationError(_("Nothing of this reminder is open any more; cancel it instead."))
        if step.channel is not None:
            message = compose_message(
                customer=customer,
                step=step,
                cycle=action.cycle,
                routing=step_template(
                    customer, step, list(Contact.objects.filter(customer=customer)), current_templates()
                ),
                invoices=invoices,
                today=today,
                costs=action.costs,
                interest=action.interest,
            )
            message.action = action
            message.save()
            action.template_variant = message.template_variant
            CustomerDunning.objects.filter(pk=customer.pk).update(last_contact_date=today)
            summary = Text(
                gettext_noop("%(step)s approved: %(channel)s to %(to)s queued"),
                step=Text(step.name),  # shipped step names are translated at display
                channel=Channel(message.channel),
                to=message.recipient.splitlines()[0],
            )
            transaction.on_commit(lambda: async_task("dunning.tasks.deliver"))
        elif step.action == Action.HAND_OVER:
            action.case_file = write_case_file(
                customer=customer,
                invoices=invoices,
                today=today,
                costs=action.costs,
                interest=action.interest,
            )
            update_customer(customer=customer, status=Customer.Status.IN_COLLECTION, by=by)
            summary = Text(
                gettext_noop("%(step)s approved: case file %(file)s made"),
                step=Text(step.name),
                file=action.case_file,
            )
        else:
            summary = Text(gettext_noop("%(step)s approved"), step=Text(step.name))
        action.status = DunningAction.Status.DONE
        action.decided_by = by if isinstance(by, User) else None
        action.save(update_fields=["status", "decided_by", "case_file", "template_variant"])
        record_event(
            customer=customer, kind=Event.Kind.DUNNING, verb="approved", summary=summary, by=by, target=action
        )
        if action.task_id and action.task.status == Task.Status.OPEN:
            complete_task(task=action.task, outcome=Task.Outcome.RESOLVED, note=_("Approved and sent"), by=by)
    return action


def cancel_action(*, action: DunningAction, by: Actor, note: str = "") -> DunningAction:
    with transaction.atomic():
        action = DunningAction.objects.select_for_update().select_related("step").get(pk=action.pk)
        if action.status not in (DunningAction.Status.WAITING, DunningAction.Status.TASK):
            raise ValidationError(_("Only a waiting action can be cancelled."))
        action.status = DunningAction.Status.CANCELLED
        action.decided_by = by if isinstance(by, User) else None
        action.save(update_fields=["status", "decided_by"])
        record_event(
            customer=action.customer_id,
            kind=Event.Kind.DUNNING,
            verb="cancelled",
            summary=Text(gettext_noop("%(step)s not sent: %(note)s"), step=Text(action.step.name), note=note)
            if note
            else Text(gettext_noop("%(step)s not sent"), step=Text(action.step.name)),
            by=by,
            target=action,
        )
        if action.task_id and action.task.status == Task.Status.OPEN:
            complete_task(task=action.task, outcome=Task.Outcome.NO_ACTION, note=note, by=by)
    return action


def retry_message(*, message: Message, by: Actor) -> Message:
    """Queue a failed message again, now, with a fresh set of attempts."""
    from django_q.tasks import async_task

    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.status != Message.Status.FAILED:
            raise ValidationError(_("Only a failed message can be retried."))
        message.status = Message.Status.QUEUED
        message.attempts = 0
        message.next_attempt_at = None
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        record_event(
            customer=message.customer_id,
            kind=Event.Kind.MESSAGE,
            verb="retry",
            summary=Text(
                gettext_noop("%(channel)s to %(to)s queued again"),
                channel=Channel(message.channel),
                to=message.recipient,
            ),
            by=by,
            target=message,
        )
        transaction.on_commit(lambda: async_task("dunning.tasks.deliver"))
    return message
