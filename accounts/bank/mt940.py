"""SWIFT MT940 (and MT942) statements, with the Dutch and German `:86:` layouts.

Our own reader rather than the `mt-940` package: tried on the real files in
`shared/data/bank/mt940`, mt-940 5.1 refused eight valid Dutch files (SNS and
ASN `:61:` lines, ING's two-line `:28C:`, Oldenburgische Landesbank balances),
accepted a file that is not MT940 and does not say on which line a problem
is. MT940 is a small line format: a tag is `:NN[A]:` at the start of a line,
other lines continue the tag before them. Every value we read keeps the line
it came from, so an error names the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from accounts.bank.base import (
    ParsedEntry,
    ParsedStatement,
    StatementFileError,
    check_balance,
    decimal_amount,
    file_error,
    safe_date,
)

TAG_RE = re.compile(r"^:(\d{2}[A-Z]?|NS):(.*)$")
BLOCK_END_RE = re.compile(r"^-(\}|XXX)?(\{[1-5]:.*)?\s*$|^\{5:|^\}$")
HEADER_LINE_RE = re.compile(r"^(\{|:20:|:940:|-|940\b|\d{4} \d{2}|[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$)")
BALANCE_RE = re.compile(r"^([CD])(\d{6})([A-Z]{3})?([\d,.]+)\s*$")
STATEMENT_LINE_RE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|C|D|EC|ED)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)(?P<rest>.*)$"
)
IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2}[A-Z0-9]{10,30})\b")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DUTCH_KEYS = (
    "TRTP|IBAN|BIC|NAME|REMI|EREF|CSID|MARF|ORDP|BENM|CNTP|USTD|STRD|CDTRREFTP|CDTRREF|"
    "ISDT|RTRN|PURP|ADDR|TRCD|PREF|SWOC|ULTC|ULTD|ULTB|KREF|OCMT|BUSP|RTRN"
)
DUTCH_KEY_RE = re.compile(rf"/({DUTCH_KEYS})/")
GERMAN_FIELD_RE = re.compile(r"\?(\d{2})")
SEPA_GERMAN_RE = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")


@dataclass
class _Tag:
    name: str
    value: str
    line: int


@dataclass
class _Block:
    line: int
    tags: list[_Tag] = field(default_factory=list)


def looks_like_mt940(text: str) -> bool:
    return bool(re.search(r"^:20:", text, flags=re.MULTILINE)) or bool(
        re.search(r"^:(25|60F|61):", text, flags=re.MULTILINE)
    )


def _ends_block(lines: list[str], index: int) -> bool:
    """A "-" line ends a statement only when a new one (or the end of the file) follows:
    some banks also start a wrapped :86: line with a dash."""
    line = lines[index].strip()
    if not BLOCK_END_RE.match(line):
        return False
    if line != "-":
        return True
    for following in lines[index + 1 :]:
        if following.strip():
            return bool(HEADER_LINE_RE.match(following.strip()))
    return True


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        number = index + 1
        line = raw.rstrip()
        match = TAG_RE.match(line)
        if match and match.group(1) == "20":
            current = _Block(line=number)
            blocks.append(current)
        if current is None:
            # Before a statement: bank headers ({1:...}, ABNANL2A, 940 00, :940:) or a title line.
            if line.startswith(":") and line.strip() != ":940:":
                raise file_error(
                    _("“%(text)s” is not how an MT940 statement starts (expected :20:).")
                    % {"text": line.strip()[:40]},
                    line=number,
                )
            continue
        if match:
            current.tags.append(_Tag(match.group(1), match.group(2), number))
        elif line.startswith("{1:"):
            raise file_error(
                _(
                    "a new message starts before the statement that began on line %(start)s ended (-}): "
                    "that statement is cut off."
                )
                % {"start": current.line},
                line=number,
            )
        elif _ends_block(lines, index):
            current = None
        elif current.tags:
            current.tags[-1].value += "\n" + line
    return blocks


def _balance(tag: _Tag) -> tuple[object, date, str]:
    match = BALANCE_RE.match(tag.value.split("\n")[0].strip())
    if not match:
        raise file_error(
            _("the balance :%(tag)s: “%(value)s” is not sign, date, currency and amount.")
            % {"tag": tag.name, "value": tag.value.strip()[:40]},
            line=tag.line,
        )
    sign, day, currency, amount = match.groups()
    currency = currency or ""
    try:
        value = decimal_amount(amount, decimal_sign=",")
        when = _date6(day)
    except ValueError:
        raise file_error(
            _("the balance :%(tag)s: “%(value)s” has an invalid date or amount.")
            % {"tag": tag.name, "value": tag.value.strip()},
            line=tag.line,
        ) from None
    return (-value if sign == "D" else value), when, currency


def _date6(text: str) -> date:
    year, month, day = int(text[:2]), int(text[2:4]), int(text[4:6])
    return safe_date(2000 + year if year < 80 else 1900 + year, month, day)


def _statement_line(tag: _Tag, currency: str) -> ParsedEntry:
    first, _sep, more = tag.value.partition("\n")
    match = STATEMENT_LINE_RE.match(first.strip())
    if not match:
        raise file_error(
            _("the transaction :61: “%(value)s” cannot be read (date, C/D mark, amount).")
            % {"value": first.strip()[:50]},
            line=tag.line,
        )
    try:
        value_date = _date6(match["value"])
        amount = decimal_amount(match["amount"], decimal_sign=",")
    except ValueError:
        raise file_error(
            _("the transaction :61: “%(value)s” has an invalid date or amount.") % {"value": first.strip()},
            line=tag.line,
        ) from None
    booking_date = value_date
    if match["entry"]:
        month, day = int(match["entry"][:2]), int(match["entry"][2:])
        year = value_date.year
        if month == 12 and value_date.month == 1:
            year -= 1
        elif month == 1 and value_date.month == 12:
            year += 1
        try:
            booking_date = safe_date(year, month, day)
        except ValueError:
            booking_date = value_date
    mark = match["mark"]
    rest = match["rest"]
    code, reference = rest[:4], rest[4:]
    customer_ref, _sep2, bank_ref = reference.partition("//")
    entry = ParsedEntry(
        line=tag.line,
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        # RC is the reversal of a credit: money goes out again (and RD comes back).
        credit=mark in ("C", "RD", "EC"),
        reversal=mark in ("RC", "RD"),
        currency=currency,
        transaction_code=code.strip(),
        bank_reference=(bank_ref or customer_ref).strip()[:64],
        end_to_end_id=""
        if customer_ref.strip() in ("", "NONREF", "EREF", "NOTPROVIDED")
        else customer_ref.strip(),
    )
    extra = more.strip()
    if extra and (iban := IBAN_RE.search(extra.replace(" ", ""))):
        entry.counterparty_iban = iban.group(1)
    return entry


def _dutch_fields(text: str) -> dict[str, str]:
    flat = text.replace("\n", "")
    parts = DUTCH_KEY_RE.split(flat)
    fields: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        if key not in fields or not fields[key]:
            fields[key] = value.strip().strip("/").strip()
    return fields


def _apply_details(entry: ParsedEntry, text: str) -> None:
    """Fill name, IBAN, remittance and references from an :86: line."""
    flat = text.replace("\r", "")
    if DUTCH_KEY_RE.search(flat.replace("\n", "")) and flat.lstrip().startswith("/"):
        f = _dutch_fields(flat)
        cntp = f.get("CNTP", "").split("/")
        entry.counterparty_iban = entry.counterparty_iban or f.get("IBAN", "") or cntp[0]
        entry.counterparty_bic = f.get("BIC", "") or (cntp[1] if len(cntp) > 1 else "")
        entry.counterparty_name = f.get("NAME", "") or (cntp[2] if len(cntp) > 2 else "")
        remi = f.get("REMI", "") or f.get("USTD", "")
        strd = f.get("STRD", "") or f.get("CDTRREF", "")
        if remi.startswith(("USTD", "STRD")):
            kind, _sep, remi = remi.partition("/")
            remi = remi.strip("/")
            if kind == "STRD":
                strd, remi = remi, ""
        entry.structured_reference = strd.split("/")[-1].strip() if strd else ""
        entry.remittance = remi or f.get("TRTP", "")
        if f.get("EREF") and f.get("EREF") != "NOTPROVIDED":
            entry.end_to_end_id = f["EREF"][:64]
        entry.return_reason = f.get("RTRN", "")
    elif GERMAN_FIELD_RE.search(flat) and re.match(r"^\s*\d{3}\?", flat):
        subs: dict[str, str] = {}
        for key, value in zip(*[iter(GERMAN_FIELD_RE.split(flat.replace("\n", ""))[1:])] * 2, strict=False):
            subs[key] = subs.get(key, "") + value
        purpose = "".join(subs.get(f"{n:02d}", "") for n in [*range(20, 30), *range(60, 64)])
        sepa = dict(
            re.findall(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE)\+(.*?)(?=(?:[A-Z]{4}\+)|$)", purpose)
        )
        entry.remittance = (sepa.get("SVWZ") or purpose).strip()
        if sepa.get("EREF") and sepa["EREF"].strip() != "NOTPROVIDED":
            entry.end_to_end_id = sepa["EREF"].strip()[:64]
        entry.counterparty_bic = subs.get("30", "").strip()
        entry.counterparty_iban = entry.counterparty_iban or subs.get("31", "").strip()
        entry.counterparty_name = (subs.get("32", "") + subs.get("33", "")).strip()
        entry.return_reason = subs.get("00", "") if "RUECK" in subs.get("00", "").upper() else ""
    else:
        entry.remittance = _unwrap(flat)
        if not entry.counterparty_iban and (iban := IBAN_RE.search(flat)):
            entry.counterparty_iban = iban.group(1)
    entry.remittance = " ".join(entry.remittance.split())[:500]
    entry.counterparty_name = " ".join(entry.counterparty_name.split())[:140]
    if entry.counterparty_iban and not IBAN_RE.fullmatch(entry.counterparty_iban):
        entry.counterparty_iban = entry.counterparty_iban[:34]


def _unwrap(text: str) -> str:
    """MT940 wraps :86: at 65 characters, in the middle of a word: a full line continues without a space."""
    out, previous = "", 0
    for line in text.split("\n"):
        out += line if previous >= 65 else " " + line
        previous = len(line)
    return " ".join(out.split())


def _account(value: str) -> tuple[str, str]:
    text = value.strip().replace(" ", "")
    match = re.fullmatch(r"([A-Z]{2}\d{2}[A-Z0-9]{10,30}?)([A-Z]{3})?", text)
    if match and match.group(2):
        return match.group(1), match.group(2)
    # Old Dutch account numbers with the currency glued on: "1567.50.961EUR".
    if (old := re.fullmatch(r"([\d./]+)([A-Z]{3})", text)) is not None:
        return old.group(1), old.group(2)
    return text[:64], ""


def parse_mt940(text: str) -> list[ParsedStatement]:
    # A stray control character (^Z at the end of a DOS file, a binary byte) is not content.
    text = CONTROL_RE.sub("", text)
    if not looks_like_mt940(text):
        raise StatementFileError(_("This is not an MT940 file: no statement (:20:) found."))
    statements = []
    for block in _blocks(text):
        statements.append(_statement(block))
    if not statements:
        raise StatementFileError(_("This is not an MT940 file: no statement (:20:) found."))
    return statements


def _statement(block: _Block) -> ParsedStatement:
    names = {t.name for t in block.tags}
    fmt = "mt942" if names & {"34F", "13D", "90D", "90C"} and not names & {"60F", "60M"} else "mt940"
    statement = ParsedStatement(format=fmt, line=block.line, account="", currency="")
    entry: ParsedEntry | None = None
    after_closing = False
    for tag in block.tags:
        name = tag.name
        if name == "20":
            statement.reference = tag.value.strip()[:64]
        elif name == "25":
            if statement.entries:
                raise file_error(
                    _("the account (:25:) comes after the transactions: the statement is damaged."),
                    line=tag.line,
                )
            statement.account, currency = _account(tag.value)
            statement.currency = statement.currency or currency
        elif name == "28C" or name == "28":
            statement.sequence = tag.value.replace("\n", "").strip()[:32]
        elif name in ("60F", "60M"):
            amount, when, currency = _balance(tag)
            statement.opening_balance, statement.opening_date = amount, when  # type: ignore[assignment]
            statement.currency = currency
        elif name in ("62F", "62M"):
            amount, when, currency = _balance(tag)
            statement.closing_balance, statement.closing_date = amount, when  # type: ignore[assignment]
            statement.currency = statement.currency or currency
            after_closing = True
        elif name == "34F":
            statement.currency = statement.currency or tag.value.strip()[:3]
        elif name == "61":
            if after_closing:
                raise file_error(_("a transaction (:61:) comes after the closing balance."), line=tag.line)
            entry = _statement_line(tag, statement.currency or "EUR")
            statement.entries.append(entry)
        elif name == "86":
            if entry is not None and not after_closing:
                _apply_details(entry, tag.value)
                entry = None
        elif name in ("64", "65", "21", "13", "13D", "90D", "90C", "NS"):
            continue
        else:
            statement.notes.append(
                _("Line %(line)s: unknown tag :%(tag)s: ignored") % {"line": tag.line, "tag": name}
            )
    if not statement.account:
        statement.notes.append(
            _("Line %(line)s: the statement has no account (:25:).") % {"line": block.line}
        )
    if statement.opening_balance is not None and statement.closing_balance is None:
        statement.notes.append(
            _("Line %(line)s: the statement has no closing balance (:62F:).") % {"line": block.line}
        )
    statement.currency = statement.currency or "EUR"
    for item in statement.entries:
        item.currency = statement.currency
    try:
        check_balance(
            statement,
            where=_("Statement %(ref)s of account %(account)s")
            % {"ref": statement.reference, "account": statement.account},
        )
    except StatementFileError as exc:
        # Banks' MT940 test exports often do not add up; the entries themselves are fine, so
        # the import goes on and the summary shows the warning (camt files are refused instead).
        statement.notes.extend(exc.messages)
    return statement
