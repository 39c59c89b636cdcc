"""Structured payment references: the Dutch betalingskenmerk and the ISO 11649 RF creditor reference.

A betalingskenmerk (acceptgiro reference) has 16 digits: a check digit and 15
digits. The check digit is 11 minus the weighted sum of the 15 digits modulo
11, with the weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1 repeating from the right-
most digit; 11 becomes 0 and 10 becomes 1. python-stdnum knows RF references
(`stdnum.iso11649`) but not the betalingskenmerk, hence the function here.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
KENMERK_IN_TEXT = re.compile(r"(?<![\d])(\d{4}[ .]?\d{4}[ .]?\d{4}[ .]?\d{4})(?![\d])")
RF_IN_TEXT = re.compile(r"\bRF\s?\d{2}(?:\s?[A-Z0-9]){1,21}\b", re.IGNORECASE)


def kenmerk_check_digit(body: str) -> int:
    """The check digit for 15 digits."""
    if not re.fullmatch(r"\d{15}", body):
        raise ValueError("a betalingskenmerk body has 15 digits")
    total = sum(int(d) * WEIGHTS[i % 10] for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    return {11: 0, 10: 1}.get(check, check)


def make_kenmerk(number: int) -> str:
    body = f"{number:015d}"
    if len(body) != 15:
        raise ValueError("number too large for a betalingskenmerk")
    return f"{kenmerk_check_digit(body)}{body}"


def is_valid_kenmerk(value: str) -> bool:
    digits = re.sub(r"[ .]", "", value or "")
    return bool(re.fullmatch(r"\d{16}", digits)) and int(digits[0]) == kenmerk_check_digit(digits[1:])


def make_rf(body: str) -> str:
    body = re.sub(r"[^0-9A-Za-z]", "", body).upper()
    if not 1 <= len(body) <= 21:
        raise ValueError("an RF reference holds 1 to 21 letters or digits")
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def is_valid_rf(value: str) -> bool:
    return iso11649.is_valid(value or "")


def normalize(value: str) -> str:
    """The compact form we store and compare: digits only for a kenmerk, RF.. upper case."""
    compact = re.sub(r"[\s.]", "", value or "").upper()
    return compact


def reference_for_invoice(invoice_id: int, *, country: str) -> str:
    """Dutch customers get a betalingskenmerk (their banks know it); others an RF reference."""
    if country.upper() == "NL":
        return make_kenmerk(invoice_id)
    return make_rf(f"{invoice_id}")


def references_in(*texts: str) -> list[str]:
    """Valid structured references found in remittance text, in the order found (validated before use)."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        for match in RF_IN_TEXT.finditer(text):
            candidate = normalize(match.group(0))
            if is_valid_rf(candidate) and candidate not in found:
                found.append(candidate)
        for match in KENMERK_IN_TEXT.finditer(text):
            candidate = normalize(match.group(1))
            if is_valid_kenmerk(candidate) and candidate not in found:
                found.append(candidate)
    return found
