"""The demo staff: one user per role, all signing in with DEMO_PASSWORD."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from creditmgmt.models import Role, User

DEMO_PASSWORD = "demo-pass-2026"

# username, role, first name, last name, UI language
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("anna", Role.ADMIN, "Anna", "de Boer", "nl"),
    ("mark", Role.MANAGER, "Mark", "Visser", "nl"),
    ("chris", Role.CONTROLLER, "Chris", "Bakker", "nl"),
    ("olga", Role.CONTROLLER, "Olga", "Smits", "en"),
    ("pieter", Role.CONTROLLER, "Pieter", "van den Berg", "nl"),
    ("cees", Role.COUNTER, "Cees", "Mulder", "nl"),
    ("sam", Role.SALES, "Sam", "Hendriks", "en"),
    ("lisa", Role.SALES, "Lisa", "Jansen", "nl"),
]
CONTROLLERS = ("chris", "olga", "pieter")
# The account managers of the demo customers (Customer.account_manager).
SALES = ("sam", "lisa")
MANAGER = "mark"


def ensure_demo_users() -> dict[str, User]:
    """The demo staff, one user per role; existing users are reused as they are."""
    from creditmgmt.services import create_user

    users = {u.username: u for u in User.objects.filter(username__in=[row[0] for row in DEMO_USERS])}
    password_hash = None
    for username, role, first, last, language in DEMO_USERS:
        if username in users:
            continue
        if password_hash is None:  # hash once: PBKDF2 is slow on purpose
            password_hash = make_password(DEMO_PASSWORD)
        user = create_user(
            username=username,
            role=role,
            email=f"{username}@credit.example",
            first_name=first,
            last_name=last,
            language=language,
        )
        user.password = password_hash
        user.save(update_fields=["password"])
        users[username] = user
    return users
