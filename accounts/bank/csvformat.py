"""Bank statements exported as CSV, read with a saved column mapping (`BankCsvMapping`).

Banks' CSV exports differ per bank and change now and then, so the mapping
names the columns rather than guessing them: which header holds the date, the
amount (or a debit/credit mark), the counterparty and the description.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.bank.base import ParsedEntry, ParsedStatement, StatementFileError, file_error
from accounts.imports.base import _key
from accounts.imports.cells import CellError, parse_amount


@dataclass
class CsvMapping:
    date_column: str
    amount_column: str
    date_format: str = "%Y-%m-%d"
    decimal_sign: str = ","
    delimiter: str = ";"
    direction_column: str = ""  # "Af/Bij", "D/C": empty when the amount carries a sign
    debit_marks: tuple[str, ...] = ("af", "d", "debit", "dbit", "-")
    name_column: str = ""
    iban_column: str = ""
    description_column: str = ""
    reference_column: str = ""
    account_column: str = ""
    currency: str = "EUR"


def parse_csv(text: str, mapping: CsvMapping, *, account: str = "") -> list[ParsedStatement]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter))
    if not rows:
        raise StatementFileError(_("The file is empty."))
    header = {_key(name): index for index, name in enumerate(rows[0])}

    def column(name: str, *, required: bool = False) -> int | None:
        if not name:
            return None
        index = header.get(_key(name))
        if index is None and required:
            raise file_error(
                _("the column “%(name)s” of the mapping is not in the header (%(header)s).")
                % {"name": name, "header": ", ".join(rows[0][:8])},
                line=1,
            )
        return index

    cols = {
        "date": column(mapping.date_column, required=True),
        "amount": column(mapping.amount_column, required=True),
        "direction": column(mapping.direction_column, required=bool(mapping.direction_column)),
        "name": column(mapping.name_column),
        "iban": column(mapping.iban_column),
        "description": column(mapping.description_column),
        "reference": column(mapping.reference_column),
        "account": column(mapping.account_column),
    }
    statements: dict[str, ParsedStatement] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            index = cols[name]
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            when = datetime.strptime(cell("date"), mapping.date_format).date()  # noqa: DTZ007 (a date)
        except ValueError:
            raise file_error(
                _("“%(value)s” in column %(column)s is not a date like %(format)s.")
                % {"value": cell("date"), "column": mapping.date_column, "format": mapping.date_format},
                line=number,
            ) from None
        try:
            # The ERP import's parser: thousands separators, "EUR 12,50", "12,50-" credits.
            signed = parse_amount(cell("amount"), decimal_sign=mapping.decimal_sign)
        except CellError:
            raise file_error(
                _("“%(value)s” in column %(column)s is not an amount.")
                % {"value": cell("amount"), "column": mapping.amount_column},
                line=number,
            ) from None
        negative, amount = signed < 0, abs(signed)
        if cols["direction"] is not None:
            negative = cell("direction").casefold() in mapping.debit_marks
        own = cell("account") or account or _("(CSV)")
        statement = statements.setdefault(
            own, ParsedStatement(format="csv", line=number, account=own, currency=mapping.currency)
        )
        statement.entries.append(
            ParsedEntry(
                line=number,
                booking_date=when,
                value_date=when,
                amount=amount,
                credit=not negative and amount != Decimal(0),
                currency=mapping.currency,
                counterparty_name=cell("name")[:140],
                counterparty_iban=cell("iban").replace(" ", "")[:34],
                remittance=" ".join(cell("description").split())[:500],
                structured_reference=cell("reference")[:35],
            )
        )
    return list(statements.values())
