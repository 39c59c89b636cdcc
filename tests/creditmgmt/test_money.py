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
