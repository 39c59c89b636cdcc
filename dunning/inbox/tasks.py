"""Worker jobs for the inbox (declared in creditmgmt/schedules.py)."""

from dunning.inbox import classify
from dunning.inbox.imap import poll_imap
from dunning.inbox.services import follow_up_unanswered


def poll() -> dict:
    """Every few minutes: tasks for mails past their response target, then new mail from IMAP."""
    tasks = follow_up_unanswered()
    return {"response_tasks": tasks, **poll_imap()}


def train() -> dict:
    model = classify.train()
    return {"samples": model.samples, "corrections": model.corrections}
