"""Changes to staff users."""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from creditmgmt.models import ApiClient, Role, User
from creditmgmt.roles import STAFF_ROLES, sync_groups
from creditmgmt.rows import RowQuery


def create_user(
    *,
    username: str,
    role: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}")
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            language=language,
        )
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
        set_role(user=user, role=role)
    return user


def set_role(*, user: User, role: str) -> User:
    """Give the user a role: the matching group, and admin access for managers."""
    with transaction.atomic():
        if not Group.objects.filter(name=role).exists():
            sync_groups()
        user.role = role
        user.is_staff = role in STAFF_ROLES
        user.is_superuser = role == Role.ADMIN
        user.save(update_fields=["role", "is_staff", "is_superuser"])
        user.groups.set(Group.objects.filter(name=role))
    return user


# --- API clients -------------------------------------------------------------

API_KEY_PREFIX = "cm_"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_client(*, name: str, scopes: list[str], by: User | None = None) -> tuple[ApiClient, str]:
    """A new API client and its key: `cm_<prefix>_<secret>`. The key is returned once, never stored."""
    unknown = set(scopes) - set(ApiClient.Scope.values)
    if unknown:
        raise ValueError(f"Unknown scopes {sorted(unknown)}; choose from {', '.join(ApiClient.Scope.values)}")
    if not name.strip():
        raise ValueError("An API client needs a name")
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient.objects.create(
        name=name.strip(),
        key_prefix=prefix,
        key_hash=_hash_key(key),
        scopes=sorted(set(scopes)),
        created_by=by,
    )
    return client, key


# Every API call asks this: a hand-written lookup (creditmgmt.rows) instead of a queryset.
_CLIENT_BY_PREFIX = RowQuery(ApiClient, "key_prefix = %s AND active = %s")

# Keys found valid, by their hash: (when, time.time(); the client). Each call of
# a webshop would otherwise read its client again (a statement, ~5 % of a decision's CPU). Only
# valid keys are kept, so random keys cannot fill it; it holds at most _CHECKED_MAX of them.
_checked: dict[str, tuple[float, ApiClient]] = {}
_CHECKED_MAX = 1000


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client whose key this is, or None. One indexed query; constant-time comparison.

    A key found valid is believed for settings.API_KEY_CACHE_SECONDS in this process: a client
    deactivated, or given other scopes, is seen by every server process within that time (by
    the one that saved it at once).
    """
    if not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    digest = _hash_key(key)
    now = time.time()
    checked = _checked.get(digest)
    # A clock set back makes the age negative: asked again, never believed longer.
    if checked is not None and 0 <= now - checked[0] < settings.API_KEY_CACHE_SECONDS:
        return checked[1]
    prefix = key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    client = _CLIENT_BY_PREFIX.get([prefix, True])
    if client is None or not hmac.compare_digest(client.key_hash, digest):
        _checked.pop(digest, None)
        return None
    if settings.API_KEY_CACHE_SECONDS > 0:
        if len(_checked) >= _CHECKED_MAX:
            _checked.clear()
        _checked[digest] = (now, client)
    return client


@receiver(post_save, sender=ApiClient, dispatch_uid="forget_checked_api_keys")
def forget_checked_api_keys(**_kwargs) -> None:
    """A client saved (deactivated, other scopes): this process asks the database again."""
    _checked.clear()
