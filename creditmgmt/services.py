"""Changes to staff users."""

import hashlib
import hmac
import secrets

from django.contrib.auth.models import Group
from django.db import transaction

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


def api_client_for_key(key: str) -> ApiClient | None:
    """The active client whose key this is, or None. One indexed query; constant-time comparison."""
    if not key.startswith(API_KEY_PREFIX) or len(key) > 100:
        return None
    prefix = key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    client = _CLIENT_BY_PREFIX.get([prefix, True])
    if client is None or not hmac.compare_digest(client.key_hash, _hash_key(key)):
        return None
    return client
