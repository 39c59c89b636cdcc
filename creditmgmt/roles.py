"""The groups that mirror the roles, with their model permissions (for the admin)."""

from creditmgmt.models import Role

# app_label.codename patterns per role; "*" gives every codename of the app.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["accounts.*", "creditmgmt.*", "acceptance.*", "dunning.*", "reporting.*"],
    Role.MANAGER: [
        "accounts.*",
        "acceptance.*",
        "dunning.*",
        "reporting.*",
        "creditmgmt.view_user",
    ],
    Role.CONTROLLER: [
        "accounts.view_customer",
        "accounts.change_customer",
        "accounts.view_invoice",
        "accounts.view_payment",
        "accounts.add_note",
        "accounts.view_note",
        "accounts.view_task",
        "accounts.change_task",
        "accounts.add_task",
        "accounts.view_contact",
        "accounts.add_contact",
        "accounts.change_contact",
    ],
    Role.COUNTER: ["accounts.view_customer"],
    Role.SALES: ["accounts.view_customer", "accounts.view_invoice", "accounts.view_payment"],
}
# Roles that may open the Django admin for master data.
STAFF_ROLES = {Role.ADMIN, Role.MANAGER}


def sync_groups(apps=None) -> None:
    """Create or update one group per role with its permissions. Safe to run again."""
    from django.apps import apps as global_apps

    registry = apps or global_apps
    Group = registry.get_model("auth", "Group")
    Permission = registry.get_model("auth", "Permission")
    for role, patterns in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for pattern in patterns:
            app_label, codename = pattern.split(".")
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            perms.extend(qs)
        group.permissions.set(perms)
