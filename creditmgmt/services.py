"""Changes to staff users."""

from django.contrib.auth.models import Group
from django.db import transaction

from creditmgmt.models import Role, User
from creditmgmt.roles import STAFF_ROLES, sync_groups


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
