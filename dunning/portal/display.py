"""Fast display of long invoice lists (a customer with hundreds of open invoices).

Formatting 200 rows through the template engine, babel and Django's date
formatting costs more than the 100 ms a portal page may take. Here each money
and date shape is worked out once per language (from babel and Django's own
formats, so the output is identical) and the rows are built as escaped HTML in
one pass.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.utils.formats import date_format, get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from accounts.models import Invoice
from creditmgmt.fields import as_id
from creditmgmt.templatetags.money import money as slow_money

SAMPLE = Decimal("1234567.89")


@lru_cache(maxsize=64)
def _money_shape(currency: str, language: str) -> tuple[str, str, str, str, str, str]:
    """(prefix, suffix, negative prefix, negative suffix, group, decimal) as babel writes them."""
    positive = slow_money(SAMPLE, currency)
    negative = slow_money(-SAMPLE, currency)

    def split(text: str) -> tuple[str, str, str]:
        start, end = text.index("1"), text.rindex("9") + 1
        return text[:start], text[start:end], text[end:]

    prefix, digits, suffix = split(positive)
    neg_prefix, _, neg_suffix = split(negative)
    return prefix, suffix, neg_prefix, neg_suffix, digits[1], digits[-3]


def money(amount: Decimal, currency: str) -> str:
    prefix, suffix, neg_prefix, neg_suffix, group, point = _money_shape(currency, get_language() or "")
    digits = f"{abs(amount):,.2f}".replace(",", "\0").replace(".", point).replace("\0", group)
    return f"{neg_prefix}{digits}{neg_suffix}" if amount < 0 else f"{prefix}{digits}{suffix}"


_DATE_PARTS = {"d": "{d:02d}", "j": "{d}", "m": "{m:02d}", "n": "{m}", "Y": "{y}", "y": "{y2:02d}"}


@lru_cache(maxsize=16)
def _date_pattern(fmt: str) -> str | None:
    out = []
    for char in fmt:
        if char in _DATE_PARTS:
            out.append(_DATE_PARTS[char])
        elif char.isalpha() or char in "\\{}":
            return None  # a format this shortcut does not know: Django formats it
        else:
            out.append(char)
    return "".join(out)


def short_date(value: date | None) -> str:
    if value is None:
        return ""
    pattern = _date_pattern(get_format("SHORT_DATE_FORMAT"))
    if pattern is None:
        return date_format(value, "SHORT_DATE_FORMAT")
    return pattern.format(d=value.day, m=value.month, y=value.year, y2=value.year % 100)


def _e(value) -> str:
    """HTML-escape one value (the standard library's escape: quotes too). Every dynamic
    value below goes through it; format_html per cell costs more than the whole row."""
    return html.escape(str(value), quote=True)


def open_rows(
    invoices: Iterable[Invoice], *, prefix: str, today: date, disputed: set[int] = frozenset()
) -> SafeString:
    """The open-invoices table body: checkbox, number, due date, lateness, open amount, reference, links."""
    invoice_, due_, open_, reference_ = (
        _e(gettext("Invoice")),
        _e(gettext("Due")),
        _e(gettext("Open")),
        _e(gettext("Payment reference")),
    )
    under_dispute = _e(gettext("under dispute"))
    of_, dispute_, pay_, prefix = (
        _e(gettext("of")),
        _e(gettext("Dispute")),
        _e(gettext("Pay this invoice")),
        _e(prefix),
    )
    promised_, in_plan_ = gettext("Payment promised for %(date)s"), _e(gettext("In a payment plan"))
    rows = []
    for i in invoices:
        promised_on = getattr(i, "promised_on", None)
        agreed_html = (
            f'<br><span class="badge good">{_e(promised_ % {"date": short_date(promised_on)})}</span>'
            if promised_on
            else f'<br><span class="badge good">{in_plan_}</span>'
            if getattr(i, "in_plan", False)
            else ""
        )
        late = (today - i.due_date).days
        late_html = (
            '<br><span class="overdue">'
            + _e(ngettext("%(days)d day late", "%(days)d days late", late) % {"days": late})
            + "</span>"
            if late > 0
            else ""
        )
        of_html = (
            f'<br><small class="muted">{of_} {_e(money(i.amount, i.currency))}</small>'
            if i.open_amount != i.amount
            else ""
        )
        description = f" · {_e(i.description)}" if i.description else ""
        number = _e(i.number)
        dispute_html = (
            f'<span class="badge warn">{under_dispute}</span>'
            if i.pk in disputed
            else f'<a href="{prefix}dispute/?invoice={i.pk}">{dispute_}</a>'
        )
        rows.append(
            f'<tr><td class="check"><input type="checkbox" name="invoices" value="{i.pk}" id="inv-{i.pk}" '
            f'aria-label="{pay_} {number}"></td>'
            f'<td data-label="{invoice_}"><label for="inv-{i.pk}"><strong>{number}</strong></label><br>'
            f'<small class="muted">{_e(short_date(i.issue_date))}{description}</small></td>'
            f'<td data-label="{due_}">{_e(short_date(i.due_date))}{late_html}{agreed_html}</td>'
            f'<td class="num" data-label="{open_}">{_e(money(i.open_amount, i.currency))}{of_html}</td>'
            f'<td data-label="{reference_}"><code>{_e(i.payment_reference or i.number)}</code></td>'
            f'<td class="actions"><a href="{prefix}invoices/{i.pk}/pdf/">PDF</a> · {dispute_html}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


def paid_rows(invoices: Iterable[Invoice], *, prefix: str) -> SafeString:
    invoice_, paid_, amount_, prefix = (
        _e(gettext("Invoice")),
        _e(gettext("Paid on")),
        _e(gettext("Amount")),
        _e(prefix),
    )
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            f'<tr><td data-label="{invoice_}"><strong>{_e(i.number)}</strong><br>'
            f'<small class="muted">{_e(short_date(i.issue_date))}</small></td>'
            f'<td data-label="{paid_}">{_e(short_date(i.paid_date))}</td>'
            f'<td class="num" data-label="{amount_}">{_e(money(i.amount, i.currency))}</td>'
            f'<td class="actions"><a href="{prefix}invoices/{i.pk}/pdf/">PDF</a></td></tr>'
            for i in invoices
        )
    )


def invoice_choices(invoices: Iterable[Invoice]) -> list[tuple[int, str]]:
    """(id, "F-1 · € 100,00 · due 1-12-2026") for the checkbox lists of the promise and plan forms,
    with what was agreed already when the invoices carry it (views.with_agreements)."""
    due, promised, in_plan = gettext("due"), gettext("promised for %(date)s"), gettext("in a payment plan")

    def agreed(i) -> str:
        if getattr(i, "promised_on", None):
            return " · " + promised % {"date": short_date(i.promised_on)}
        return " · " + in_plan if getattr(i, "in_plan", False) else ""

    return [
        (i.pk, f"{i.number} · {money(i.open_amount, i.currency)} · {due} {short_date(i.due_date)}{agreed(i)}")
        for i in invoices
    ]


def selected_ids(form, field: str = "invoices") -> set[int]:
    """The invoice ids the form shows as chosen (what was posted, else the initial choice)."""
    if form.is_bound:
        raw = form.data.getlist(field) if hasattr(form.data, "getlist") else [form.data.get(field)]
    else:
        raw = form.initial.get(field) or []
        raw = raw if isinstance(raw, list | tuple) else [raw]
    return {pk for pk in map(as_id, raw) if pk is not None}


def checkboxes(choices: list[tuple[int, str]], selected: set[int], name: str = "invoices") -> SafeString:
    name = _e(name)
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            f'<label class="check-row"><input type="checkbox" name="{name}" value="{pk}"'
            f"{' checked' if pk in selected else ''}> <span>{_e(label)}</span></label>"
            for pk, label in choices
        )
    )


def options(choices: list[tuple[int, str]], selected: set[int]) -> SafeString:
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            f'<option value="{pk}"{" selected" if pk in selected else ""}>{_e(label)}</option>'
            for pk, label in choices
        )
    )
