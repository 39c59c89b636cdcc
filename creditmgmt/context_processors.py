from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from creditmgmt.models import Role
from creditmgmt.permissions import LEDGER_READERS as READERS
from creditmgmt.permissions import LEDGER_WRITERS as WRITERS
from creditmgmt.permissions import MANAGERS

COUNTER, SALES = Role.COUNTER, Role.SALES

# Menus of (label, url name, roles that see it); the views check the roles again.
# A menu that leaves one item for a role shows as a plain link with that item's label.
NAVIGATION = [
    (
        _("Work"),
        [
            (_("Worklist"), "dunning:worklist", WRITERS),
            (_("My tasks"), "accounts:task_list", WRITERS),
            (_("Team"), "dunning:team", MANAGERS),
            (_("Inbox"), "dunning:inbox", WRITERS),
            (_("Disputes"), "dunning:dispute_list", READERS),
            (_("Releases"), "acceptance:release_list", WRITERS),
        ],
    ),
    (
        _("Customers"),
        [
            (_("Customers"), "accounts:customer_list", READERS),
            (_("Credit application"), "acceptance:credit_application", {SALES}),
        ],
    ),
    (
        _("Payments"),
        [
            (_("Payments"), "accounts:bank_home", WRITERS),
            (_("Import"), "accounts:import_upload", MANAGERS),
        ],
    ),
    (
        _("Policy"),
        [
            (_("Credit policy"), "acceptance:rule_set_list", MANAGERS),
            (_("Decisions"), "acceptance:decision_list", MANAGERS),
        ],
    ),
    (
        _("Dunning"),
        [
            (_("Procedures"), "dunning:procedure_list", MANAGERS),
            (_("Templates"), "dunning:template_list", MANAGERS),
            (_("Outbox"), "dunning:outbox", MANAGERS),
            (_("Daily run"), "dunning:run_list", MANAGERS),
        ],
    ),
    (
        _("Reports"),
        [
            (_("Dashboard"), "reporting:dashboard", READERS),
            (_("Cash forecast"), "reporting:forecast", WRITERS),  # the company's cash: not for sales
            (_("Scheduled reports"), "reporting:subscriptions", MANAGERS),
        ],
    ),
    (_("Counter"), [(_("Counter lookup"), "acceptance:counter", {COUNTER})]),
]
# Where the unread badge goes: fetched by htmx after the page, so pages keep their query counts.
# A menu fetches its first item's count once (on its label) and the answer fills every place
# marked data-nav-count with that address, the item inside the menu too.
COUNT_URLS = {"dunning:inbox": "dunning:inbox_unread"}


def navigation(request: HttpRequest) -> dict:
    """The menus the user's role may see (`nav_groups`, what the top bar renders), the current
    page's item and menu marked active."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": [], "company_name": settings.COMPANY["name"]}
    groups, flat = [], []
    for number, (group_label, entries) in enumerate(NAVIGATION):
        items = []
        for label, url_name, roles in entries:
            if not (user.is_superuser or user.role in roles):
                continue
            url = reverse(url_name)
            item = {"label": label, "url": url, "active": request.path.startswith(url)}
            if url_name in COUNT_URLS:
                item["count_url"] = reverse(COUNT_URLS[url_name])
            items.append(item)
        if not items:
            continue
        flat.extend(items)
        groups.append(
            {
                "id": f"nav-{number}",
                "label": group_label,
                "items": items,
                "count_url": next((i["count_url"] for i in items if "count_url" in i), None),
            }
        )
    # Only the longest matching address counts: the dashboard at /reporting/ must not
    # light up on /reporting/forecast/ beside the forecast.
    active = max((i for i in flat if i["active"]), key=lambda i: len(i["url"]), default=None)
    for item in flat:
        item["active"] = item is active
    for group in groups:
        group["active"] = any(item["active"] for item in group["items"])
    return {
        "nav_groups": groups,
        "can_use_admin": user.is_staff,
        "company_name": settings.COMPANY["name"],
    }
