"""Daily step: exception tasks (management by exception), and absent controllers' tasks to a stand-in.

Four reasons put a customer on a worklist outside its procedure, for fully
automatic procedures too:

- a message that failed for good (one task per message);
- exposure over the credit limit (the group's open invoices and reserved
  orders above the limit that applies today, as acceptance computes it): one
  task per *episode*: while the customer stays over the same limit no new task
  comes, also after the task was done; back under it, or a new limit, ends it;
- a large new overdue amount: the open invoices that fell overdue since
  yesterday (due yesterday, or entered yesterday already past their due date)
  add up to more than `DUNNING_LARGE_NEW_OVERDUE` (in the customer's currency);
- credit to allocate: an invoice is overdue while open credit notes and
  unallocated payments cover the whole balance (one task per episode).

A task whose reason went away (message sent again, back under the limit, the
new overdue invoices paid, the credit allocated) is closed by the next run with
a note of why, before new ones are made.

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
from django.utils.translation import gettext_noop

from acceptance.limits import CustomerExposure, exposures_over_limit
from accounts.models import ZERO, Customer, Event, Invoice, Task, event_target
from accounts.services import actor_fields, close_tasks
from creditmgmt import texts
from creditmgmt.texts import Text
from dunning.assignees import Assignees, available_q
from dunning.models import ExceptionCase, Message
from dunning.scoring import EXPOSURE_DETAIL, score_exception

ACTOR = "system: daily run"
Reason = ExceptionCase.Reason
TASK_KIND = {
    Reason.FAILED_MESSAGE: Task.Kind.FOLLOW_UP,
    Reason.OVER_LIMIT: Task.Kind.REVIEW,
    Reason.NEW_OVERDUE: Task.Kind.REVIEW,
    Reason.CREDIT_TO_ALLOCATE: Task.Kind.PAYMENT,
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


def over_limit(today: date, over: dict[int, CustomerExposure]) -> list[Candidate]:
    """Customers whose exposure is over their limit (`over`, from exposures_over_limit: the group's
    open invoices and reserved orders, against a running temporary limit or the base limit, as the
    acceptance decision sees it) and that have no open case or task for it yet."""
    # An episode ends when the customer is back under its limit, or has another limit now.
    open_cases = list(
        ExceptionCase.objects.filter(reason=Reason.OVER_LIMIT, cleared_on__isnull=True).values_list(
            "pk", "customer_id", "limit"
        )
    )
    ended = {
        pk for pk, customer, limit in open_cases if customer not in over or over[customer].limit != limit
    }
    ExceptionCase.objects.filter(pk__in=ended).update(cleared_on=today)
    busy = {customer for pk, customer, _limit in open_cases if pk not in ended} | set(
        Task.objects.filter(status=Task.Status.OPEN, exception_case__reason=Reason.OVER_LIMIT).values_list(
            "customer_id", flat=True
        )
    )
    return [
        Candidate(
            customer_id=pk,
            reason=Reason.OVER_LIMIT,
            key=str(exposure.limit),
            amount=exposure.total - exposure.limit,
            limit=exposure.limit,
            total=exposure.total,
            # Said when the exposure is more than the customer's own open invoices.
            detail=EXPOSURE_DETAIL if exposure.total != exposure.own_open_amount else "",
        )
        for pk, exposure in sorted(over.items())
        if pk not in busy
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


def _credit_covers_overdue(today: date) -> Q:
    """Something is overdue, yet the open credit notes and unallocated payments cover the whole
    balance: the customer owes nothing on balance. The procedure goes on (the cycle does not start
    again while an invoice is overdue); allocating is the controller's work."""
    return Q(oldest_open_due_date__lt=today, open_amount__lte=F("unallocated_amount")) & ~Q(
        status=Customer.Status.CLOSED
    )


def credit_to_allocate(today: date) -> list[Candidate]:
    # An episode lasts while the credit covers the balance; one case and task per episode.
    ExceptionCase.objects.filter(reason=Reason.CREDIT_TO_ALLOCATE, cleared_on__isnull=True).exclude(
        customer__in=Customer.objects.filter(_credit_covers_overdue(today))
    ).update(cleared_on=today)
    rows = (
        Customer.objects.filter(_credit_covers_overdue(today))
        .exclude(_open_case(Reason.CREDIT_TO_ALLOCATE, customer_id=OuterRef("pk")))
        .exclude(_open_task_for(Reason.CREDIT_TO_ALLOCATE, customer="pk"))
        .values_list("pk", "open_amount", "unallocated_amount")
        .order_by("pk")
    )
    return [
        Candidate(
            customer_id=pk,
            reason=Reason.CREDIT_TO_ALLOCATE,
            key="credit",
            amount=unallocated - open_amount,
            total=open_amount,
        )
        for pk, open_amount, unallocated in rows
    ]


# --- Closing the tasks whose reason went away (one query each, plus the closing) --------------


def resolved_failed_messages() -> dict[int, str]:
    """Open failed-message tasks whose message is not failed any more (sent again, or queued)."""
    rows = (
        Task.objects.filter(status=Task.Status.OPEN, exception_case__reason=Reason.FAILED_MESSAGE)
        .exclude(exception_case__message__isnull=True)
        .exclude(exception_case__message__status=Message.Status.FAILED)
        .values_list("pk", "exception_case__message__status")
    )
    return {
        pk: _("The message is no longer failed: %(status)s.")
        % {"status": str(Message.Status(status).label).lower()}
        for pk, status in rows
    }


def resolved_over_limit(today: date, over: dict[int, CustomerExposure]) -> dict[int, str]:
    """Open over-limit tasks of customers that are not over their limit any more."""
    tasks = (
        Task.objects.filter(status=Task.Status.OPEN, exception_case__reason=Reason.OVER_LIMIT)
        .select_related("exception_case", "customer__credit_terms")
        .only(
            "customer__credit_limit",
            "customer__credit_terms__temporary_limit",
            "customer__credit_terms__temporary_until",
            "exception_case__limit",
            "exception_case__currency",
        )
    )
    reasons = {}
    for task in tasks:
        if task.customer_id in over:
            continue
        limit_then, currency = task.exception_case.limit, task.exception_case.currency
        # The limit today as acceptance's CreditTerms says: a running temporary limit, else the base.
        terms = getattr(task.customer, "credit_terms", None)  # no row: no temporary limit
        limit_now = (
            terms.temporary_limit if terms and terms.temporary_applies(today) else task.customer.credit_limit
        )
        words = {
            "limit": texts.money(limit_now, currency, whole=True),
            "old": texts.money(limit_then or ZERO, currency, whole=True),
        }
        if limit_then is not None and limit_now > limit_then:
            why = gettext_noop("No longer over the credit limit: it was raised from %(old)s to %(limit)s.")
        else:
            why = gettext_noop("No longer over the credit limit of %(limit)s.")
        reasons[task.pk] = str(Text(why, **words))  # in the run's language, as close_tasks stores it
    return reasons


def resolved_new_overdue() -> dict[int, str]:
    """Open large-new-overdue tasks whose invoices are paid down to the threshold or below.

    The invoices are the ones that fell overdue for the run that opened the case; one query per
    distinct opening date among the open tasks (a handful), none per customer.
    """
    tasks = list(
        Task.objects.filter(status=Task.Status.OPEN, exception_case__reason=Reason.NEW_OVERDUE).values_list(
            "pk", "customer_id", "exception_case__opened_on", "exception_case__currency"
        )
    )
    by_day: dict[date, set[int]] = {}
    for _pk, customer, opened_on, _currency in tasks:
        by_day.setdefault(opened_on, set()).add(customer)
    still_open: dict[tuple[date, int], Decimal] = {}
    for day, customers in by_day.items():
        rows = (
            Invoice.objects.filter(newly_overdue(day), status=Invoice.Status.OPEN, customer_id__in=customers)
            .order_by()
            .values("customer_id")
            .annotate(left=Sum("open_amount"))
            .values_list("customer_id", "left")
        )
        still_open.update({(day, customer): left for customer, left in rows})
    threshold = large_new_overdue()
    reasons = {}
    for pk, customer, opened_on, currency in tasks:
        left = still_open.get((opened_on, customer)) or ZERO
        if left <= threshold:
            reasons[pk] = str(
                Text(
                    gettext_noop(
                        "Of the invoices newly overdue on %(date)s, %(open)s is still open "
                        "(not above %(threshold)s)."
                    ),
                    date=opened_on.isoformat(),
                    open=texts.money(left, currency, whole=True),
                    threshold=texts.money(threshold, currency, whole=True),
                )
            )
    return reasons


def resolved_credit_to_allocate(today: date) -> dict[int, str]:
    """Open credit-to-allocate tasks of customers whose credit no longer covers an overdue balance."""
    rows = (
        Task.objects.filter(status=Task.Status.OPEN, exception_case__reason=Reason.CREDIT_TO_ALLOCATE)
        .exclude(customer__in=Customer.objects.filter(_credit_covers_overdue(today)))
        .values_list("pk", flat=True)
    )
    why = _("Nothing overdue is covered by credit any more (allocated, or the balance is owed again).")
    return dict.fromkeys(rows, why)


def close_resolved(today: date, over: dict[int, CustomerExposure]) -> int:
    """Close the exception tasks whose reason went away, each with a timeline note of why."""
    reasons = (
        resolved_failed_messages()
        | resolved_over_limit(today, over)
        | resolved_new_overdue()
        | resolved_credit_to_allocate(today)
    )
    return close_tasks(reasons=reasons, by=ACTOR)


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
            title = Text(
                gettext_noop("%(reason)s — %(explanation)s"),
                reason=Reason(candidate.reason),
                explanation=score.text,
            )
            stored_title = texts.stored("title", title, 200)  # in the assignee's language, as before
        tasks.append(
            Task(
                customer=customer,
                kind=TASK_KIND[candidate.reason],
                **stored_title,
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
                    **texts.stored(
                        "summary",
                        Text(
                            gettext_noop("Task planned for %(date)s: %(title)s"),
                            date=today,
                            title=task.title_message,
                        ),
                        300,
                    ),
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
                        **texts.stored(
                            "summary",
                            Text(
                                gettext_noop(
                                    "Task handed to %(user)s while %(away)s is away "
                                    "(until %(until)s): %(title)s"
                                ),
                                user=str(targets[to_id]),
                                away=str(task.assignee),
                                until=task.assignee.absent_until or "-",
                                title=task.title_message,
                            ),
                            300,
                        ),
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
    over = exposures_over_limit(today=today)
    # Closed first: a reason that went away and came back today gets a fresh task.
    counts["tasks_closed"] = close_resolved(today, over)
    for reason, find in (
        (Reason.FAILED_MESSAGE, failed_messages),
        (Reason.OVER_LIMIT, lambda day: over_limit(day, over)),
        (Reason.NEW_OVERDUE, new_overdue),
        (Reason.CREDIT_TO_ALLOCATE, credit_to_allocate),
    ):
        counts[reason.value] = create_exception_tasks(find(today), today=today, assignees=assignees)
    return counts
