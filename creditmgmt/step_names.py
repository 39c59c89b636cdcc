"""The daily workflow's step names, marked for translation.

The names are keys too (a run resumes by them), so `creditmgmt.daily` keeps them as plain
strings; the run page shows them with `{% translate step.name %}`. A test keeps this list
in step with `daily.steps()`.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

STEP_NAMES = [
    gettext_noop("accounts"),
    gettext_noop("bank"),
    gettext_noop("acceptance: monitoring"),
    gettext_noop("acceptance: limits and reservations"),
    gettext_noop("dunning: promises and plans"),
    gettext_noop("dunning: disputes"),
    gettext_noop("dunning: figures and procedures"),
    gettext_noop("dunning: actions"),
    gettext_noop("dunning: exceptions"),
    gettext_noop("dunning: outbox"),
    gettext_noop("reporting: snapshots"),
    gettext_noop("reporting: forecast"),
    gettext_noop("reporting: scheduled reports"),
]

# What each step counted, as the run page says it; a count without a label here is shown with its
# key's underscores as spaces (new counts never break the page, they only read less well).
COUNT_LABELS = {
    "balances_refreshed": _("balances refreshed"),
    "files": _("files"),
    "entries": _("entries"),
    "matched": _("matched"),
    "unmatched": _("waiting for a person"),
    "refused": _("refused"),
    "checked": _("checked"),
    "baselines": _("first reports"),
    "changed": _("changed"),
    "risk_changed": _("risk class changed"),
    "tasks": _("tasks"),
    "unavailable": _("bureau unavailable"),
    "reservations_invoiced": _("reservations invoiced"),
    "reservations_expired": _("reservations expired"),
    "temporary_ended": _("temporary limits ended"),
    "reviews": _("limit reviews"),
    "promises_kept": _("promises kept"),
    "promises_broken": _("promises broken"),
    "promises_void": _("promises ended: invoices cancelled"),
    "plans_completed": _("plans completed"),
    "plans_missed": _("installments missed"),
    "plans_broken": _("plans broken"),
    "plans_paid_changed": _("installments paid"),
    "escalated": _("escalated"),
    "states_created": _("customers new to dunning"),
    "figures_changed": _("figures changed"),
    "new_cycles": _("new cycles"),
    "assigned": _("procedures assigned"),
    "moved": _("moved to another procedure"),
    "stage_dropped": _("stage lowered after payment"),
    "due": _("steps due"),
    "messages": _("messages"),
    "superseded": _("earlier steps' tasks closed"),
    "tasks_moved": _("tasks moved to a deputy"),
    "tasks_closed": _("tasks closed: reason gone"),
    "failed_message": _("failed messages"),
    "over_limit": _("over the credit limit"),
    "new_overdue": _("large new overdue amounts"),
    "credit_to_allocate": _("credit to allocate"),
    "sent": _("sent"),
    "retry": _("to retry"),
    "failed": _("failed"),
    "letters": _("letters"),
    "customers": _("customers"),
    "groups": _("groups"),
    "sales_groups": _("sales groups"),
    "month_ends_rebuilt": _("month ends rebuilt"),
    "step_outcomes": _("step outcomes"),
    "decision_days": _("decision days"),
    "predicted": _("invoices predicted"),
    "forecast_weeks": _("forecast weeks"),
    "weeks_received": _("weeks received"),
    "reports_sent": _("reports sent"),
    "already_sent": _("already sent"),
    # dunning: actions counts each step's action (dunning.models.Action), "(approval)" when it waits
    "email": _("e-mails"),
    "letter": _("letters"),
    "sms": _("text messages"),
    "call": _("calls"),
    "task": _("internal tasks"),
    "delivery_block": _("delivery blocks"),
    "final_notice": _("final notices"),
    "hand_over": _("hand-overs"),
}


def count_label(key: str) -> str:
    action, waits = key.removesuffix(" (approval)"), key.endswith(" (approval)")
    label = str(COUNT_LABELS.get(action) or action.replace("_", " "))
    return _("%(label)s awaiting approval") % {"label": label} if waits else label
