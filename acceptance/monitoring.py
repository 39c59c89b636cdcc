"""Monitoring: the daily job that watches the bureau reports of accepted customers.

For the active customers with a KvK number, in batches, the job asks the
bureau provider for the current report and compares it with what it saw last
time (`BureauWatch`):

- the score dropped by at least `ACCEPTANCE_MONITOR_SCORE_DROP` points (default 10),
- a negative event appeared (bankruptcy, suspension of payments, ...),
- the rating changed.

A change is written on the customer's timeline, re-derives the risk class from
the report (`risk_class_of`) and opens a limit-review task for the customer's
controller (one open review task per customer at most). Dunning follows the
new risk class on its own: its daily step assigns procedures by risk class and
runs after this one.

The first time a customer is seen only the baseline is stored. A report that
is not newer than the one last compared changes nothing. The job marks each
customer checked for the day, so a second run on the same day, or a run after
a crash halfway, does nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from acceptance.bureau import BureauProvider, BureauReport, BureauUnavailable, get_provider
from acceptance.models import BureauWatch, NegativeEvent
from accounts.models import Customer, Event, Task
from accounts.services import create_task, lock_customer, record_event
from creditmgmt import texts
from creditmgmt.texts import Text

ACTOR = "system: monitoring"
WATCH_FIELDS = ["registration_number", "score", "probability_of_default", "rating", "negative_events"]


def score_drop_threshold() -> int:
    return getattr(settings, "ACCEPTANCE_MONITOR_SCORE_DROP", 10)


def batch_size() -> int:
    return getattr(settings, "ACCEPTANCE_MONITOR_BATCH", 500)


def risk_class_of(report: BureauReport) -> str | None:
    """The risk class a bureau report suggests; None when the report says too little."""
    pd = report.probability_of_default
    if report.negative_events:
        return Customer.RiskClass.VERY_HIGH
    if report.score is None and pd is None:
        return None
    score = report.score if report.score is not None else 100
    pd = pd if pd is not None else Decimal(0)
    if score < 25 or pd >= 8:
        return Customer.RiskClass.VERY_HIGH
    if score < 40 or pd >= 4:
        return Customer.RiskClass.HIGH
    if score < 60 or pd >= 2:
        return Customer.RiskClass.MEDIUM
    return Customer.RiskClass.LOW


def changes_between(watch: BureauWatch, report: BureauReport) -> list[Text]:
    """What changed that a person should know, in words (empty: nothing that matters)."""
    found = []
    if (
        watch.score is not None
        and report.score is not None
        and watch.score - report.score >= score_drop_threshold()
    ):
        found.append(
            Text(gettext_noop("score dropped from %(old)s to %(new)s"), old=watch.score, new=report.score)
        )
    new_events = [e for e in report.negative_events if e not in (watch.negative_events or [])]
    for event in new_events:
        found.append(
            Text(gettext_noop("new negative event: %(event)s"), event=texts.choice(NegativeEvent, event))
        )
    if watch.rating and report.rating and watch.rating != report.rating:
        found.append(
            Text(gettext_noop("rating changed from %(old)s to %(new)s"), old=watch.rating, new=report.rating)
        )
    return found


def _watch_values(report: BureauReport) -> dict:
    return {
        "registration_number": report.registration_number,
        "score": report.score,
        "probability_of_default": report.probability_of_default,
        "rating": report.rating,
        "negative_events": list(report.negative_events),
        "report_fetched_at": report.fetched_at,
    }


def _fetch(provider: BureauProvider, numbers: list[str]) -> tuple[dict[str, BureauReport], int]:
    """Reports for a batch (one call when the provider can), and how many could not be fetched."""
    fetch_many = getattr(provider, "fetch_many", None)
    if fetch_many is not None:
        try:
            return fetch_many(numbers), 0
        except BureauUnavailable:
            return {}, len(numbers)
    reports, failed = {}, 0
    for number in numbers:
        try:
            report = provider.fetch(number)
        except BureauUnavailable:
            failed += 1
            continue
        if report is not None:
            reports[number] = report
    return reports, failed


@dataclass
class MonitoringResult:
    checked: int = 0
    baselines: int = 0
    changed: int = 0
    risk_changed: int = 0
    tasks: int = 0
    unavailable: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def monitor(*, today: date, provider: BureauProvider | None = None) -> dict:
    """The daily monitoring step (creditmgmt.daily, before dunning)."""
    provider = provider or get_provider()
    result = MonitoringResult()
    due = (
        Customer.objects.filter(status__in=[Customer.Status.ACTIVE, Customer.Status.ON_HOLD])
        .exclude(kvk_number="")
        .filter(Q(bureau_watch__isnull=True) | ~Q(bureau_watch__checked_on=today))
        .order_by("pk")
        .values_list("pk", "kvk_number")
    )
    size = batch_size()
    last_pk = 0
    while True:
        batch = list(due.filter(pk__gt=last_pk)[:size])
        if not batch:
            break
        last_pk = batch[-1][0]
        _monitor_batch(batch, today=today, provider=provider, result=result)
    return result.as_dict()


def _monitor_batch(batch: list[tuple[int, str]], *, today: date, provider: BureauProvider, result) -> None:
    reports, failed = _fetch(provider, [number for _pk, number in batch])
    result.unavailable += failed
    watches = BureauWatch.objects.in_bulk([pk for pk, _number in batch])
    new_watches, quiet = [], []
    for pk, number in batch:
        report = reports.get(number)
        if report is None:
            continue  # unknown to the bureau, or the bureau was down: try again tomorrow
        watch = watches.get(pk)
        result.checked += 1
        if watch is None:
            new_watches.append(BureauWatch(customer_id=pk, checked_on=today, **_watch_values(report)))
            result.baselines += 1
            continue
        is_newer = watch.report_fetched_at is None or report.fetched_at > watch.report_fetched_at
        found = changes_between(watch, report) if is_newer else []
        if found:
            _apply_change(customer_id=pk, report=report, found=found, today=today, result=result)
        else:
            if is_newer:
                for name, value in _watch_values(report).items():
                    setattr(watch, name, value)
            watch.checked_on = today
            quiet.append(watch)
    BureauWatch.objects.bulk_create(new_watches, ignore_conflicts=True)
    BureauWatch.objects.bulk_update(quiet, [*WATCH_FIELDS, "report_fetched_at", "checked_on"])


def _apply_change(*, customer_id: int, report: BureauReport, found: list[str], today: date, result) -> None:
    """One customer's change, whole or not at all: timeline, risk class, review task, watch."""
    with transaction.atomic():
        lock_customer(customer_id)
        watch = BureauWatch.objects.select_for_update().get(pk=customer_id)
        if watch.checked_on == today:
            return  # another worker did it
        customer = Customer.objects.select_related("controller").get(pk=customer_id)
        summary = Text(gettext_noop("Bureau report changed: %(changes)s."), changes=texts.joined(found, "; "))
        record_event(
            customer=customer,
            kind=Event.Kind.CUSTOMER,
            verb="bureau_changed",
            summary=summary,
            by=ACTOR,
            data={
                "changes": [str(change) for change in found],
                "score": [watch.score, report.score],
                "rating": [watch.rating, report.rating],
                "negative_events": list(report.negative_events),
            },
        )
        result.changed += 1
        risk = risk_class_of(report)
        if risk and risk != customer.risk_class:
            record_event(
                customer=customer,
                kind=Event.Kind.CUSTOMER,
                verb="risk_class_changed",
                summary=Text(
                    gettext_noop(
                        "Risk class changed from %(old)s to %(new)s after the bureau report changed."
                    ),
                    old=texts.choice(Customer.RiskClass, customer.risk_class),
                    new=Customer.RiskClass(risk),
                ),
                by=ACTOR,
                data={"from": customer.risk_class, "to": risk},
            )
            Customer.objects.filter(pk=customer_id).update(risk_class=risk)
            result.risk_changed += 1
        if not Task.objects.open().filter(customer=customer, kind=Task.Kind.REVIEW).exists():
            create_task(
                customer=customer,
                title=Text(
                    gettext_noop("Review the credit limit: %(changes)s"), changes=texts.joined(found, "; ")
                ),
                due_date=today,
                by=ACTOR,
                kind=Task.Kind.REVIEW,
                priority=Task.Priority.HIGH,
            )
            result.tasks += 1
        for name, value in _watch_values(report).items():
            setattr(watch, name, value)
        watch.checked_on = today
        watch.changed_on = today
        watch.save()


def daily(*, today: date) -> dict:
    return monitor(today=today)
