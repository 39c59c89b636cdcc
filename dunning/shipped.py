"""The names of the shipped procedures, steps and assignment rules, marked for translation.

The defaults migration stores them in English, as data a manager may rename. Pages show
them through `{% translate name %}`: a shipped name reads in the reader's language once
the catalog has it, and a manager's own name has no catalog entry and shows as typed.
"""

from django.utils.translation import gettext_noop

SHIPPED_NAMES = [
    # procedures
    gettext_noop("Low risk"),
    gettext_noop("Medium risk"),
    gettext_noop("High risk"),
    gettext_noop("Friendly: a reminder before the due date, one reminder, then a call."),
    gettext_noop("Two reminders, a call, a final notice with costs (approved by a person), then a review."),
    gettext_noop(
        "Early and strict: reminder before due date, automatic notice of default at +14, delivery block "
        "at +30, hand-over at +60 (approved by a person)."
    ),
    # steps
    gettext_noop("Friendly reminder before due date"),
    gettext_noop("Reminder"),
    gettext_noop("Call the customer"),
    gettext_noop("First reminder"),
    gettext_noop("Second reminder"),
    gettext_noop("Final notice (14-day letter)"),
    gettext_noop("Review: hand over or not"),
    gettext_noop("Reminder before due date"),
    gettext_noop("Overdue: pay now"),
    gettext_noop("Notice of default (14-day letter)"),
    gettext_noop("Delivery block"),
    gettext_noop("Hand over to collection agency"),
    # assignment rules
    gettext_noop("High and very high risk"),
    gettext_noop("Structurally late payers"),
    gettext_noop("Medium risk or unknown"),
    gettext_noop("Everyone else"),
]
