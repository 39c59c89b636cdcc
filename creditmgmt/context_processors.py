from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditmgmt.models import Role

# (label, url name, roles that see it); the views check the roles again.
NAVIGATION = [
    (_("My tasks"), "accounts:task_list", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (
        _("Customers"),
        "accounts:customer_list",
        {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    ),
    (_("Payments"), "accounts:bank_home", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (_("Import"), "accounts:import_upload", {Role.ADMIN, Role.MANAGER}),
    (_("Worklist"), "dunning:worklist", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (_("Disputes"), "dunning:dispute_list", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (_("Inbox"), "dunning:inbox", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (_("Dunning"), "dunning:procedure_list", {Role.ADMIN, Role.MANAGER}),
    (_("Outbox"), "dunning:outbox", {Role.ADMIN, Role.MANAGER}),
    (_("Daily run"), "dunning:run_list", {Role.ADMIN, Role.MANAGER}),
    (_("Counter lookup"), "acceptance:counter", {Role.COUNTER}),
    (_("Releases"), "acceptance:release_list", {Role.ADMIN, Role.MANAGER, Role.CONTROLLER}),
    (_("Credit application"), "acceptance:credit_application", {Role.SALES}),
    (_("Decisions"), "acceptance:decision_list", {Role.ADMIN, Role.MANAGER}),
    (_("Credit policy"), "acceptance:rule_set_list", {Role.ADMIN, Role.MANAGER}),
    (
        _("Dashboard"),
        "reporting:dashboard",
        {Role.ADMIN, Role.MANAGER, Role.CONTROLLER, Role.SALES},
    ),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "company_name": settings.COMPANY["name"]}
    items = []
    for label, url_name, roles in NAVIGATION:
        if user.is_superuser or user.role in roles:
            url = reverse(url_name)
            item = {"label": label, "url": url, "active": request.path.startswith(url)}
            if url_name == "dunning:inbox":
                # Fetched by htmx after the page: pages keep their fixed query counts.
                item["count_url"] = reverse("dunning:inbox_unread")
            items.append(item)
    return {
        "nav_items": items,
        "can_use_admin": user.is_staff,
        "company_name": settings.COMPANY["name"],
    }
