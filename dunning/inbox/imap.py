"""Poll an IMAP mailbox with the standard library's imaplib.

imaplib is in the standard library, speaks IMAP4rev1 with STARTTLS/SSL, and UID SEARCH + FETCH
is all this needs: no new dependency to keep up to date. Each unseen mail is ingested and then
flagged \\Seen; a crash between the two only means the next poll finds it again, and ingestion
stores each mail once, so nothing is lost or doubled.
"""

from __future__ import annotations

import imaplib
import logging

from django.conf import settings

from dunning.inbox.services import ingest

logger = logging.getLogger(__name__)


def poll_imap(config: dict | None = None) -> dict:
    config = config if config is not None else getattr(settings, "INBOX_IMAP", None)
    if not config or not config.get("host"):
        return {"skipped": "INBOX_IMAP is not configured"}
    cls = imaplib.IMAP4_SSL if config.get("ssl") else imaplib.IMAP4
    counts = {"new": 0, "duplicate": 0}
    with cls(config["host"], int(config.get("port", 993 if config.get("ssl") else 143)), timeout=30) as imap:
        if config.get("starttls"):
            imap.starttls()
        imap.login(config["user"], config["password"])
        imap.select(config.get("folder", "INBOX"))
        status, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in data[0].split() if status == "OK" else []:
            status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if status != "OK" or raw is None:
                logger.warning("IMAP: could not fetch uid %s", uid)
                continue
            _mail, created = ingest(raw, source="imap")
            counts["new" if created else "duplicate"] += 1
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        imap.logout()
    return counts
