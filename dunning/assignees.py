"""Who gets a dunning task: the customer's controller, or a colleague while they are away."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from accounts.models import Customer, Task
from creditmgmt.models import Role, User


def is_available(user: User | None, today: date) -> bool:
    return user is not None and user.is_active and (user.absent_until is None or user.absent_until < today)


def pick_assignee(customer: Customer, *, today: date) -> User | None:
    """The customer's controller when available; else the available controller with the fewest open tasks."""
    controller = customer.controller
    if is_available(controller, today):
        return controller
    return (
        User.objects.filter(role=Role.CONTROLLER, is_active=True)
        .filter(Q(absent_until__isnull=True) | Q(absent_until__lt=today))
        .annotate(open_tasks=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
        .order_by("open_tasks", "username")
        .first()
    ) or controller
