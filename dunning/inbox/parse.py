"""Raw MIME to the parts we keep. Never raises: a mail that cannot be read is kept raw, marked malformed."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import getaddresses, parsedate_to_datetime

import nh3

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
    "text/csv",
    "application/xml",
    "text/xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword",
    "application/vnd.ms-excel",
}
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    refused: str = ""


@dataclass
class Parsed:
    content_hash: str
    message_id: str | None = None
    from_address: str = ""
    from_name: str = ""
    to: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    body_text: str = ""
    body_html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    error: str = ""


def ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def html_to_text(html: str) -> str:
    text = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html), tags=set())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def parse(raw: bytes) -> Parsed:
    out = Parsed(content_hash=hashlib.sha256(raw).hexdigest())
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if not msg.keys() or msg.defects and not msg.get("From"):
            raise ValueError("no headers: not an e-mail message")
        out.headers = {k: str(v) for k, v in msg.items()}
        mid = ids(str(msg.get("Message-ID", "")))
        out.message_id = mid[0][:500] if mid else None
        senders = getaddresses([str(msg.get("From", ""))])
        if senders:
            out.from_name, out.from_address = senders[0][0][:200], senders[0][1].lower()[:300]
        out.to = ", ".join(a for _, a in getaddresses([str(msg.get("To", ""))]))[:500]
        out.subject = str(msg.get("Subject", ""))[:300]
        if msg.get("Date"):
            try:
                out.sent_at = parsedate_to_datetime(str(msg["Date"]))
                if out.sent_at.tzinfo is None:
                    out.sent_at = None
            except (TypeError, ValueError):
                out.sent_at = None
        reply = ids(str(msg.get("In-Reply-To", "")))
        out.in_reply_to = reply[0][:500] if reply else ""
        out.references = ids(str(msg.get("References", "")))
        for part in msg.walk():
            if part.is_multipart():
                continue
            disposition = part.get_content_disposition()
            ctype = part.get_content_type()
            if (
                disposition in ("attachment", "inline")
                and part.get_filename()
                or (disposition == "attachment")
            ):
                data = part.get_payload(decode=True) or b""
                name = (part.get_filename() or "attachment")[:200]
                refused = ""
                if ctype not in ALLOWED_TYPES:
                    refused = f"type {ctype} not allowed"
                elif len(data) > MAX_ATTACHMENT_BYTES:
                    refused = "larger than 10 MB"
                out.attachments.append(Attachment(name, ctype, b"" if refused else data, refused))
            elif ctype == "text/plain" and not out.body_text:
                out.body_text = part.get_content()
            elif ctype == "text/html" and not out.body_html:
                out.body_html = part.get_content()
        if not out.body_text and out.body_html:
            out.body_text = html_to_text(out.body_html)
    except Exception as exc:  # noqa: BLE001 (whatever is wrong, the raw mail is kept)
        out.error = f"{type(exc).__name__}: {exc}"[:300]
        out.body_text = raw.decode("utf-8", errors="replace")[:20000]
    # PostgreSQL text cannot hold NUL; the raw bytes keep them.
    for name in (
        "from_address",
        "from_name",
        "to",
        "subject",
        "in_reply_to",
        "body_text",
        "body_html",
        "error",
    ):
        setattr(out, name, getattr(out, name).replace("\x00", ""))
    if out.message_id:
        out.message_id = out.message_id.replace("\x00", "")
    return out


ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
    "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "img", "font",
}  # fmt: skip


def _no_remote(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if value.startswith("cid:") else None  # remote images are never loaded
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt"}, "td": {"colspan"}, "th": {"colspan"}},
        url_schemes={"http", "https", "mailto", "cid"},
        attribute_filter=_no_remote,
        link_rel="noopener noreferrer nofollow",
    )
