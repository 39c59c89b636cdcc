"""What a customer's text says: a date, an amount, invoice numbers and payment references."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

MONTHS = {
    # Dutch, English, German, French; full names and the usual abbreviations.
    "januari": 1, "january": 1, "januar": 1, "janvier": 1, "jan": 1,
    "februari": 2, "february": 2, "februar": 2, "février": 2, "fevrier": 2, "feb": 2, "febr": 2,
    "maart": 3, "march": 3, "märz": 3, "maerz": 3, "mars": 3, "mrt": 3, "mar": 3,
    "april": 4, "avril": 4, "apr": 4,
    "mei": 5, "may": 5, "mai": 5,
    "juni": 6, "june": 6, "juin": 6, "jun": 6,
    "juli": 7, "july": 7, "juillet": 7, "jul": 7,
    "augustus": 8, "august": 8, "août": 8, "aout": 8, "aug": 8,
    "september": 9, "septembre": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "octobre": 10, "okt": 10, "oct": 10,
    "november": 11, "novembre": 11, "nov": 11,
    "december": 12, "dezember": 12, "décembre": 12, "decembre": 12, "dec": 12, "dez": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|e|ste|de|er|\.)?\s+(?:of\s+)?({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I
)
MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
NUMERIC = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?\b")
ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
AMOUNT = re.compile(
    r"(?:€|eur(?:o)?|EUR)\s*(\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{2})?|\d+(?:[.,]\d{2})?)"
    r"|(\d{1,3}(?:[.,]\d{3})*(?:[.,]\d{2})|\d+(?:[.,]\d{2})?)\s*(?:€|euro|EUR)",
    re.I,
)
TOKEN = re.compile(r"\b[A-Z0-9][A-Z0-9\-/]{2,31}\b", re.I)
PAYMENT_REF = re.compile(r"\b(\d{4})[ .]?(\d{4})[ .]?(\d{4})[ .]?(\d{4})\b")


def _next(day: int, month: int, year: int | None, today: date) -> date | None:
    try:
        if year:
            return date(year if year > 100 else 2000 + year, month, day)
        found = date(today.year, month, day)
        if found < today:
            found = date(today.year + 1, month, day)
        return found
    except ValueError:
        return None


def find_date(text: str, *, today: date) -> date | None:
    """The first date in the text that is today or later ("we betalen op 30 november")."""
    candidates: list[tuple[int, date]] = []
    for m in DAY_MONTH.finditer(text):
        if d := _next(int(m[1]), MONTHS[m[2].lower()], int(m[3]) if m[3] else None, today):
            candidates.append((m.start(), d))
    for m in MONTH_DAY.finditer(text):
        if d := _next(int(m[2]), MONTHS[m[1].lower()], int(m[3]) if m[3] else None, today):
            candidates.append((m.start(), d))
    for m in ISO.finditer(text):
        if d := _next(int(m[3]), int(m[2]), int(m[1]), today):
            candidates.append((m.start(), d))
    for m in NUMERIC.finditer(text):
        if ISO.match(text, max(m.start() - 5, 0)):
            continue
        if d := _next(int(m[1]), int(m[2]), int(m[3]) if m[3] else None, today):
            candidates.append((m.start(), d))
    future = sorted((pos, d) for pos, d in candidates if d >= today)
    return future[0][1] if future else None


def parse_amount(raw: str) -> Decimal | None:
    raw = raw.replace(" ", "")
    if re.search(r"[.,]\d{2}$", raw):
        whole, cents = raw[:-3], raw[-2:]
    else:
        whole, cents = raw, "00"
    whole = re.sub(r"[.,]", "", whole)
    try:
        return Decimal(f"{whole}.{cents}")
    except InvalidOperation:
        return None


def find_amount(text: str) -> Decimal | None:
    for m in AMOUNT.finditer(text):
        if (value := parse_amount(m[1] or m[2])) is not None and value > 0:
            return value
    return None


def candidate_references(text: str) -> list[str]:
    """Tokens that could be invoice numbers or payment references (at most 50, with a digit)."""
    found: list[str] = []
    for m in PAYMENT_REF.finditer(text):
        found.append("".join(m.groups()))
    for m in TOKEN.finditer(text):
        token = m[0].strip("-/")
        if any(c.isdigit() for c in token) and token not in found:
            found.append(token)
    return found[:50]
