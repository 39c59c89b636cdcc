"""Who may do what. Every view names its roles; nothing is open by default."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from creditmgmt.models import Role

ALL_STAFF = (Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.COUNTER, Role.SALES)
# Reading a customer's ledger (the 360, invoices, payments). Not counter staff:
# they get one lookup screen that answers "on account, up to EUR X" and no more.
LEDGER_READERS = (Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES)
# Changing a customer's ledger: notes, tasks, allocations, customer details.
LEDGER_WRITERS = (Role.ADMIN, Role.MANAGER, Role.CONTROLLER)
# Bulk changes and master data: imports.
MANAGERS = (Role.ADMIN, Role.MANAGER)


def role_required(*roles: str) -> Callable:
    """Let through signed-in users with one of `roles`; refuse everyone else (403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def can_write_ledger(user: Any) -> bool:
    return user.is_authenticated and user.has_role(*LEDGER_WRITERS)
