"""Reading cells: amounts (always Decimal), dates, numbers, codes and choices."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.imports.base import CellError, _key, _text
from accounts.models import Customer

CENT = Decimal("0.01")
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


# The ledger's amounts have 12 digits before the decimal sign (max_digits 14).
LARGEST_AMOUNT = Decimal("999999999999.99")


def _two_places(number: Decimal, original: Any) -> Decimal:
    if number.is_finite() and abs(number) > LARGEST_AMOUNT:
        raise CellError(_("%(value)s is larger than any amount the ledger holds.") % {"value": original})
    if not number.is_finite() or number != number.quantize(CENT):
        raise CellError(_("%(value)s has more than two decimals.") % {"value": original})
    return number.quantize(CENT)


# A ledger date far outside this range is a typo, and would overflow due-date arithmetic.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
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
            day = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
        else:
            if not EARLIEST_DATE <= day <= LATEST_DATE:
                raise CellError(
                    _("%(value)s is outside the years %(first)s to %(last)s.")
                    % {"value": text, "first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
                )
            return day
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
    "account_manager": parse_text,
}  # fmt: skip

INVOICE_PARSERS: dict[str, Callable[[Any], Any]] = {
    "number": parse_text, "customer": parse_text, "issue_date": parse_date,
    "due_date": parse_date, "amount": parse_amount, "vat_amount": parse_amount,
    "currency": parse_currency, "open_amount": parse_amount, "description": parse_text,
    "order_reference": parse_text,
}  # fmt: skip
