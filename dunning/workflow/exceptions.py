"""Daily step: exception tasks (management by exception), and absent controllers' tasks to a stand-in.

Three reasons put a customer on a worklist outside its procedure, for fully
automatic procedures too:

- a message that failed for good (one task per message);
- exposure over the credit limit (open amount above a limit that is set): one
  task per *episode*: while the customer stays over the same limit no new task
  comes, also after the task was done; back under it, or a new limit, ends it;
- a large new overdue amount: the open invoices that fell overdue since
  yesterday (due yesterday, or entered yesterday already past their due date)
  add up to more than `DUNNING_LARGE_NEW_OVERDUE` (in the customer's currency).

Set-based: a handful of queries per reason whatever the number of customers;
tasks, their timeline events and the cases are bulk-inserted. Idempotent: an
open case (unique per customer, reason and key in the database) or an open
task for the same reason means nothing new; running twice creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Customer, Event, Invoice, Task, event_target
from accounts.services import actor_fields
from dunning.assignees import Assignees, available_q
from dunning.models import ExceptionCase, Message
from dunning.scoring import score_exception

ACTOR = "system: daily run"
Reason = ExceptionCase.Reason
TASK_KIND = {
    Reason.FAILED_MESSAGE: Task.Kind.FOLLOW_UP,
    Reason.OVER_LIMIT: Task.Kind.REVIEW,
    Reason.NEW_OVERDUE: Task.Kind.REVIEW,
}


def large_new_overdue() -> Decimal:
    return Decimal(str(getattr(settings, "DUNNING_LARGE_NEW_OVERDUE", "10000")))


@dataclass
class Candidate:
    customer_id: int
    reason: str
    key: str
    amount: Decimal
    limit: Decimal | None = None
    total: Decimal | None = None
    detail: str = ""
    message_id: int | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _open_task_for(reason: str, customer: str = "customer_id") -> Exists:
    return Exists(
        Task.objects.filter(
            customer_id=OuterRef(customer), status=Task.Status.OPEN, exception_case__reason=reason
        )
    )


def _open_case(reason: str, **match) -> Exists:
    return Exists(ExceptionCase.objects.filter(reason=reason, cleared_on__isnull=True, **match))


# --- What is an exception today (one query each, plus one UPDATE that clears the cases that ended) --


def failed_messages(today: date) -> list[Candidate]:
    ExceptionCase.objects.filter(reason=Reason.FAILED_MESSAGE, cleared_on__isnull=True).exclude(
        message__status=Message.Status.FAILED
    ).update(cleared_on=today)
    return failed_messages_of(
        Message.objects.filter(status=Message.Status.FAILED)
        .exclude(_open_case(Reason.FAILED_MESSAGE, message=OuterRef("pk")))
        .only("pk", "customer_id", "channel", "recipient", "last_error", "action__amount")
        .order_by("pk")
    )


def _over_limit() -> Q:
    return Q(credit_limit__gt=0, open_amount__gt=F("credit_limit")) & ~Q(status=Customer.Status.CLOSED)


def over_limit(today: date) -> list[Candidate]:
    # An episode ends when the customer is back under its limit, or has another limit now.
    still = Customer.objects.filter(_over_limit(), pk=OuterRef("customer_id"), credit_limit=OuterRef("limit"))
    ExceptionCase.objects.filter(reason=Reason.OVER_LIMIT, cleared_on__isnull=True).exclude(
        Exists(still)
    ).update(cleared_on=today)
    rows = (
        Customer.objects.filter(_over_limit())
        .exclude(_open_case(Reason.OVER_LIMIT, customer_id=OuterRef("pk")))
        .exclude(_open_task_for(Reason.OVER_LIMIT, customer="pk"))
        .values_list("pk", "open_amount", "credit_limit")
        .order_by("pk")
    )
    return [
        Candidate(
            customer_id=pk,
            reason=Reason.OVER_LIMIT,
            key=str(limit),
            amount=open_amount - limit,
            limit=limit,
            total=open_amount,
        )
        for pk, open_amount, limit in rows
    ]


def newly_overdue(today: date) -> Q:
    """Open invoices that fell overdue since yesterday's run: due yesterday (entered before today),
    or entered yesterday with an older due date. Each invoice counts on exactly one day."""
    yesterday = today - timedelta(days=1)
    return Q(due_date=yesterday, created_at__lt=_start_of(today)) | Q(
        due_date__lt=yesterday, created_at__gte=_start_of(yesterday), created_at__lt=_start_of(today)
    )


def new_overdue(today: date) -> list[Candidate]:
    key = today.isoformat()
    ExceptionCase.objects.filter(reason=Reason.NEW_OVERDUE, cleared_on__isnull=True).exclude(key=key).update(
        cleared_on=today
    )
    fresh = newly_overdue(today)
    customers = Invoice.objects.filter(fresh, status=Invoice.Status.OPEN).values("customer_id")
    rows = (
        Invoice.objects.filter(status=Invoice.Status.OPEN, due_date__lt=today, customer_id__in=customers)
        .exclude(_open_case(Reason.NEW_OVERDUE, customer_id=OuterRef("customer_id"), key=key))
        .exclude(_open_task_for(Reason.NEW_OVERDUE))
        .values("customer_id")
        .annotate(new=Sum("open_amount", filter=fresh), total=Sum("open_amount"))
        .filter(new__gt=large_new_overdue())
        .values_list("customer_id", "new", "total")
        .order_by("customer_id")
    )
    return [
        Candidate(customer_id=c, reason=Reason.NEW_OVERDUE, key=key, amount=new, total=total)
        for c, new, total in rows
    ]


# --- Making the tasks --------------------------------------------------------------------------


def create_exception_tasks(candidates: list[Candidate], *, today: date, assignees: Assignees) -> int:
    """Tasks, timeline events and cases for the candidates, in bulk (one transaction)."""
    if not candidates:
        return 0
    customers = Customer.objects.select_related("controller__deputy").in_bulk(
        {c.customer_id for c in candidates}
    )
    tasks, cases = [], []
    for candidate in candidates:
        customer = customers[candidate.customer_id]
        assignee = assignees.pick(customer)
        language = (assignee.language if assignee else "") or settings.LANGUAGE_CODE
        with translation.override(language):
            score = score_exception(
                reason=candidate.reason,
                amount=candidate.amount,
                currency=customer.currency,
                risk_class=customer.risk_class,
                segment=customer.segment,
                limit=candidate.limit,
                total=candidate.total,
                detail=candidate.detail,
            )
            title = f"{Reason(candidate.reason).label} — {score.explanation}"[:200]
        tasks.append(
            Task(
                customer=customer,
                kind=TASK_KIND[candidate.reason],
                title=title,
                assignee=assignee,
                due_date=today,
                priority=score.priority,
            )
        )
        cases.append(
            ExceptionCase(
                customer=customer,
                reason=candidate.reason,
                key=candidate.key,
                message_id=candidate.message_id,
                amount=candidate.amount,
                limit=candidate.limit,
                total=candidate.total,
                currency=customer.currency,
                risk_class=customer.risk_class,
                detail=candidate.detail,
                score=score.points,
                opened_on=today,
            )
        )
    with transaction.atomic():
        Task.objects.bulk_create(tasks)
        for task, case in zip(tasks, cases, strict=True):
            case.task = task
        ExceptionCase.objects.bulk_create(cases)
        Event.objects.bulk_create(
            [
                Event(
                    customer_id=task.customer_id,
                    kind=Event.Kind.TASK,
                    verb="created",
                    summary=(
                        _("Task planned for %(date)s: %(title)s")
                        % {"date": today.isoformat(), "title": task.title}
                    )[:300],
                    data={"exception": case.reason},
                    **actor_fields(ACTOR),
                    **event_target(task),
                )
                for task, case in zip(tasks, cases, strict=True)
            ]
        )
    return len(tasks)


def failed_message_task(message: Message, *, today: date | None = None) -> int:
    """The outbox calls this when a message fails for good: the task comes at once, not next morning."""
    today = today or timezone.localdate()
    if ExceptionCase.objects.filter(
        reason=Reason.FAILED_MESSAGE, message=message, cleared_on__isnull=True
    ).exists():
        return 0
    candidate = failed_messages_of(Message.objects.filter(pk=message.pk))
    return create_exception_tasks(candidate, today=today, assignees=Assignees(today))


def _failure(message: Message) -> str:
    to = message.recipient.splitlines()[0] if message.recipient else ""
    return f"{message.get_channel_display()} {to}: {message.last_error}"[:200]


def failed_messages_of(messages) -> list[Candidate]:
    return [
        Candidate(
            customer_id=m.customer_id,
            reason=Reason.FAILED_MESSAGE,
            key=str(m.pk),
            amount=(m.action.amount if m.action_id else Decimal(0)),
            detail=_failure(m),
            message_id=m.pk,
        )
        for m in messages.select_related("action")
    ]


# --- Absence -------------------------------------------------------------------------------------


def move_absent_tasks(*, today: date, assignees: Assignees, users: list[int] | None = None) -> int:
    """Open tasks due by today of users away today go to their stand-in (deputy or colleague).

    One UPDATE per (from, to) pair and one bulk insert of timeline events.
    """
    tasks = list(
        Task.objects.open()
        .filter(due_date__lte=today, assignee__isnull=False)
        .exclude(available_q(today, "assignee__"))
        .filter(**({"assignee__in": users} if users is not None else {}))
        .select_related("assignee__deputy")
        .order_by("assignee_id", "priority", "due_date", "id")
    )
    moves: dict[tuple[int, int], list[Task]] = {}
    targets = {}
    for task in tasks:
        to = assignees.stand_in(task.assignee)
        if to is None or to.pk == task.assignee_id:
            continue
        targets[to.pk] = to
        moves.setdefault((task.assignee_id, to.pk), []).append(task)
    events = []
    with transaction.atomic():
        for (from_id, to_id), moved in moves.items():
            Task.objects.filter(pk__in=[t.pk for t in moved], status=Task.Status.OPEN).update(
                assignee_id=to_id
            )
            for task in moved:
                events.append(
                    Event(
                        customer_id=task.customer_id,
                        kind=Event.Kind.TASK,
                        verb="reassigned",
                        summary=(
                            _("Task handed to %(user)s while %(away)s is away (until %(until)s): %(title)s")
                            % {
                                "user": targets[to_id],
                                "away": task.assignee,
                                "until": task.assignee.absent_until.isoformat()
                                if task.assignee.absent_until
                                else "-",
                                "title": task.title,
                            }
                        )[:300],
                        data={"from": from_id, "to": to_id, "absence": True},
                        **actor_fields(ACTOR),
                        **event_target(task),
                    )
                )
        Event.objects.bulk_create(events)
    return len(events)


def raise_exceptions(*, today: date) -> dict:
    """The daily step: move the absent's tasks, then the exception tasks (which go to stand-ins)."""
    assignees = Assignees(today)
    counts = {"tasks_moved": move_absent_tasks(today=today, assignees=assignees)}
    for reason, find in (
        (Reason.FAILED_MESSAGE, failed_messages),
        (Reason.OVER_LIMIT, over_limit),
        (Reason.NEW_OVERDUE, new_overdue),
    ):
        counts[reason.value] = create_exception_tasks(find(today), today=today, assignees=assignees)
    return counts
