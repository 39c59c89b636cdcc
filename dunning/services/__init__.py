"""Every change the dunning pages make goes through these functions (keyword-only, `by=` actor,
one transaction, locks before read-then-write, a timeline Event where a customer is concerned)."""

from dunning.services.actions import approve_action, cancel_action, log_outcome, retry_message
from dunning.services.disputes import (
    add_comment,
    assign_owner,
    close_dispute,
    open_dispute,
    reject_dispute,
    resolve_with_credit_note,
    set_watchers,
    start_investigating,
)
from dunning.services.setup import (
    add_variant,
    retire_variant,
    save_procedure,
    save_rule,
    save_step,
    save_template,
    start_workflow,
)
from dunning.services.stops import lift_dunning_stop, set_dunning_stop

__all__ = [
    "add_comment",
    "assign_owner",
    "close_dispute",
    "open_dispute",
    "reject_dispute",
    "resolve_with_credit_note",
    "set_watchers",
    "start_investigating",
    "approve_action",
    "cancel_action",
    "lift_dunning_stop",
    "log_outcome",
    "retry_message",
    "add_variant",
    "retire_variant",
    "save_procedure",
    "save_rule",
    "save_step",
    "save_template",
    "set_dunning_stop",
    "start_workflow",
]
