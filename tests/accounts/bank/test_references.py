import pytest

from accounts.bank.references import (
    is_valid_kenmerk,
    is_valid_rf,
    kenmerk_check_digit,
    make_kenmerk,
    make_rf,
    reference_for_invoice,
    references_in,
)


def test_check_digit_by_hand():
    # 15 digits 000000000012345, weights from the right 2,4,8,5,10: 5*2+4*4+3*8+2*5+1*10 = 70
    # 70 mod 11 = 4, 11 - 4 = 7.
    assert kenmerk_check_digit("000000000012345") == 7
    assert make_kenmerk(12345) == "7000000000012345"


def test_check_digit_edge_cases():
    # remainder 0 gives 11 -> 0; remainder 1 gives 10 -> 1
    assert kenmerk_check_digit("000000000000000") == 0
    body = next(
        f"{n:015d}"
        for n in range(1, 200)
        if sum(
            int(d) * w
            for d, w in zip(reversed(f"{n:015d}"), [2, 4, 8, 5, 10, 9, 7, 3, 6, 1] * 2, strict=False)
        )
        % 11
        == 1
    )
    assert kenmerk_check_digit(body) == 1


def test_real_kenmerk_from_a_bank_file_validates():
    assert is_valid_kenmerk("6767676767676766")  # Knab test statement, Belastingdienst
    assert is_valid_kenmerk("6767 6767 6767 6766")


@pytest.mark.parametrize("value", ["6767676767676767", "123", "abcdefghijklmnop", ""])
def test_invalid_kenmerk(value):
    assert not is_valid_kenmerk(value)


def test_single_digit_typos_are_nearly_always_caught():
    """Not all: the standard maps a check value of 10 to 1, so a few typos collide."""
    caught = total = 0
    for number in (987654321, 12345, 100000000000001):
        good = make_kenmerk(number)
        for position in range(16):
            for digit in "0123456789":
                if digit != good[position]:
                    total += 1
                    caught += not is_valid_kenmerk(good[:position] + digit + good[position + 1 :])
    assert caught / total > 0.9  # 403 of 432 here


def test_rf_reference():
    assert make_rf("539007547034") == "RF18539007547034"
    assert is_valid_rf("RF18 5390 0754 7034")
    assert not is_valid_rf("RF19539007547034")


def test_reference_for_invoice_by_country():
    assert is_valid_kenmerk(reference_for_invoice(42, country="NL"))
    assert is_valid_rf(reference_for_invoice(42, country="BE"))


def test_references_found_in_text_are_validated():
    kenmerk = make_kenmerk(555)
    spaced = f"{kenmerk[:4]} {kenmerk[4:8]} {kenmerk[8:12]} {kenmerk[12:]}"
    text = f"betaling {spaced} en RF18539007547034, 1234567890123456"
    assert references_in(text) == ["RF18539007547034", kenmerk]


@pytest.mark.django_db
def test_erp_imported_invoices_get_a_reference_too():
    from accounts import imports
    from accounts.models import Invoice
    from tests.factories import CustomerFactory

    CustomerFactory(number="K1", country="NL")
    CustomerFactory(number="K2", country="DE")
    csv = (
        b"number;customer;issue_date;amount\n"
        b"I-1;K1;2026-10-01;121,00\nI-2;K2;2026-10-01;50,00\nI-3;K1;2026-10-01;-5,00\n"
    )
    imports.apply_import(imports.INVOICES, csv, by="import: test", source="i.csv")
    refs = dict(Invoice.objects.values_list("number", "payment_reference"))
    assert is_valid_kenmerk(refs["I-1"]) and is_valid_rf(refs["I-2"]) and refs["I-3"] == ""
