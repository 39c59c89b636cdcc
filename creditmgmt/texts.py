"""Texts written for someone else to read: a message id plus typed parameters, shown in the reader's language.

A timeline event or a task title is written by one person (or the nightly worker, in English) and read
by another (a Dutch controller). So besides the finished sentence (`Event.summary`, `Task.title`: the
fallback for old rows, for search and exports) we store the English message id and its parameters,
and render them when someone reads them:

    record_event(..., summary=texts.Text(
        gettext_noop("Payment of %(amount)s received (%(date)s)"),
        amount=texts.money(payment.amount, payment.currency),
        date=payment.value_date,
    ))

Parameters are typed so that they read right in any language: see `param()`. Rendering never raises:
a missing translation or one whose placeholders do not match shows the stored text instead.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, gettext_noop

from creditmgmt.templatetags.money import LOCALES, format_money


class Text:
    """A sentence to render later: the English message id (marked with gettext_noop) and its parameters.

    str(text) renders it in the active language: that is what is stored as the finished text.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = str(msgid)
        self.params = {name: param(value) for name, value in params.items()}

    def __str__(self) -> str:
        return render(self.msgid, self.params)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.msgid, self.params) == (other.msgid, other.params)

    __hash__ = None  # type: ignore[assignment]


def with_note(text: Text, note: str) -> Text:
    """A sentence followed by a person's note in brackets (the note as written)."""
    return Text(gettext_noop("%(text)s (%(note)s)"), text=text, note=note) if note else text


def money(amount: Decimal | int | str, currency: str, *, whole: bool = False) -> dict:
    """An amount with its currency: € 1.234,50 for a Dutch reader, €1,234.50 for an English one.

    `whole`: rounded to whole units after the currency code, "EUR 12.400" (a task's explanation)."""
    if whole:
        return {"money": str(amount), "currency": currency or "EUR", "whole": True}
    return {"money": str(amount), "currency": currency or "EUR"}


def money_in(language: str, amount: Decimal | int | str, currency: str) -> str:
    """An amount as `money()` reads for a reader of `language`, for text kept in each language already
    (a decision's reasons in nl and en): € 1.234,50 (nl), €1,234.50 (en), as the pages show money."""
    return _value(money(amount, currency), language)


def choice(choices: type[models.Choices], value: Any, *, lower: bool = False) -> dict:
    """A stored choice value, shown with its label in the reader's language (`lower`: in lower case)."""
    if lower:
        return {"choice": _choices_path(choices), "value": value, "lower": True}
    return {"choice": _choices_path(choices), "value": value}


@functools.cache
def _choices_path(choices: type[models.Choices]) -> str:
    return f"{choices.__module__}:{choices.__qualname__}"


def in_languages(**by_language: str) -> dict:
    """Words kept in each language already (a rule's reason in nl and en): the reader's, else English."""
    return {"languages": by_language}


def joined(items: Iterable[Any], separator: str = ", ") -> dict:
    """Several parameters in a row ("NL-1, NL-2"; or reasons joined by "; "), each rendered for the reader."""
    return {"list": [param(item) for item in items], "sep": separator}


def param(value: Any) -> Any:
    """A parameter as it is stored (JSON).

    - str, int, float: plain text as given (customer-written words, names, numbers): shown as is;
    - Decimal: a number as given (str);
    - date / datetime: {"date": iso} / {"datetime": iso}, shown in the reader's date format;
    - a choices member (Task.Outcome.PAID): its label in the reader's language (or use `choice()`);
    - Text: a nested message, translated too ("%(step)s not sent" with a shipped step name);
    - the dicts `money()`, `choice()`, `in_languages()` and `joined()` make.
    """
    kind = type(value)
    if kind is dict or kind is int or kind is str:  # the usual ones first: the bank import writes many
        return value
    if value is None:
        return ""
    if isinstance(value, models.Choices):
        return choice(type(value), value.value)
    if isinstance(value, (bool, int, float, dict)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Text):
        return {"msg": value.msgid, "params": value.params}
    if isinstance(value, (list, tuple)):
        return joined(value)
    # Anything else as text in the writer's language (a lazy translation too: pass a Text instead).
    return str(value)


def stored(field: str, value: str | Text, max_length: int) -> dict:
    """The model fields for a text: the finished sentence, and the message id with its parameters."""
    if isinstance(value, Text):
        return {
            field: str(value)[:max_length],
            f"{field}_msgid": value.msgid,
            f"{field}_params": value.params,
        }
    return {field: str(value)[:max_length], f"{field}_msgid": "", f"{field}_params": {}}


class _Untranslated(Exception):
    """The reader's language has no translation of the message: show the stored text."""


def render(msgid: str, params: dict | None, fallback: str | None = None) -> str:
    """The message in the active language; the stored text when it cannot be rendered (old rows,
    a missing translation, a translation whose placeholders do not match)."""
    if not msgid:
        return fallback or ""
    try:
        return _render(msgid, params or {}, strict=fallback is not None)
    except Exception:  # noqa: BLE001 - a broken translation must not break a page
        return fallback if fallback is not None else msgid


def _render(msgid: str, params: dict, *, strict: bool, language: str | None = None) -> str:
    language = language or get_language() or "en"
    template = _translate(msgid, strict=strict, language=language)
    if not params:
        return template
    return template % {name: _value(value, language) for name, value in params.items()}


def _translate(msgid: str, *, strict: bool, language: str) -> str:
    translated = _gettext(language, msgid)
    # Message ids are English: in English the id is the text, elsewhere it is a missing translation.
    if strict and translated == msgid and not language.startswith("en") and not _NO_WORDS.match(msgid):
        raise _Untranslated(msgid)
    return translated


# A message of placeholders and punctuation only ("%(text)s (%(note)s)") reads the same in every
# language: it is never missing a translation.
_NO_WORDS = re.compile(r"^(?:%\(\w+\)s|[^\w%])*$")


# The bank import and the outbox write a text per row: gettext and date formats are remembered per
# language (the catalogs do not change while the process runs).
@functools.lru_cache(maxsize=4096)
def _gettext(language: str, msgid: str) -> str:
    return gettext(msgid)


@functools.lru_cache(maxsize=1024)
def _date(language: str, iso: str) -> str:
    return formats.date_format(date.fromisoformat(iso), "DATE_FORMAT")


@functools.lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language[:2], "nl_NL"))


def _value(value: Any, language: str) -> Any:
    if type(value) is not dict:
        return value
    if "money" in value:
        amount, currency = Decimal(value["money"]), value.get("currency") or "EUR"
        if value.get("whole"):
            units = format_decimal(amount.quantize(Decimal("1")), format="#,##0", locale=_locale(language))
            return f"{currency} {units}"
        return format_money(amount, currency, _locale(language))
    if "date" in value:
        return _date(language, value["date"])
    if "datetime" in value:
        moment = datetime.fromisoformat(value["datetime"])
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return formats.date_format(moment, "DATETIME_FORMAT")
    if "choice" in value:
        label = _choice_label(language, value["choice"], value.get("value"))
        return label.lower() if value.get("lower") else label
    if "msg" in value:
        # A nested message without its own stored text: untranslated, it shows in English.
        return _render(value["msg"], value.get("params") or {}, strict=False, language=language)
    if "languages" in value:
        by_language = value["languages"]
        return by_language.get(language[:2], by_language.get("en", ""))
    if "list" in value:
        return str(value.get("sep", ", ")).join(str(_value(item, language)) for item in value["list"])
    raise ValueError(f"Unknown text parameter: {value!r}")


@functools.lru_cache(maxsize=1024)
def _choice_label(language: str, path: str, value: Any) -> str:
    choices = _import_choices(path)
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            pass
    return "" if value is None else str(value)


@functools.cache
def _import_choices(path: str) -> type[models.Choices] | None:
    module_name, _, qualname = path.partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for name in qualname.split("."):
            found = getattr(found, name)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, models.Choices) else None
