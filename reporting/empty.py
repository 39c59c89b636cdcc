"""What a figure without data is called, and why it has none: one wording for the dashboard, its
drill-downs, the PDF report, the cash forecast and the scheduled reports, instead of a bare dash
that says neither.

Each empty figure has a short word shown where the figure would be, and a reason: the hint under
a figure, the title of a table cell, or the note under the PDF's tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reporting.cure import CURE_DAYS


@dataclass(frozen=True)
class Empty:
    word: str
    reason: str


def _no_steps_reason() -> str:
    return gettext(
        "No dunning step in the period with a known outcome: it is known %(n)s days after the step"
    ) % {"n": CURE_DAYS}


# No credit sales in the last three months: every DSO (standard, countback, split, best possible)
# and the average days delinquent.
NO_SALES = Empty(_("no sales"), _("No credit sales in the last three months"))
# No invoice open (unapplied credit alone does not count): the overdue share.
NOTHING_OWED = Empty(_("nothing owed"), _("No invoice is open, so no share of it is overdue"))
# CEI without a snapshot at the start (or end) of the month (Dashboard.cei_unmeasured) ...
NOT_MEASURED = Empty(_("not measured"), _("No snapshot of the book at the start of the month"))
# ... and CEI of a month in which nothing fell due.
NOTHING_TO_COLLECT = Empty(_("nothing to collect"), _("Nothing was due to be collected in the month"))
# A controller's cure rate without a dunning step whose outcome is known.
NO_STEPS = Empty(_("no steps"), lazy(_no_steps_reason, str)())
# Days to resolve, per dispute reason and per customer, when none was resolved in the period.
NONE_RESOLVED = Empty(_("none resolved"), _("No dispute with this reason was resolved in the period"))
NONE_RESOLVED_OF_CUSTOMER = Empty(
    NONE_RESOLVED.word, _("None of the customer's disputes was resolved in the period")
)
# The promise-kept rate when no promise to pay fell due.
NONE_DUE = Empty(_("none due"), _("No promise to pay fell due in the period"))
# Forecast against actual: a past week that no forecast made before it began covers (when it was
# made and what it expected), and so no difference with the cash received.
NO_FORECAST = Empty(_("no forecast"), _("No forecast was made before this week began"))
NOT_COMPARED = Empty(_("not compared"), _("No forecast of the week to compare the cash received with"))
# Scheduled reports: who made a subscription, once that account is gone (created_by is set null).
MAKER_UNKNOWN = Empty(
    _("not known"), _("The account of the person who made it is gone, or it was made outside the app")
)

# For the templates: {{ empty.no_sales.word }}, {{ empty.no_sales.reason }} (a CEI's comes with it:
# cei_empty, chosen in the view).
EMPTY = {
    "no_sales": NO_SALES,
    "nothing_owed": NOTHING_OWED,
    "no_steps": NO_STEPS,
    "none_resolved": NONE_RESOLVED,
    "none_resolved_of_customer": NONE_RESOLVED_OF_CUSTOMER,
    "none_due": NONE_DUE,
    "no_forecast": NO_FORECAST,
    "not_compared": NOT_COMPARED,
    "maker_unknown": MAKER_UNKNOWN,
}


def cei_empty(month_end, unmeasured) -> Empty:
    """Why a month's CEI is empty: no snapshot to measure it on, or nothing was due in it."""
    return NOT_MEASURED if month_end in unmeasured else NOTHING_TO_COLLECT
