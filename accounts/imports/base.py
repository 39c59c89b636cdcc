"""What every step of an import shares.

The kinds, the line actions, the errors, and the helpers that read a cell or a
header name as text.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

CUSTOMERS = "customers"
INVOICES = "invoices"
KIND_CHOICES = [(CUSTOMERS, gettext_lazy("Customers")), (INVOICES, gettext_lazy("Invoices"))]

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported; the message says why."""


class CellError(Exception):
    """A cell that cannot be read; the (translated) message says why."""


def _key(text: str) -> str:
    """Compare header names without case, accents, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\ufeff", "").strip()


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
