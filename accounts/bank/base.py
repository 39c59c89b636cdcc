"""What every bank statement format is read into: statements with entries, amounts as Decimal.

A parser returns `ParsedStatement`s or raises `StatementFileError` naming the
problem and, where it can, the line of the file. Nothing here touches the
database.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


class StatementFileError(ValidationError):
    """The file cannot be imported as a whole; the message says why and where."""


def file_error(message: str, *, line: int | None = None) -> StatementFileError:
    if line:
        message = _("Line %(line)s: %(problem)s") % {"line": line, "problem": message}
    return StatementFileError(message)


@dataclass
class ParsedEntry:
    """One booking on the account (or one transaction of a batch booking)."""

    line: int
    booking_date: date
    value_date: date
    amount: Decimal  # always positive; `credit` says the direction
    credit: bool  # True: money came in
    currency: str
    reversal: bool = False
    counterparty_name: str = ""
    counterparty_iban: str = ""
    counterparty_bic: str = ""
    remittance: str = ""
    structured_reference: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""
    transaction_code: str = ""
    return_reason: str = ""
    batch: str = ""  # the bank reference of the batch booking this transaction belongs to

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.credit else -self.amount

    def identity(self, account: str) -> str:
        """What makes this entry the same entry when the statement is imported again."""
        parts = [
            account,
            self.booking_date.isoformat(),
            self.value_date.isoformat(),
            str(self.signed_amount),
            "R" if self.reversal else "",
            self.currency,
            self.bank_reference,
            self.end_to_end_id,
            self.counterparty_iban,
            self.structured_reference,
            " ".join(self.remittance.split()),
            self.batch,
        ]
        return "\x1f".join(parts)


@dataclass
class ParsedStatement:
    format: str  # "camt.053", "camt.054", "mt940", "mt942", "csv"
    line: int
    account: str
    currency: str
    reference: str = ""
    sequence: str = ""
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None
    entries: list[ParsedEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total_credit(self) -> Decimal:
        return sum((e.amount for e in self.entries if e.credit), Decimal("0"))

    @property
    def total_debit(self) -> Decimal:
        return sum((e.amount for e in self.entries if not e.credit), Decimal("0"))


def entry_keys(statements: list[ParsedStatement]) -> list[list[str]]:
    """A stable unique key per entry: a digest of its content and how often the same content came before.

    Two identical bookings on one day (two coffees of 2.50) stay two entries,
    while the same file (or an overlapping one) imported again gives the same keys.
    """
    seen: dict[str, int] = {}
    keys = []
    for statement in statements:
        row = []
        for entry in statement.entries:
            identity = entry.identity(statement.account)
            seen[identity] = seen.get(identity, 0) + 1
            digest = hashlib.sha256(f"{identity}\x1f{seen[identity]}".encode()).hexdigest()
            row.append(digest)
        keys.append(row)
    return keys


def safe_date(year: int, month: int, day: int) -> date:
    """A date; an impossible day (30 February, as some banks write) becomes the month's last day."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= 31:
        raise ValueError(f"day {day}")
    return date(year, month, min(day, last))


def decimal_amount(text: str, *, decimal_sign: str = ".") -> Decimal:
    """An amount from a bank file; more than two decimals only when they are zeros."""
    raw = text.strip()
    if decimal_sign == ",":
        raw = raw.replace(".", "").replace(",", ".")
    if not raw or raw.count(".") > 1 or not raw.replace(".", "").isdigit():
        raise ValueError(text)
    if raw.endswith("."):
        raw += "0"
    amount = Decimal(raw)
    if amount != amount.quantize(CENT):
        raise ValueError(text)
    return amount.quantize(CENT)


def check_balance(statement: ParsedStatement, *, where: str) -> None:
    """Opening balance plus the entries must give the closing balance, when the bank gives both."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return
    expected = statement.opening_balance + statement.total_credit - statement.total_debit
    if expected != statement.closing_balance:
        raise file_error(
            _(
                "%(where)s does not add up: opening balance %(opening)s plus %(count)s entries gives "
                "%(expected)s, but the closing balance is %(closing)s. The file is incomplete or damaged."
            )
            % {
                "where": where,
                "opening": statement.opening_balance,
                "count": len(statement.entries),
                "expected": expected,
                "closing": statement.closing_balance,
            },
            line=statement.line,
        )
