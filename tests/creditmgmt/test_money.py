from decimal import Decimal

from django.utils import translation

from creditmgmt.templatetags.money import amount, money


def test_money_in_dutch_and_english():
    with translation.override("nl"):
        assert money(Decimal("1234.5"), "EUR") == "€\xa01.234,50"
        assert money(Decimal("-163.91"), "EUR") == "€\xa0-163,91"
        assert amount(Decimal("1234.5")) == "1.234,50"
    with translation.override("en"):
        assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
        assert money(Decimal("99"), "USD") == "US$99.00"


def test_money_tolerates_empty_and_bad_values():
    assert money(None) == "–"
    assert money("") == "–"
    assert money("abc") == "abc"


def test_money_shortcut_writes_what_babel_writes():
    """The cached shape gives babel's text to the character, in every language and a few currencies."""
    import random

    from babel.numbers import format_currency

    from creditmgmt.templatetags.money import LOCALES, _locale, format_money

    rng = random.Random(7)
    values = [Decimal(v) for v in ("0", "-0", "0.005", "-0.005", "0.125", "1e3", "-1E+2", "12345678901.2")]
    values += [Decimal(rng.randint(-(10**9), 10**9)).scaleb(-rng.randint(0, 4)) for _ in range(300)]
    for code in LOCALES.values():
        locale = _locale(code)
        for currency in ("EUR", "USD", "GBP", "CHF", "JPY", "SEK"):
            for value in values:
                assert format_money(value, currency, locale) == format_currency(
                    value, currency, locale=locale
                )
    with translation.override("nl"):
        assert money("NaN", "EUR") == format_currency(Decimal("NaN"), "EUR", locale=_locale("nl_NL"))
