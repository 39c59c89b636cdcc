"""Import customers and invoices from ERP exports (CSV or XLSX).

An import runs in three steps:

1. `read_table`: find out what the bytes are by their content (an XLSX
   workbook by its zip signature; otherwise text in UTF-8, UTF-16 or
   Windows-1252), split CSV on the delimiter that makes the header row
   recognisable, and return the header row and the data rows, each with the
   line number the user sees in a spreadsheet (header = line 1).
2. `build_plan`: map the header to fields (Dutch ERP aliases too), parse every
   cell (ISO and Dutch dates, "1.234,56" and "1,234.56" amounts, always
   Decimal), validate every line with the model validators and against the
   database, and decide per line: new, changed, unchanged or error. Nothing is
   written: the preview shows this plan.
3. `apply_import`: in one transaction, build the plan again with the rows
   locked, refuse when any line has an error or when the plan is not the one
   that was previewed (fingerprint), then create and update in bulk, refresh
   the balances of the customers touched and write one timeline event per
   customer. All or nothing.

Upserts are by number and unchanged lines are not touched, so applying the
same file twice changes nothing the second time. An empty cell means "keep
what is there" (or the default for a new record): an import never erases.
"""

from __future__ import annotations

import codecs
import copy
import csv
import hashlib
import io
import json
import re
import time
import unicodedata
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import DecimalField, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import MONEY, ZERO, Allocation, Customer, Event, Invoice, Payment, event_target
from accounts.services import Actor, record_event, refresh_customer_balance
from creditmgmt.models import User

CUSTOMERS = "customers"
INVOICES = "invoices"
KIND_CHOICES = [(CUSTOMERS, gettext_lazy("Customers")), (INVOICES, gettext_lazy("Invoices"))]

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"

CENT = Decimal("0.01")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 50
# Numbers per IN (...) query: SQLite and PostgreSQL both take this many parameters.
CHUNK = 2000
STAGING_MAX_AGE = timedelta(days=1)


class ImportFileError(ValidationError):
    """The file as a whole cannot be imported; the message says why."""


class CellError(Exception):
    """A cell that cannot be read; the (translated) message says why."""


# --- Columns and their aliases ---------------------------------------------


def _key(text: str) -> str:
    """Compare header names without case, accents, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


@dataclass(frozen=True, eq=False)
class KindSpec:
    name: str
    # field -> header names that mean it (the field name itself always counts)
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    amount_fields: tuple[str, ...]

    @property
    def aliases(self) -> dict[str, str]:
        return _aliases(self)

    def field_for(self, header: Any) -> str | None:
        return self.aliases.get(_key(_text(header)))


@cache
def _aliases(spec: KindSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for fieldname, names in spec.columns.items():
        for name in (fieldname, *names):
            key = _key(name)
            if table.get(key, fieldname) != fieldname:
                raise AssertionError(f"Header alias {name!r} means two fields in {spec.name}")
            table[key] = fieldname
    return table


CUSTOMER_SPEC = KindSpec(
    name=CUSTOMERS,
    columns={
        "number": (
            "customer number", "customer no", "account number", "account", "debiteurnummer",
            "debiteurnr", "debiteur nr", "deb nr", "klantnummer", "klantnr", "klant nr",
            "relatienummer", "relatienr", "nummer",
        ),
        "name": (
            "customer name", "company name", "company", "naam", "bedrijfsnaam", "debiteurnaam",
            "klantnaam", "relatienaam", "firmanaam",
        ),
        "legal_form": ("legal form", "rechtsvorm"),
        "kvk_number": (
            "kvk", "kvk nummer", "kvk nr", "kvknummer", "coc", "coc number",
            "chamber of commerce", "handelsregister",
        ),
        "vat_number": ("vat", "vat number", "vat id", "btw nummer", "btw nr", "btw id", "btwnummer"),
        "address": ("adres", "straat", "street", "straat en huisnummer", "bezoekadres"),
        "postal_code": ("postal code", "postcode", "zip", "zip code"),
        "city": ("plaats", "woonplaats", "vestigingsplaats", "stad", "town"),
        "country": ("land", "landcode", "country code"),
        "language": ("taal", "correspondentietaal"),
        "currency": ("valuta", "munt", "munteenheid"),
        "segment": ("klantgroep", "customer group"),
        "credit_limit": ("credit limit", "kredietlimiet", "limiet"),
        "payment_terms_days": (
            "payment terms", "payment terms days", "betalingstermijn", "betaaltermijn",
            "betalingsconditie", "termijn",
        ),
        "status": (),
        "risk_class": ("risk class", "risk", "risico", "risicoklasse"),
        "controller": ("credit controller", "debiteurenbeheerder", "beheerder", "username"),
        "parent": (
            "parent number", "parent company", "moeder", "moedermaatschappij", "concern",
            "concernnummer", "hoofddebiteur",
        ),
    },
    required=("number", "name"),
    amount_fields=("credit_limit",),
)  # fmt: skip

INVOICE_SPEC = KindSpec(
    name=INVOICES,
    columns={
        "number": (
            "invoice number", "invoice no", "invoice", "document number", "factuurnummer",
            "factuurnr", "factuur nr", "factuur", "boekstuknummer", "nummer",
        ),
        "customer": (
            "customer number", "customer no", "account number", "account", "debiteurnummer",
            "debiteurnr", "debiteur nr", "debiteur", "deb nr", "klantnummer", "klantnr",
            "klant nr", "klant", "relatienummer", "relatienr",
        ),
        "issue_date": ("invoice date", "document date", "date", "factuurdatum", "datum", "boekdatum"),
        "due_date": ("due date", "due", "vervaldatum", "vervaldag", "uiterste betaaldatum"),
        "amount": (
            "total", "gross amount", "amount incl vat", "invoice amount", "bedrag", "factuurbedrag",
            "totaal", "totaalbedrag", "bedrag incl btw",
        ),
        "vat_amount": ("vat", "vat amount", "tax", "btw", "btw bedrag"),
        "currency": ("valuta", "munt", "munteenheid"),
        "open_amount": (
            "open", "open amount", "outstanding", "balance", "openstaand", "openstaand bedrag",
            "saldo", "restant",
        ),
        "description": ("omschrijving", "text", "tekst"),
        "order_reference": (
            "order", "order number", "order reference", "your reference", "po number",
            "ordernummer", "referentie", "uw referentie", "kenmerk",
        ),
    },
    required=("number", "customer", "issue_date", "amount"),
    amount_fields=("amount", "vat_amount", "open_amount"),
)  # fmt: skip

SPECS = {CUSTOMERS: CUSTOMER_SPEC, INVOICES: INVOICE_SPEC}


def get_spec(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ImportFileError(
            _("Unknown kind of import %(kind)s: choose customers or invoices.") % {"kind": repr(kind)}
        ) from None


def column_help() -> list[dict[str, Any]]:
    """The accepted columns per kind, for the upload page."""
    return [
        {
            "kind": kind,
            "label": label,
            "columns": [
                {"field": f, "required": f in SPECS[kind].required, "aliases": names}
                for f, names in SPECS[kind].columns.items()
            ],
        }
        for kind, label in KIND_CHOICES
    ]


# --- Reading the file ---------------------------------------------------------


@dataclass
class Table:
    header: list[str]
    # (line number as the user sees it, cells); blank lines are left out
    rows: list[tuple[int, list[Any]]]
    format: str  # "csv" or "xlsx"
    header_line: int = 1
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""

    def describe(self) -> str:
        if self.format == "xlsx":
            text = _("Excel workbook, sheet “%(sheet)s”") % {"sheet": self.sheet}
        else:
            names = {",": _("commas"), ";": _("semicolons"), "\t": _("tabs"), "|": _("bars")}
            text = _("CSV in %(encoding)s, separated by %(delimiter)s") % {
                "encoding": self.encoding,
                "delimiter": names.get(self.delimiter, self.delimiter),
            }
        if self.header_line > 1:
            text += ", " + _("header on line %(line)s") % {"line": self.header_line}
        return text


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


def read_table(data: bytes, kind: str) -> Table:
    spec = get_spec(kind)
    if not data or not data.strip(b" \t\r\n\x00"):
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old Excel file (.xls). Save it as Excel workbook (.xlsx) or CSV and upload that.")
        )
    else:
        table = _read_csv(data, spec)
    if not table.rows:
        raise ImportFileError(_("The file has no lines with data."))
    _split_header(table, spec)
    return table


HEADER_SEARCH_ROWS = 10


def _known_columns(cells: list[Any], spec: KindSpec) -> int:
    return sum(1 for cell in cells if isinstance(cell, str) and spec.field_for(cell))


def _split_header(table: Table, spec: KindSpec) -> None:
    """The header is the first line, unless a title or a blank-ish line comes first.

    Reports from an ERP or a spreadsheet often start with a title ("Open items
    per 31-01-2026"): of the first lines, the one with the most known column
    names is the header, and the lines above it are skipped.
    """
    candidates = table.rows[:HEADER_SEARCH_ROWS]
    scores = [_known_columns(cells, spec) for _line, cells in candidates]
    best = scores.index(max(scores)) if max(scores) > 0 else 0
    table.header_line, header = table.rows[best]
    table.header = [_text(cell) for cell in header]
    table.rows = table.rows[best + 1 :]


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise ImportFileError(
            _("The file looks like an Excel workbook but cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [v.strip() if isinstance(v, str) else v for v in values]
            if not all(_is_blank(v) for v in cells):
                rows.append((line, cells))
        return Table(header=[], rows=rows, format="xlsx", sheet=sheet.title)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError(
            _("The file looks like an Excel workbook but cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    finally:
        workbook.close()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file says it is UTF-8 but is not: save it again as CSV UTF-8.")
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with tabs.
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportFileError(_("The file cannot be read as UTF-16 text.")) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


DELIMITERS = (";", ",", "\t", "|")


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _sniff_delimiter(text: str, spec: KindSpec) -> str:
    """The delimiter that makes most header cells known columns, then the most regular rows."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", None
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in _records(sample, delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows:
            continue
        known = max(_known_columns(r, spec) for r in rows[:HEADER_SEARCH_ROWS])
        widths = Counter(len(r) for r in rows)
        regular = widths.most_common(1)[0][1] / len(rows)
        score = (known, len(rows[0]) > 1, regular, len(rows[0]))
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    if best_score is not None and best_score[0] == 0:
        # Nothing recognisable: let the csv module guess, for a readable error message.
        try:
            best = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            pass
    return best


def _read_csv(data: bytes, spec: KindSpec) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    delimiter = ""
    if re.fullmatch(r'"?sep=.?"?', first_line, flags=re.IGNORECASE):
        # Excel's "sep=;" hint line; Excel does not show it, so numbering starts after it.
        delimiter = first_line.strip('"')[4:5] or ","
        text = text.split("\n", 1)[1] if "\n" in text else ""
    delimiter = delimiter or _sniff_delimiter(text, spec)
    rows: list[tuple[int, list[Any]]] = []
    reader = _records(text, delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            cells = [c.replace("\ufeff", "").strip() for c in cells]
            if any(cells):
                rows.append((line, cells))
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV: %(reason)s") % {"line": line + 1, "reason": exc}
        ) from None
    return Table(header=[], rows=rows, format="csv", encoding=encoding, delimiter=delimiter)


def _map_header(table: Table, spec: KindSpec) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index -> field, field -> header as written, and the headers that are ignored."""
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(table.header):
        if not name:
            continue
        fieldname = spec.field_for(name)
        if fieldname is None:
            ignored.append(name)
        elif fieldname in headers:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s: keep one of them.")
                % {"first": headers[fieldname], "second": name, "field": fieldname}
            )
        else:
            columns[index] = fieldname
            headers[fieldname] = name
    shown = ", ".join(h for h in table.header[:6] if h)
    if not columns:
        looks_like_data = sum(1 for h in table.header if re.search(r"\d", h)) >= max(
            1, len(table.header) // 2
        )
        if looks_like_data:
            raise ImportFileError(
                _(
                    "The file has no header row: the first line (%(cells)s) looks like data. "
                    "Add a first line with the column names, such as %(example)s."
                )
                % {"cells": shown, "example": ", ".join(spec.required)}
            )
        raise ImportFileError(
            _(
                "None of the columns in the header row (%(cells)s) is known for an import of %(kind)s. "
                "Expected columns such as %(example)s."
            )
            % {"cells": shown, "kind": spec.name, "example": ", ".join(spec.columns)}
        )
    missing = [f for f in spec.required if f not in headers]
    if missing:
        raise ImportFileError(
            [
                _("The required column %(field)s is missing (also accepted: %(aliases)s).")
                % {"field": f, "aliases": ", ".join(spec.columns[f][:6])}
                for f in missing
            ]
        )
    return columns, headers, ignored


# --- Reading cells ------------------------------------------------------------

FLOAT_NOISE = Decimal("0.000001")
CURRENCY_SIGNS = re.compile(r"(?i)^(€|eur|euro)\s*|\s*(€|eur|euro)$")
AMOUNT_CHARS = re.compile(r"\d[\d.,']*|[.,]\d+")


def _amount_shape(text: str) -> str | None:
    """The decimal sign this amount text shows unambiguously, if any."""
    text = re.sub(r"[^\d.,]", "", text)
    if "." in text and "," in text:
        return "." if text.rfind(".") > text.rfind(",") else ","
    for sign in (",", "."):
        if text.count(sign) == 1 and len(text.split(sign)[1]) != 3:
            return sign
    return None


def guess_decimal_sign(values: Iterable[Any], delimiter: str = "") -> str | None:
    """The file's decimal sign, from amounts that show it; None when nothing tells."""
    votes: Counter[str] = Counter()
    for value in values:
        if isinstance(value, str) and (sign := _amount_shape(value)):
            votes[sign] += 1
    if votes:
        return votes.most_common(1)[0][0]
    # A CSV separated by semicolons comes from a locale where the comma is the decimal sign.
    return "," if delimiter == ";" else None


def _check_groups(text: str, sep: str, original: str) -> str:
    groups = text.split(sep)
    if not (1 <= len(groups[0]) <= 3) or any(len(g) != 3 for g in groups[1:]):
        raise CellError(_("%(value)s is not an amount.") % {"value": original})
    return "".join(groups)


def parse_amount(value: Any, decimal_sign: str | None = None) -> Decimal:
    """A money amount as Decimal with two places; never through float arithmetic."""
    if isinstance(value, bool):
        raise CellError(_("%(value)s is not an amount.") % {"value": value})
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
    if isinstance(value, float):
        # A spreadsheet stores numbers as binary floats; repr gives the shortest decimal
        # that reads back to the same float, and float noise below a millionth is dropped.
        number = Decimal(repr(value))
        if abs(number - number.quantize(CENT)) < FLOAT_NOISE:
            number = number.quantize(CENT)
        return _two_places(number, value)
    if isinstance(value, Decimal):
        return _two_places(value, value)
    original = str(value).strip()
    text = original.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = CURRENCY_SIGNS.sub("", text)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    elif text.endswith("-"):  # "12,50-": how many ERPs write a credit
        negative, text = not negative, text[:-1]
    elif text.startswith("+"):
        text = text[1:]
    text = CURRENCY_SIGNS.sub("", text)
    if not AMOUNT_CHARS.fullmatch(text):
        raise CellError(_("%(value)s is not an amount.") % {"value": original})
    text = text.replace("'", "")  # Swiss thousands separator
    if "." in text and "," in text:
        sign = "." if text.rfind(".") > text.rfind(",") else ","
        other = "," if sign == "." else "."
        whole, _sep, fraction = text.rpartition(sign)
        if other in fraction or sign in whole:
            raise CellError(_("%(value)s is not an amount.") % {"value": original})
        text = _check_groups(whole, other, original) + "." + fraction
    elif text.count(".") + text.count(",") > 1:
        sep = "." if "." in text else ","
        text = _check_groups(text, sep, original)
    elif "." in text or "," in text:
        sep = "." if "." in text else ","
        whole, _sep, fraction = text.partition(sep)
        if len(fraction) == 3 and whole not in ("", "0"):
            # "1.234" is 1234 where the comma is the decimal sign, and 1.234 where the dot is.
            if decimal_sign is None:
                raise CellError(
                    _("%(value)s is ambiguous: write 1234, 1.234,00 or 1,234.00.") % {"value": original}
                )
            same = decimal_sign == sep
            text = whole + "." + fraction if same else _check_groups(text, sep, original)
        else:
            text = whole + "." + fraction
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("%(value)s is not an amount.") % {"value": original}) from None
    return _two_places(-number if negative else number, original)


def _two_places(number: Decimal, original: Any) -> Decimal:
    if not number.is_finite() or number != number.quantize(CENT):
        raise CellError(_("%(value)s has more than two decimals.") % {"value": original})
    return number.quantize(CENT)


DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
DATE_DUTCH = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?")
DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 2958466:
        # A date cell without date formatting: Excel's serial day number.
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = _text(value)
    parts: tuple[str, str, str] | None = None
    if m := DATE_ISO.fullmatch(text):
        parts = (m[1], m[2], m[3])
    elif m := DATE_DUTCH.fullmatch(text):
        parts = (m[4], m[3], m[1])
    elif m := DATE_COMPACT.fullmatch(text):
        parts = (m[1], m[2], m[3])
    if parts:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise CellError(_("%(value)s is not a date: write 2026-01-31 or 31-01-2026.") % {"value": text})


def parse_whole_number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise CellError(_("%(value)s is not a whole number.") % {"value": text})


def parse_text(value: Any) -> str:
    return _text(value)


def parse_compact(value: Any) -> str:
    """KvK and VAT numbers: without the spaces, dots and dashes people type in them."""
    return re.sub(r"[\s.\-]", "", _text(value)).upper()


def parse_currency(value: Any) -> str:
    text = _text(value).upper()
    text = {"€": "EUR", "EURO": "EUR", "$": "USD", "£": "GBP"}.get(text, text)
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise CellError(_("%(value)s is not a currency code such as EUR.") % {"value": _text(value)})
    return text


COUNTRY_NAMES = {
    "nederland": "NL", "netherlands": "NL", "thenetherlands": "NL", "holland": "NL",
    "belgie": "BE", "belgium": "BE", "belgique": "BE", "duitsland": "DE", "germany": "DE",
    "deutschland": "DE", "frankrijk": "FR", "france": "FR", "luxemburg": "LU",
    "luxembourg": "LU", "verenigdkoninkrijk": "GB", "unitedkingdom": "GB", "engeland": "GB",
}  # fmt: skip


def parse_country(value: Any) -> str:
    text = _text(value)
    code = COUNTRY_NAMES.get(_key(text), text.upper())
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise CellError(_("%(value)s is not a two-letter country code such as NL.") % {"value": text})
    return code


# Dutch words ERP exports use for the choices, beside the codes and the labels.
CHOICE_WORDS: dict[str, dict[str, str]] = {
    "legal_form": {
        "besloten vennootschap": "bv", "naamloze vennootschap": "nv",
        "vennootschap onder firma": "vof", "commanditaire vennootschap": "cv",
        "eenmanszaak": "sole", "zzp": "sole", "stichting": "foundation",
        "vereniging": "association", "cooperatie": "cooperative", "overheid": "government",
        "particulier": "person", "overig": "other", "anders": "other",
    },
    "language": {"nederlands": "nl", "engels": "en", "duits": "de", "frans": "fr"},
    "segment": {
        "zakelijk": "business", "mkb": "small_business", "klein zakelijk": "small_business",
        "consument": "consumer", "particulier": "consumer", "overheid": "government",
    },
    "status": {
        "actief": "active", "geblokkeerd": "on_hold", "in de wacht": "on_hold",
        "incasso": "in_collection", "gesloten": "closed", "opgeheven": "closed",
    },
    "risk_class": {
        "onbekend": "unknown", "laag": "low", "gemiddeld": "medium", "middel": "medium",
        "hoog": "high", "zeer hoog": "very_high",
    },
}  # fmt: skip


@cache
def _choice_table(fieldname: str) -> dict[str, str]:
    """Code by spelling: the codes, the English and Dutch labels and the ERP words above."""
    choices = Customer._meta.get_field(fieldname).choices
    table = {_key(word): code for word, code in CHOICE_WORDS.get(fieldname, {}).items()}
    for lang in ("en", "nl"):
        with translation.override(lang):
            table.update({_key(str(label)): code for code, label in choices})
    table.update({_key(code): code for code, _label in choices})
    return table


def choice_parser(fieldname: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value)
        code = _choice_table(fieldname).get(_key(text))
        if code is None:
            codes = [c for c, _label in Customer._meta.get_field(fieldname).choices]
            raise CellError(
                _("%(value)s is not one of: %(choices)s.") % {"value": text, "choices": ", ".join(codes)}
            )
        return code

    return parse


CUSTOMER_PARSERS: dict[str, Callable[[Any], Any]] = {
    "number": parse_text, "name": parse_text, "legal_form": choice_parser("legal_form"),
    "kvk_number": parse_compact, "vat_number": parse_compact, "address": parse_text,
    "postal_code": parse_text, "city": parse_text, "country": parse_country,
    "language": choice_parser("language"), "currency": parse_currency,
    "segment": choice_parser("segment"), "credit_limit": parse_amount,
    "payment_terms_days": parse_whole_number, "status": choice_parser("status"),
    "risk_class": choice_parser("risk_class"), "controller": parse_text, "parent": parse_text,
}  # fmt: skip

INVOICE_PARSERS: dict[str, Callable[[Any], Any]] = {
    "number": parse_text, "customer": parse_text, "issue_date": parse_date,
    "due_date": parse_date, "amount": parse_amount, "vat_amount": parse_amount,
    "currency": parse_currency, "open_amount": parse_amount, "description": parse_text,
    "order_reference": parse_text,
}  # fmt: skip


# --- The plan -------------------------------------------------------------------


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return _("line %(line)s, %(column)s: %(message)s") % {
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class Line:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    number: str = ""
    action: str = ""
    obj: Any = None
    # field -> (old, new) as text, for the preview and the timeline
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # model attribute names to write on update
    update_fields: list[str] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    # customers: the parent is a new customer of the same file
    new_parent: str = ""

    def add_error(self, column: str, message: str) -> None:
        if not any(e.column == column and e.message == message for e in self.errors):
            self.errors.append(LineError(self.line, column, message))

    def has_error(self, column: str) -> bool:
        return any(e.column == column for e in self.errors)

    @property
    def summary(self) -> list[tuple[str, str]]:
        """What a new line brings: its given values, for the preview."""
        return [(k, _display(k, v)) for k, v in self.values.items() if k != "number"]


@dataclass
class Plan:
    kind: str
    table: Table
    headers: dict[str, str]
    ignored: list[str]
    lines: list[Line]
    sha256: str

    @property
    def errors(self) -> list[LineError]:
        return [e for line in self.lines for e in line.errors]

    @property
    def ok(self) -> bool:
        return not any(line.errors for line in self.lines)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(line.action for line in self.lines)
        return {
            "total": len(self.lines),
            NEW: counts[NEW],
            CHANGED: counts[CHANGED],
            UNCHANGED: counts[UNCHANGED],
            "errors": counts[ERROR],
        }

    @property
    def can_apply(self) -> bool:
        counts = self.counts
        return self.ok and bool(counts[NEW] or counts[CHANGED])

    def error_rows(self) -> list[dict[str, Any]]:
        """The errors with the column's name as written in the file, for the preview."""
        return [
            {
                "line": e.line,
                "column": e.column,
                "header": self._header_if_other(e.column),
                "message": e.message,
            }
            for e in self.errors
        ]

    def _header_if_other(self, column: str) -> str:
        header = self.headers.get(column, "")
        return header if _key(header) != _key(column) else ""

    def preview_lines(self, limit: int = PREVIEW_ROWS) -> list[Line]:
        """The first lines that would change something (or the first lines, when none would)."""
        changing = [line for line in self.lines if line.action in (NEW, CHANGED)]
        return (changing or self.lines)[:limit]

    @property
    def fingerprint(self) -> str:
        """A digest of what applying would do; apply refuses when it is not what was previewed."""
        digest = hashlib.sha256(self.sha256.encode())
        for line in self.lines:
            if line.action in (NEW, CHANGED):
                payload = [line.number, line.action, sorted(line.changes.items()), _new_values(line)]
                digest.update(json.dumps(payload, default=str).encode())
        return digest.hexdigest()

    def report(self) -> list[str]:
        """The plan as lines of text (for the command line)."""
        c = self.counts
        lines = [
            _("%(format)s; columns: %(columns)s")
            % {
                "format": self.table.describe(),
                "columns": ", ".join(
                    f"{h} → {f}" if _key(h) != _key(f) else f for f, h in self.headers.items()
                ),
            }
        ]
        if self.ignored:
            lines.append(_("Ignored columns: %(columns)s") % {"columns": ", ".join(self.ignored)})
        lines.append(
            _(
                "%(total)s lines: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
                "%(errors)s with errors"
            )
            % c
        )
        lines.extend(str(e) for e in self.errors)
        return lines


def _new_values(line: Line) -> list[tuple[str, str]]:
    """Every value a new record would get (given or computed, like a due date from the terms)."""
    if line.action != NEW:
        return []
    skip = {"id", "created_at", "updated_at"}
    values = [
        (f.attname, str(getattr(line.obj, f.attname)))
        for f in line.obj._meta.concrete_fields
        if f.attname not in skip
    ]
    return [*values, ("new_parent", line.new_parent)]


def _display(fieldname: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_plan(kind: str, data: bytes, *, lock: bool = False) -> Plan:
    """Read, parse and validate a file: what applying it would do. Writes nothing.

    With `lock`, the existing rows are locked (select_for_update): call it like
    that inside the transaction that applies the plan.
    """
    spec = get_spec(kind)
    table = read_table(data, kind)
    columns, headers, ignored = _map_header(table, spec)
    parsers = CUSTOMER_PARSERS if kind == CUSTOMERS else INVOICE_PARSERS
    amount_columns = [i for i, f in columns.items() if f in spec.amount_fields]
    decimal_sign = guess_decimal_sign(
        (cells[i] for _line, cells in table.rows for i in amount_columns if i < len(cells)), table.delimiter
    )
    width = len(table.header)
    lines = []
    for number, cells in table.rows:
        line = Line(line=number)
        if table.format == "csv" and any(c for c in cells[width:]):
            line.add_error(
                "",
                _(
                    "this line has %(cells)s cells but the header has %(header)s: "
                    "is there an unquoted separator in a value?"
                )
                % {"cells": len(cells), "header": width},
            )
        for index, fieldname in columns.items():
            raw = cells[index] if index < len(cells) else None
            if _is_blank(raw):
                continue
            try:
                if fieldname in spec.amount_fields:
                    line.values[fieldname] = parse_amount(raw, decimal_sign)
                else:
                    line.values[fieldname] = parsers[fieldname](raw)
            except CellError as exc:
                line.add_error(fieldname, str(exc))
        lines.append(line)
    if kind == CUSTOMERS:
        _check_customers(lines, lock=lock)
    else:
        _check_invoices(lines, lock=lock)
    for line in lines:
        if line.errors:
            line.action = ERROR
    return Plan(
        kind=kind, table=table, headers=headers, ignored=ignored, lines=lines, sha256=file_digest(data)
    )


def _chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _by_number(queryset: models.QuerySet, numbers: Iterable[str], *, lock: bool) -> dict[str, Any]:
    found = {}
    for chunk in _chunks(sorted(numbers)):
        qs = queryset.filter(number__in=chunk).order_by("pk")
        if lock:
            qs = qs.select_for_update()
        found.update({obj.number: obj for obj in qs})
    return found


def _check_numbers(lines: list[Line], label: str) -> set[str]:
    """Every line needs a number, and a number only once in the file."""
    first: dict[str, int] = {}
    for line in lines:
        line.number = line.values.get("number", "")
        if not line.number:
            if not line.has_error("number"):
                line.add_error("number", _("A %(what)s is required.") % {"what": label})
        elif line.number in first:
            line.add_error(
                "number",
                _("%(number)s appears more than once in the file (first on line %(first)s).")
                % {"number": line.number, "first": first[line.number]},
            )
        else:
            first[line.number] = line.line
    return set(first)


def _model_errors(line: Line, obj: models.Model, exclude: Iterable[str]) -> None:
    """The model's own field validation (validate_kvk, validate_vat, lengths, choices).

    Uniqueness and constraints are not checked here (they would cost one query
    per line): numbers are unique by the upsert, and the checks the constraints
    make are done in Python by the callers.
    """
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for fieldname, messages in exc.message_dict.items():
            column = "" if fieldname == NON_FIELD_ERRORS else fieldname
            if column and line.has_error(column):
                continue
            for message in messages:
                line.add_error(column, message)


def _compare(line: Line, current: models.Model, obj: models.Model, attrs: Iterable[str], show) -> None:
    for attr in attrs:
        old, new = getattr(current, attr), getattr(obj, attr)
        if old != new:
            name = attr.removesuffix("_id")
            line.update_fields.append(name)
            line.changes[name] = (show(name, old), show(name, new))


# --- customers


CUSTOMER_ATTRS = [
    "name", "legal_form", "kvk_number", "vat_number", "address", "postal_code", "city",
    "country", "language", "currency", "segment", "credit_limit", "payment_terms_days",
    "status", "risk_class", "controller_id", "parent_id",
]  # fmt: skip


def _check_customers(lines: list[Line], *, lock: bool) -> None:
    numbers = _check_numbers(lines, _("customer number"))
    parents = {line.values["parent"] for line in lines if "parent" in line.values}
    existing = _by_number(Customer.objects.all(), numbers | parents, lock=lock)
    id_to_number = {c.pk: c.number for c in existing.values()}
    missing_parent_ids = {c.parent_id for c in existing.values() if c.parent_id} - set(id_to_number)
    for chunk in _chunks(missing_parent_ids):
        id_to_number.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "number"))
    users = {u.username.casefold(): u for u in User.objects.filter(is_active=True).only("pk", "username")}
    usernames = {u.pk: u.username for u in users.values()}

    def show(name: str, value: Any) -> str:
        if name == "parent":
            return id_to_number.get(value, "—") if value else "—"
        if name == "controller":
            return usernames.get(value, str(value)) if value else "—"
        return _display(name, value)

    parent_of: dict[str, str] = {}
    for line in lines:
        given = line.values
        current = existing.get(line.number) if line.number in numbers else None
        if current is None and not given.get("name") and not line.has_error("name"):
            line.add_error("name", _("A new customer needs a name."))
        obj = copy.copy(current) if current is not None else Customer()
        for name, value in given.items():
            if name == "controller":
                user = users.get(value.casefold())
                if user is None:
                    line.add_error(
                        name, _("There is no active user with username %(value)s.") % {"value": value}
                    )
                else:
                    obj.controller_id = user.pk
            elif name == "parent":
                if value == line.number:
                    line.add_error(name, _("A customer cannot be its own parent."))
                elif value in existing:
                    obj.parent_id = existing[value].pk
                elif value in numbers:
                    obj.parent_id = None
                    line.new_parent = value  # created in the same import, linked after
                else:
                    line.add_error(name, _("There is no customer with number %(value)s.") % {"value": value})
            else:
                setattr(obj, name, value)
        if "parent" in given:
            parent_of[line.number] = given["parent"]
        elif current is not None and current.parent_id:
            parent_of[line.number] = id_to_number.get(current.parent_id, "")
        if current is None:
            exclude = ["parent", "controller"]
        else:
            exclude = [f.name for f in Customer._meta.fields if f.name not in given] + [
                "parent",
                "controller",
            ]
        _model_errors(line, obj, exclude)
        if obj.credit_limit is not None and obj.credit_limit < 0 and not line.has_error("credit_limit"):
            line.add_error("credit_limit", _("A credit limit cannot be negative."))
        line.obj = obj
        if current is None:
            line.action = NEW
        else:
            _compare(line, current, obj, CUSTOMER_ATTRS, show)
            if line.new_parent:
                line.update_fields.append("parent")
                line.changes["parent"] = (show("parent", current.parent_id), line.new_parent)
            line.action = CHANGED if line.update_fields else UNCHANGED
    _check_parent_loops(lines, parent_of)


def _check_parent_loops(lines: list[Line], parent_of: dict[str, str]) -> None:
    for line in lines:
        if "parent" not in line.values or line.has_error("parent"):
            continue
        seen = {line.number}
        number = parent_of.get(line.number, "")
        while number and number not in seen:
            seen.add(number)
            number = parent_of.get(number, "")
        if number == line.number:
            line.add_error(
                "parent",
                _("The parent chain of %(number)s loops back to itself.") % {"number": line.number},
            )


# --- invoices


INVOICE_ATTRS = [
    "issue_date", "due_date", "currency", "amount", "vat_amount", "open_amount", "status",
    "paid_date", "days_late", "description", "order_reference",
]  # fmt: skip
# What an import may not change on an invoice that payments or credit notes settle.
LOCKED_BY_ALLOCATIONS = ["amount", "open_amount", "vat_amount", "currency"]


def _check_invoices(lines: list[Line], *, lock: bool) -> None:
    numbers = _check_numbers(lines, _("invoice number"))
    customers = _by_number(
        Customer.objects.only("pk", "number", "currency", "payment_terms_days"),
        {line.values["customer"] for line in lines if "customer" in line.values},
        lock=False,
    )
    existing = _by_number(Invoice.objects.all(), numbers, lock=lock)
    # Invoices and credit notes with live allocations: their amounts are the ledger's now.
    allocated: set[int] = set()
    for chunk in _chunks([i.pk for i in existing.values()]):
        for invoice_id, credit_note_id in (
            Allocation.objects.active()
            .filter(Q(invoice_id__in=chunk) | Q(credit_note_id__in=chunk))
            .values_list("invoice_id", "credit_note_id")
        ):
            allocated.update({invoice_id, credit_note_id})
    owner_numbers = {c.pk: c.number for c in customers.values()}
    unknown_owners = {i.customer_id for i in existing.values()} - set(owner_numbers)
    for chunk in _chunks(unknown_owners):
        owner_numbers.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "number"))

    for line in lines:
        given = line.values
        customer = customers.get(given.get("customer", ""))
        if "customer" in given and customer is None:
            line.add_error(
                "customer", _("There is no customer with number %(value)s.") % {"value": given["customer"]}
            )
        elif "customer" not in given and not line.has_error("customer"):
            line.add_error("customer", _("The customer number is required."))
        current = existing.get(line.number) if line.number in numbers else None
        if current is not None and customer is not None and current.customer_id != customer.pk:
            line.add_error(
                "customer",
                _("Invoice %(number)s belongs to customer %(owner)s; an import cannot move it.")
                % {"number": line.number, "owner": owner_numbers.get(current.customer_id, "?")},
            )
        if current is None:
            for name in ("issue_date", "amount"):
                if name not in given and not line.has_error(name):
                    line.add_error(name, _("This value is required for a new invoice."))
        if line.errors and (
            customer is None or any(e.column in ("issue_date", "amount") for e in line.errors)
        ):
            line.obj = current
            continue
        obj = _invoice_candidate(line, current, customer)
        line.obj = obj
        if current is None:
            line.action = NEW
        else:
            _compare(line, current, obj, INVOICE_ATTRS, lambda name, value: _display(name, value))
            if current.pk in allocated:
                for name in LOCKED_BY_ALLOCATIONS:
                    if name in line.update_fields:
                        line.add_error(
                            name,
                            _(
                                "Invoice %(number)s has payments or credit notes allocated, so an import "
                                "cannot change its %(field)s (%(old)s → %(new)s)."
                            )
                            % {
                                "number": line.number,
                                "field": name,
                                "old": line.changes[name][0],
                                "new": line.changes[name][1],
                            },
                        )
            line.action = CHANGED if line.update_fields else UNCHANGED


def _invoice_candidate(line: Line, current: Invoice | None, customer: Customer) -> Invoice:
    given = line.values
    if current is not None:
        obj = copy.copy(current)
    else:
        obj = Invoice(customer_id=customer.pk, vat_amount=Decimal("0.00"), currency=customer.currency)
        obj.customer = customer
    for name in ("number", "issue_date", "due_date", "amount", "vat_amount", "currency", "description"):
        if name in given:
            setattr(obj, name, given[name])
    if "order_reference" in given:
        obj.order_reference = given["order_reference"]
    if current is None and "due_date" not in given:
        obj.due_date = obj.issue_date + timedelta(days=customer.payment_terms_days)

    # The open amount. An ERP export often has the amount still open beside the
    # invoice amount: the difference is what the customer already paid (or what
    # was credited) in the ERP. We keep that settled part only as a lower open
    # amount; we do not invent Payments or Allocations for money we never saw.
    # Without the column a new invoice is fully open, and a changed amount keeps
    # the part that was settled before.
    if "open_amount" in given:
        obj.open_amount = given["open_amount"]
    elif current is None:
        obj.open_amount = obj.amount
    elif obj.amount != current.amount:
        obj.open_amount = obj.amount - current.settled_amount

    if obj.amount == 0:
        line.add_error("amount", _("An invoice of zero cannot be imported."))
    elif obj.amount > 0 and not (0 <= obj.open_amount <= obj.amount):
        column = "open_amount" if "open_amount" in given else "amount"
        line.add_error(
            column,
            _("The open amount (%(open)s) must be between 0 and the amount (%(amount)s).")
            % {"open": obj.open_amount, "amount": obj.amount},
        )
    elif obj.amount < 0 and not (obj.amount <= obj.open_amount <= 0):
        column = "open_amount" if "open_amount" in given else "amount"
        line.add_error(
            column,
            _("A credit note's open amount (%(open)s) must be between its amount (%(amount)s) and 0.")
            % {"open": obj.open_amount, "amount": obj.amount},
        )
    if obj.vat_amount and obj.amount and abs(obj.vat_amount) > abs(obj.amount):
        line.add_error("vat_amount", _("The VAT is more than the amount."))
    if obj.vat_amount and obj.amount and (obj.vat_amount < 0) != (obj.amount < 0):
        line.add_error("vat_amount", _("The VAT and the amount must have the same sign."))
    if obj.currency != customer.currency:
        line.add_error(
            "currency",
            _("The invoice is in %(currency)s but customer %(customer)s is billed in %(own)s.")
            % {"currency": obj.currency, "customer": customer.number, "own": customer.currency},
        )
    if obj.due_date < obj.issue_date:
        line.add_error(
            "due_date" if "due_date" in given else "issue_date",
            _("The due date %(due)s is before the invoice date %(issue)s.")
            % {"due": obj.due_date.isoformat(), "issue": obj.issue_date.isoformat()},
        )

    if current is not None and current.status == Invoice.Status.CANCELLED:
        if obj.open_amount != current.open_amount or obj.amount != current.amount:
            line.add_error(
                "",
                _("Invoice %(number)s is cancelled; an import cannot change its amounts.")
                % {"number": line.number},
            )
    elif obj.open_amount == 0:
        # Paid in the ERP: we do not know the date, so paid_date and days_late stay empty
        # rather than being made up.
        obj.status = Invoice.Status.PAID
    else:
        obj.status = Invoice.Status.OPEN
        obj.paid_date = None
        obj.days_late = None

    if current is None:
        exclude = ["customer"]
    else:
        exclude = [f.name for f in Invoice._meta.fields if f.name not in given] + ["customer"]
    _model_errors(line, obj, exclude)
    return obj


# --- Applying -------------------------------------------------------------------


@dataclass
class ImportResult:
    kind: str
    new: int
    changed: int
    unchanged: int
    customers: int
    seconds: float

    def __str__(self) -> str:
        return _(
            "%(new)s new, %(changed)s changed, %(unchanged)s unchanged; %(customers)s customers touched."
        ) % {
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "customers": self.customers,
        }


def errors_summary(plan: Plan) -> str:
    count = plan.counts["errors"]
    return ngettext(
        "%(count)s line has errors; nothing was imported.",
        "%(count)s lines have errors; nothing was imported.",
        count,
    ) % {"count": count}


def apply_import(
    kind: str, data: bytes, *, by: Actor, source: str, expected_fingerprint: str | None = None
) -> ImportResult:
    """Apply a file in one transaction: everything or (on any error) nothing.

    `source` names the file in the timeline. With `expected_fingerprint` (from
    the preview) the import is refused when the plan is no longer the one the
    user saw, for instance because someone changed a customer in between.
    """
    started = time.monotonic()
    try:
        with transaction.atomic():
            plan = build_plan(kind, data, lock=True)
            if not plan.ok:
                errors = plan.errors
                raise ImportFileError([errors_summary(plan), *[str(e) for e in errors[:20]]])
            if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
                raise ImportFileError(
                    _("The data changed since the preview; nothing was imported. Look at the new preview.")
                )
            if kind == CUSTOMERS:
                touched = _apply_customers(plan, by=by, source=source)
            else:
                touched = _apply_invoices(plan, by=by, source=source)
    except IntegrityError:
        # New rows are not locked by the plan: someone created the same number meanwhile.
        raise ImportFileError(
            _("Someone else changed the same records at the same time; nothing was imported. Try again.")
        ) from None
    counts = plan.counts
    return ImportResult(
        kind=kind,
        new=counts[NEW],
        changed=counts[CHANGED],
        unchanged=counts[UNCHANGED],
        customers=touched,
        seconds=time.monotonic() - started,
    )


def _changes_data(line: Line) -> dict[str, list[str]]:
    return {name: [old, new] for name, (old, new) in line.changes.items()}


# Up to this many customers touched, an import writes through the ledger
# services one customer at a time (record_event, refresh_customer_balance);
# beyond it, the same rows are written set-based, so 10,000 lines take seconds.
BULK_FROM_CUSTOMERS = 50
EVENT_LIST_LIMIT = 100


def _write_events(events: list[dict[str, Any]], *, by: Actor) -> None:
    """Timeline events, one per customer touched: through record_event, or in bulk."""
    if len(events) < BULK_FROM_CUSTOMERS:
        for event in events:
            record_event(by=by, **event)
        return
    # The same rows record_event writes (Event is append-only: bulk_create only inserts).
    if isinstance(by, User):
        actor: dict[str, Any] = {"actor": by, "actor_label": ""}
    else:
        actor = {"actor": None, "actor_label": str(by)[:100]}
    now = timezone.now()
    rows = []
    for event in events:
        customer, target = event["customer"], event.get("target")
        rows.append(
            Event(
                customer_id=customer if isinstance(customer, int) else customer.pk,
                kind=event["kind"],
                verb=event["verb"],
                summary=event["summary"][:300],
                data=event.get("data") or {},
                created_at=now,
                **actor,
                **event_target(target),
            )
        )
    Event.objects.bulk_create(rows, batch_size=1000)


def refresh_balances(customer_ids: Iterable[int]) -> None:
    """services.refresh_customer_balance for many customers at once (same transaction)."""
    customer_ids = sorted(set(customer_ids))
    if len(customer_ids) < BULK_FROM_CUSTOMERS:
        for customer_id in customer_ids:
            refresh_customer_balance(customer_id)
        return
    # One UPDATE per chunk, with the sums as correlated subqueries.
    open_invoices = Invoice.objects.filter(customer_id=OuterRef("pk"), status=Invoice.Status.OPEN)
    total_open = open_invoices.order_by().values("customer_id").annotate(total=Sum("open_amount"))
    oldest_due = (
        open_invoices.filter(open_amount__gt=0)
        .order_by()
        .values("customer_id")
        .annotate(oldest=Min("due_date"))
    )
    unallocated = (
        Payment.objects.filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("unallocated_amount"))
    )
    zero = Value(ZERO, output_field=DecimalField(**MONEY))
    now = timezone.now()
    for chunk in _chunks(customer_ids):
        Customer.objects.filter(pk__in=chunk).update(
            open_amount=Coalesce(Subquery(total_open.values("total")), zero),
            oldest_open_due_date=Subquery(oldest_due.values("oldest")),
            unallocated_amount=Coalesce(Subquery(unallocated.values("total")), zero),
            updated_at=now,
        )


def _update_rows(model: type[models.Model], lines: list[Line], extra: tuple[str, ...] = ()) -> None:
    """Write the changed fields of each line's object: one executemany per set of fields.

    QuerySet.bulk_update builds a CASE WHEN per row and field, which costs
    seconds in Python for 10,000 rows; a prepared UPDATE run with many
    parameter rows costs a fraction of that on SQLite and PostgreSQL alike.
    """
    groups: dict[tuple[str, ...], list[models.Model]] = defaultdict(list)
    for line in lines:
        groups[tuple(sorted({*line.update_fields, *extra}))].append(line.obj)
    meta, quote = model._meta, connection.ops.quote_name
    for names, objs in groups.items():
        fields = [meta.get_field(name) for name in names]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        params = [
            [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]
            for obj in objs
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _apply_customers(plan: Plan, *, by: Actor, source: str) -> int:
    new_lines = [line for line in plan.lines if line.action == NEW]
    changed_lines = [line for line in plan.lines if line.action == CHANGED]
    Customer.objects.bulk_create([line.obj for line in new_lines], batch_size=500)
    ids: dict[str, int] = {}
    for chunk in _chunks([line.number for line in new_lines]):
        ids.update(Customer.objects.filter(number__in=chunk).values_list("number", "pk"))
    for line in new_lines:
        line.obj.pk = ids[line.number]
    # Parents that are new customers of the same file exist only now.
    linked = [line for line in new_lines if line.new_parent]
    for line in linked:
        line.obj.parent_id = ids[line.new_parent]
    Customer.objects.bulk_update([line.obj for line in linked], ["parent"], batch_size=500)
    for line in changed_lines:
        if line.new_parent:
            line.obj.parent_id = ids[line.new_parent]
    now = timezone.now()
    for line in changed_lines:
        line.obj.updated_at = now
    _update_rows(Customer, changed_lines, extra=("updated_at",))
    events = [
        {
            "customer": line.obj.pk,
            "kind": Event.Kind.IMPORT,
            "verb": "created",
            "summary": _("Customer %(name)s created by the import of %(source)s")
            % {"name": line.obj.name, "source": source},
            "target": line.obj,
            "data": {"source": source, "line": line.line},
        }
        for line in new_lines
    ]
    events += [
        {
            "customer": line.obj.pk,
            "kind": Event.Kind.IMPORT,
            "verb": "updated",
            "summary": _("Customer details changed by the import of %(source)s: %(fields)s")
            % {"source": source, "fields": ", ".join(line.changes)},
            "target": line.obj,
            "data": {"source": source, "line": line.line, "changes": _changes_data(line)},
        }
        for line in changed_lines
    ]
    _write_events(events, by=by)
    return len(events)


def _apply_invoices(plan: Plan, *, by: Actor, source: str) -> int:
    new_lines = [line for line in plan.lines if line.action == NEW]
    changed_lines = [line for line in plan.lines if line.action == CHANGED]
    Invoice.objects.bulk_create([line.obj for line in new_lines], batch_size=1000)
    _update_rows(Invoice, changed_lines)

    per_customer: dict[int, dict[str, list[Line]]] = defaultdict(lambda: {NEW: [], CHANGED: []})
    for line in new_lines + changed_lines:
        per_customer[line.obj.customer_id][line.action].append(line)
    refresh_balances(per_customer)
    events = []
    for customer_id in sorted(per_customer):
        created, changed = per_customer[customer_id][NEW], per_customer[customer_id][CHANGED]
        numbers = [line.number for line in created + changed]
        shown = ", ".join(numbers[:5]) + (" …" if len(numbers) > 5 else "")
        events.append(
            {
                "customer": customer_id,
                "kind": Event.Kind.IMPORT,
                "verb": "invoices_imported",
                "summary": _(
                    "Import of %(source)s: %(new)s new and %(changed)s changed invoices (%(numbers)s)"
                )
                % {"source": source, "new": len(created), "changed": len(changed), "numbers": shown},
                "data": {
                    "source": source,
                    "new_count": len(created),
                    "changed_count": len(changed),
                    "new": [line.number for line in created[:EVENT_LIST_LIMIT]],
                    "changed": {line.number: _changes_data(line) for line in changed[:EVENT_LIST_LIMIT]},
                },
            }
        )
    _write_events(events, by=by)
    return len(per_customer)


# --- Keeping the uploaded file between preview and apply ----------------------

TOKEN_RE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class StagedFile:
    token: str
    sha256: str


def staging_dir() -> Path:
    return Path(settings.IMPORT_STAGING_DIR)


def stage_upload(kind: str, data: bytes) -> StagedFile:
    """Check the file as a whole and keep it for the preview and the apply.

    Raises ImportFileError for what is wrong with the file itself (empty, no
    header row, unknown kind, no known columns); line errors come later, from
    the preview.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    table = read_table(data, kind)
    _map_header(table, get_spec(kind))
    discard_stale()
    folder = staging_dir()
    folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    path = folder / token
    path.write_bytes(data)
    path.chmod(0o600)
    return StagedFile(token=token, sha256=file_digest(data))


def read_staged(token: str, sha256: str) -> bytes:
    """The staged file, if it is still there and still the file that was uploaded."""
    if not TOKEN_RE.fullmatch(token or ""):
        raise ImportFileError(_("This import does not exist (any more): upload the file again."))
    try:
        data = (staging_dir() / token).read_bytes()
    except FileNotFoundError:
        raise ImportFileError(_("This import does not exist (any more): upload the file again.")) from None
    if file_digest(data) != sha256:
        raise ImportFileError(_("The stored file is not the one that was uploaded: upload it again."))
    return data


def discard_staged(token: str) -> None:
    if TOKEN_RE.fullmatch(token or ""):
        (staging_dir() / token).unlink(missing_ok=True)


def discard_stale(max_age: timedelta = STAGING_MAX_AGE) -> None:
    """Remove uploads that were previewed but never applied or cancelled."""
    folder = staging_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age.total_seconds()
    for path in folder.iterdir():
        if TOKEN_RE.fullmatch(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
