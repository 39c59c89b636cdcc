"""Worker jobs for the inbox (declared in creditmgmt/schedules.py)."""

from dunning.inbox import classify
from dunning.inbox.imap import poll_imap


def poll() -> dict:
    return poll_imap()


def train() -> dict:
    model = classify.train()
    return {"samples": model.samples, "corrections": model.corrections}
