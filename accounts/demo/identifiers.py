"""Small value helpers: money in cents, VAT numbers, IBANs, postcodes, weighted choice.

Every helper that draws takes the generator as its first argument and draws
the same numbers in the same order each time: the seed decides the value.
"""

from __future__ import annotations

import random
import re
import unicodedata
from decimal import Decimal

from stdnum import iban as std_iban
from stdnum.iso7064 import mod_11_10

from accounts.demo.words import BE_BANKS, NL_BANKS

CENT = Decimal("0.01")
POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"  # F, I, O, Q, U and Y are (almost) never used


def cents(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def eur(value: int) -> str:
    """Dutch money format: € 12.345,67."""
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{part:02d}"


def slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def nl_vat(rng: random.Random) -> str:
    """NL + a 9-digit number passing the 11-test + B01..B03 (the classic btw-nummer)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        if digits[0] == 0:
            continue
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check < 10:
            return "NL" + "".join(map(str, digits)) + str(check) + f"B{rng.choice((1, 1, 1, 2, 3)):02d}"


def be_vat(rng: random.Random) -> str:
    base = rng.randint(2_000_000, 9_999_999) + 10_000_000 * rng.choice((0, 0, 1))
    head = f"{base:08d}"
    return f"BE{head}{97 - int(head) % 97:02d}"


def de_vat(rng: random.Random) -> str:
    head = str(rng.randint(10_000_000, 99_999_999))
    return "DE" + head + mod_11_10.calc_check_digit(head)


def make_iban(rng: random.Random, country: str) -> str:
    if country == "BE":
        bban = rng.choice(BE_BANKS) + f"{rng.randint(0, 9_999_999):07d}"
        bban += f"{int(bban) % 97 or 97:02d}"
    elif country == "DE":
        bban = f"{rng.randint(10_000_000, 89_999_999)}{rng.randint(0, 9_999_999_999):010d}"
    else:
        bban = rng.choice(NL_BANKS) + f"{rng.randint(100_000_000, 9_999_999_999):010d}"
    return country + std_iban.calc_check_digits(country + "00" + bban) + bban


def nl_postcode(rng: random.Random, low: int, high: int) -> str:
    while True:
        letters = rng.choice(POSTCODE_LETTERS) + rng.choice(POSTCODE_LETTERS)
        if letters not in ("SA", "SD", "SS"):
            return f"{rng.randint(low, high)} {letters}"


def weighted(rng: random.Random, items: list, cum: list[float]):
    return rng.choices(items, cum_weights=cum)[0]


def cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out
