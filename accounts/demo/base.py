"""What the planning modules share: the behaviour tables, the row containers and the planner's state.

`PlannerBase` holds the state every part of the planner reads (the day, the
window, the staff, the id counters, the translated summaries) and the helpers
for moments and timeline events; the mixins in `companies`, `history` and
`activity` add the planning steps and `planner.Planner` puts them together.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Max
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.demo.identifiers import cumulative
from accounts.demo.users import CONTROLLERS, SALES
from accounts.demo.words import NL_CITIES
from accounts.models import (
    Allocation,
    Contact,
    Customer,
    Event,
    Invoice,
    Note,
    Payment,
    Task,
)
from creditmgmt.texts import Text

PROFILES = (
    "on_time",
    "sometimes_late",
    "structurally_late",
    "deteriorating",
    "defaulting",
    "disputing",
)
PROFILE_WEIGHTS = (46, 24, 12, 8, 4, 6)

CHUNK_CUSTOMERS = 1000  # customers planned and written together

# Who the timeline says did it, when no user did.
ERP = "import: ERP"
BANK = "import: bank statement"
MATCHING = "system: payment matching"
DAILY = "system: daily run"

STANDARD_WINDOW_DAYS = 548  # 18 months: the invoice counts below are per this many days
# segment: weight, invoices per 18 months, median invoice (cents, excl. VAT), credit limits, terms
SEGMENTS = {
    Customer.Segment.KEY_ACCOUNT: (3, 55, 320000, (100_000, 500_000, 25_000), (30, 30, 60)),
    Customer.Segment.BUSINESS: (37, 13, 115000, (10_000, 75_000, 2_500), (30, 30, 14, 60)),
    Customer.Segment.SMALL_BUSINESS: (42, 6.5, 45000, (2_500, 15_000, 500), (14, 30, 30)),
    Customer.Segment.CONSUMER: (14, 2.2, 21000, (500, 2_500, 250), (14,)),
    Customer.Segment.GOVERNMENT: (4, 18, 180000, (50_000, 250_000, 25_000), (30,)),
}

# Which notes each profile tends to collect, and how many (min, max).
PROFILE_NOTES = {
    "on_time": ((0, 1), ["review"]),
    "sometimes_late": ((0, 2), ["promise", "no_answer", "copy"]),
    "structurally_late": ((1, 3), ["promise", "no_answer", "copy", "delay", "broken"]),
    "deteriorating": ((2, 4), ["no_answer", "delay", "rating", "broken", "plan", "promise"]),
    "defaulting": ((3, 5), ["no_answer", "broken", "delay", "plan", "rating"]),
    "disputing": ((0, 1), ["promise", "copy"]),
}

# How likely a customer with overdue invoices has an open task about them today.
OPEN_TASK_CHANCE = {
    "on_time": 0.25,
    "sometimes_late": 0.55,
    "structurally_late": 0.75,
    "deteriorating": 0.9,
    "defaulting": 1.0,
    "disputing": 0.9,
}

# --- rows ---------------------------------------------------------------------

_DEFAULTS: dict[type[models.Model], dict] = {}


def make(model: type[models.Model], **values) -> models.Model:
    """An unsaved instance for bulk_create, without Model.__init__ (a third of the seed time).

    Every column gets its default unless given; callers pass attnames (customer_id)
    and always give the mutable and time-dependent fields themselves.
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    return obj


@dataclass
class Batch:
    customers: list[Customer] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    profiles: dict[int, str] = field(default_factory=dict)  # customer id -> profile

    ORDER = ("customers", "contacts", "invoices", "payments", "allocations", "notes", "tasks", "events")

    def counts(self) -> Counter:
        return Counter({name: len(getattr(self, name)) for name in self.ORDER})


class Ids:
    """Primary keys handed out in advance, starting after the highest one in use."""

    MODELS = (Customer, Contact, Invoice, Payment, Allocation, Note, Task, Event)

    def __init__(self, start: dict[type[models.Model], int] | None = None) -> None:
        self.next_id = {model: (start or {}).get(model, 1) for model in self.MODELS}

    @classmethod
    def from_database(cls) -> Ids:
        return cls({m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in cls.MODELS})

    def take(self, model: type[models.Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value


@dataclass
class PlannedInvoice:
    """An invoice (or credit note: negative amount) being planned, amounts in cents."""

    id: int
    number: str
    issue: date
    due: date
    amount: int
    vat: int
    description: str
    order_reference: str
    allocations: list[tuple[date, int, int]] = field(default_factory=list)  # (date, cents, alloc id)
    disputed: bool = False

    @property
    def open(self) -> int:
        return self.amount - sum(a[1] for a in self.allocations)


# --- the planner's state --------------------------------------------------------


class PlannerBase:
    """The state and the time helpers every planning step uses; see `planner.Planner`."""

    def __init__(
        self,
        *,
        seed: int,
        today: date,
        months: int = 18,
        staff: dict[str, int],
        content_types: dict[type[models.Model], int],
        ids: Ids | None = None,
        taken_kvk: set[str] | None = None,
    ) -> None:
        self.seed = seed
        self.today = today
        self.start = today - timedelta(days=round(months * 30.44))
        self.window = (today - self.start).days
        self.staff = staff
        self.controllers = [staff[name] for name in CONTROLLERS]
        self.account_managers = [staff[name] for name in SALES if name in staff]
        self.ct = content_types
        self.ids = ids or Ids()
        self.taken_kvk = set(taken_kvk or ())
        self.tz = timezone.get_default_timezone()
        real_now = self.stamp = timezone.now()
        # Only when the book ends today can a planned moment lie in the future.
        self.now = real_now if today == timezone.localdate(real_now) else None
        self.master = random.Random(seed)
        self.group: tuple[int, int, str, int] | None = None  # parent id, left, surname, controller
        self.profile_cum = cumulative(PROFILE_WEIGHTS)
        self.segments = list(SEGMENTS)
        self.segment_cum = cumulative(v[0] for v in SEGMENTS.values())
        self.city_cum = cumulative(c[4] for c in NL_CITIES)
        # The timeline's messages, as the services write them (shown in the reader's language).
        self.t = {
            "created": gettext_noop("Customer %(name)s created"),
            "received": gettext_noop("Payment of %(amount)s received (%(date)s)"),
            "allocated": gettext_noop(
                "%(amount)s of the payment of %(date)s allocated to invoice %(number)s"
            ),
            "credit_allocated": gettext_noop(
                "%(amount)s of credit note %(credit_note)s allocated to invoice %(number)s"
            ),
            "posted": gettext_noop("Invoice %(number)s posted: %(amount)s, due %(due)s"),
            "credit_posted": gettext_noop("Credit note %(number)s posted: %(amount)s, due %(due)s"),
            "blocked": gettext_noop("Delivery block set: %(reason)s"),
            "changed": gettext_noop("Customer details changed: %(fields)s"),
            "task": gettext_noop("Task planned for %(date)s: %(title)s"),
            "task_done": gettext_noop("Task done: %(title)s — %(outcome)s"),
            "ap": _("Accounts payable"),
        }

    def at(self, day: date, minutes: int) -> datetime:
        """A moment (minutes after midnight) on a day, never after now."""
        if day == self.today:  # today's work happened early: a seed at ten equals one at eight
            minutes = 5 * 60 + minutes % 180
        moment = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        if self.now is not None and moment > self.now:
            moment = self.now - timedelta(seconds=1)
        return moment

    @staticmethod
    def business_day(day: date) -> date:
        weekday = day.weekday()
        return day + timedelta(days=7 - weekday) if weekday >= 5 else day

    @staticmethod
    def event(
        events: list,
        at: datetime,
        kind: str,
        verb: str,
        summary: Text | str,
        ct: int,
        obj: int,
        *,
        actor: int | None = None,
        label: str = "",
        data: dict | None = None,
    ) -> None:
        """Collect one timeline event; `emit_events` turns them into rows in time order."""
        events.append((at, kind, verb, summary, data or {}, actor, label, ct, obj))
