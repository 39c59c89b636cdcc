"""Who gets a dunning task: the customer's controller, or while they are away their deputy or a colleague."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from accounts.models import Customer, Task
from creditmgmt.models import Role, User


def is_available(user: User | None, today: date) -> bool:
    return user is not None and user.is_active and (user.absent_until is None or user.absent_until < today)


def available_q(today: date, prefix: str = "") -> Q:
    """The users (or, with a prefix like "assignee__", the rows of users) available on `today`."""
    return Q(**{f"{prefix}is_active": True}) & (
        Q(**{f"{prefix}absent_until__isnull": True}) | Q(**{f"{prefix}absent_until__lt": today})
    )


class Assignees:
    """Picks for many tasks at once: one query for the colleagues and their open tasks, then in memory.

    Absent controller: the deputy when available, else the available controller
    with the fewest open tasks (counting the ones handed out in this batch, so a
    colleague is not buried). Nobody available: the controller after all.
    """

    def __init__(self, today: date):
        self.today = today
        self._colleagues: list[User] | None = None

    def colleagues(self) -> list[User]:
        if self._colleagues is None:
            self._colleagues = list(
                User.objects.filter(available_q(self.today), role=Role.CONTROLLER)
                .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
                .order_by("open_tasks", "username")
            )
        return self._colleagues

    def stand_in(self, user: User | None) -> User | None:
        """Who works for `user` today (themselves when available)."""
        if is_available(user, self.today):
            return user
        deputy = getattr(user, "deputy", None) if user is not None else None
        if is_available(deputy, self.today):
            return deputy
        others = [c for c in self.colleagues() if user is None or c.pk != user.pk]
        if not others:
            return user
        best = min(others, key=lambda c: (c.open_tasks, c.username))
        best.open_tasks += 1
        return best

    def pick(self, customer: Customer) -> User | None:
        return self.stand_in(customer.controller)


def pick_assignee(customer: Customer, *, today: date) -> User | None:
    """The customer's controller when available; else their deputy; else the available controller
    with the fewest open tasks."""
    return Assignees(today).pick(customer)
