"""The watched folder: statement files dropped there (by the bank's SFTP, a script) are imported.

`import_inbox` runs from the schedule "bank inbox" every 15 minutes and as a step of
the daily workflow, before dunning, so payments that arrived overnight take
their invoices out of the day's run. A file is moved to `done/` or `refused/`
(with a .txt saying why) only after the import has committed, so a dry run or
a crash halfway leaves it in the inbox; importing it again adds nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.bank.base import StatementFileError
from accounts.bank.services import import_statement_file

logger = logging.getLogger(__name__)
ACTOR = "system: bank inbox"


def inbox_dir() -> Path:
    return Path(getattr(settings, "BANK_INBOX_DIR", "") or Path(settings.BASE_DIR) / "var" / "bank-inbox")


def _move(path: Path, outcome: str, report: str) -> None:
    target = path.parent / outcome
    target.mkdir(exist_ok=True)
    stamped = target / f"{timezone.now():%Y%m%dT%H%M%S}-{path.name}"
    path.rename(stamped)
    stamped.with_name(stamped.name + ".txt").write_text(report + "\n", encoding="utf-8")


def import_inbox(*, folder: Path | None = None) -> dict[str, int]:
    folder = folder or inbox_dir()
    counts = {"files": 0, "entries": 0, "matched": 0, "unmatched": 0, "refused": 0}
    if not folder.is_dir():
        return counts
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        counts["files"] += 1
        try:
            summary = import_statement_file(data=path.read_bytes(), file_name=path.name, by=ACTOR)
        except StatementFileError as exc:
            counts["refused"] += 1
            logger.warning("bank inbox: %s refused: %s", path.name, " ".join(exc.messages))
            transaction.on_commit(partial(_move, path, "refused", " ".join(exc.messages)))
            continue
        counts["entries"] += summary.entries
        counts["matched"] += summary.matched
        counts["unmatched"] += summary.unmatched
        transaction.on_commit(partial(_move, path, "done", str(summary)))
    return counts


def daily(*, today: date) -> dict[str, int]:
    """The bank's part of the daily workflow: whatever is waiting in the inbox."""
    return import_inbox()
