"""ISO 20022 camt.052, camt.053 and camt.054 (every version: .001.02 to .001.10 and later).

Read with lxml, comparing local element names only, so the namespace (and with
it the version) does not matter. pycamt was the other candidate; it returns
floats and drops the batch details we split payments on, so a small reader of
our own is simpler. The parser refuses DTDs and entities (no XXE) and keeps each
element's line number for the messages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from lxml import etree

from accounts.bank.base import (
    ParsedEntry,
    ParsedStatement,
    StatementFileError,
    check_balance,
    decimal_amount,
    file_error,
)

STATEMENT_TAGS = {"Stmt": "camt.053", "Ntfctn": "camt.054", "Rpt": "camt.052"}
OPENING = {"OPBD", "PRCD", "OPAV"}
CLOSING = {"CLBD", "CLAV"}


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    # "{*}Name": the name in any namespace or none, matched by lxml itself (much faster than in Python).
    if element is None:
        return []
    return list(element.iterchildren("{*}" + name))


def _find(element: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if element is None:
            return None
        element = next(element.iterchildren("{*}" + name), None)
    return element


def _text(element: etree._Element | None, *path: str) -> str:
    found = _find(element, *path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _first(element: etree._Element | None, *paths: tuple[str, ...]) -> str:
    for path in paths:
        if value := _text(element, *path):
            return value
    return ""


def _amount(element: etree._Element | None, what: Callable[[], str]) -> Decimal:
    """The amount in `element`; `what` names it in a message (called only when there is a problem)."""
    if element is None:
        raise StatementFileError(_("%(what)s has no amount.") % {"what": what()})
    try:
        return decimal_amount(element.text or "")
    except ValueError:
        raise file_error(
            _("%(what)s: “%(value)s” is not an amount in cents.") % {"what": what(), "value": element.text},
            line=element.sourceline,
        ) from None


def _date(element: etree._Element | None) -> date | None:
    """A <Dt> or <DtTm> child (BookgDt, ValDt, Bal/Dt)."""
    text = _first(element, ("Dt",), ("DtTm",))
    if not text:
        return None
    try:
        if "T" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return date.fromisoformat(text[:10])
    except ValueError:
        raise file_error(_("“%(value)s” is not a date.") % {"value": text}, line=element.sourceline) from None


def looks_like_camt(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and (b"camt." in data[:4096] or b"BkToCstmr" in data[:8192])


def parse_camt(data: bytes) -> list[ParsedStatement]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise file_error(
            _("the file is not well-formed XML: %(reason)s") % {"reason": exc.msg}, line=exc.lineno
        ) from None
    message = next((c for c in root if _local(c).startswith("BkToCstmr")), None)
    if _local(root) != "Document" or message is None:
        raise file_error(
            _("this XML is not a camt bank statement (no Document/BkToCstmr… element)."), line=root.sourceline
        )
    statements = []
    for element in message:
        kind = STATEMENT_TAGS.get(_local(element))
        if kind:
            statements.append(_statement(element, kind))
    if not statements:
        raise file_error(
            _("the camt message has no statement (Stmt, Ntfctn or Rpt) in it."), line=message.sourceline
        )
    return statements


def _statement(element: etree._Element, kind: str) -> ParsedStatement:
    account = _first(element, ("Acct", "Id", "IBAN"), ("Acct", "Id", "Othr", "Id"))
    if not account:
        raise file_error(_("the statement has no account (Acct/Id)."), line=element.sourceline)
    statement = ParsedStatement(
        format=kind,
        line=element.sourceline or 0,
        account=account.replace(" ", ""),
        currency=_text(element, "Acct", "Ccy"),
        reference=_text(element, "Id")[:64],
        sequence=_first(element, ("ElctrncSeqNb",), ("LglSeqNb",))[:32],
    )
    for balance in _children(element, "Bal"):
        code = _first(balance, ("Tp", "CdOrPrtry", "Cd"), ("Tp", "CdOrPrtry", "Prtry"))
        amount_el = _find(balance, "Amt")
        amount = _amount(amount_el, lambda code=code: _("balance %(code)s") % {"code": code})
        if _text(balance, "CdtDbtInd") == "DBIT":
            amount = -amount
        statement.currency = statement.currency or (amount_el.get("Ccy", "") if amount_el is not None else "")
        if code in OPENING and statement.opening_balance is None:
            statement.opening_balance, statement.opening_date = amount, _date(_find(balance, "Dt"))
        elif code in CLOSING and statement.closing_balance is None:
            statement.closing_balance, statement.closing_date = amount, _date(_find(balance, "Dt"))
    # Entries without a booking date (a notification, a Lithuanian bank) take the statement's date.
    fallback = (
        statement.closing_date
        or _iso_date(_text(element, "FrToDt", "ToDtTm"))
        or _iso_date(_text(element, "CreDtTm"))
        or _iso_date(message_date(element))
    )
    for entry in _children(element, "Ntry"):
        statement.entries.extend(_entries(entry, statement, fallback=fallback))
    statement.currency = statement.currency or "EUR"
    try:
        check_balance(
            statement,
            where=_("Statement %(ref)s of account %(account)s")
            % {"ref": statement.reference, "account": statement.account},
        )
    except StatementFileError as exc:
        # Many banks' test exports do not add up while every entry is readable: import with a warning.
        statement.notes.extend(exc.messages)
    return statement


def message_date(element: etree._Element) -> str:
    header = _find(element.getparent(), "GrpHdr")
    return _text(header, "CreDtTm")


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _entries(ntry: etree._Element, statement: ParsedStatement, *, fallback: date | None) -> list[ParsedEntry]:
    line = ntry.sourceline or 0
    amount_el = _find(ntry, "Amt")
    amount = _amount(amount_el, lambda: _("The entry on line %(line)s") % {"line": line})
    indicator = _text(ntry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise file_error(_("the entry has no credit/debit mark (CdtDbtInd)."), line=line)
    booked = _date(_find(ntry, "BookgDt")) or _date(_find(ntry, "ValDt")) or fallback
    if booked is None:
        raise file_error(_("the entry has no booking date (BookgDt)."), line=line)
    base = ParsedEntry(
        line=line,
        booking_date=booked,
        value_date=_date(_find(ntry, "ValDt")) or booked,
        amount=amount,
        credit=indicator == "CRDT",
        reversal=_text(ntry, "RvslInd").lower() == "true",
        currency=(amount_el.get("Ccy") if amount_el is not None else "") or statement.currency,
        bank_reference=_first(ntry, ("AcctSvcrRef",), ("NtryRef",))[:64],
        transaction_code="-".join(
            filter(
                None,
                [
                    _text(ntry, "BkTxCd", "Domn", "Cd"),
                    _text(ntry, "BkTxCd", "Domn", "Fmly", "Cd"),
                    _text(ntry, "BkTxCd", "Domn", "Fmly", "SubFmlyCd"),
                ],
            )
        )[:32],
    )
    details = [tx for d in _children(ntry, "NtryDtls") for tx in _children(d, "TxDtls")]
    if not details:
        base.remittance = _text(ntry, "AddtlNtryInf")[:500]
        return [base]
    signed = [_tx_signed(tx, base.credit) for tx in details]
    entry_signed = amount if base.credit else -amount
    if len(details) > 1 and None not in signed and sum(signed) == entry_signed:  # type: ignore[arg-type]
        # A batch booking: one line per transaction (each with its own direction when the bank
        # gives one), so each can settle its own invoice. The lines add up to the booking.
        entries = []
        for tx, value in zip(details, signed, strict=True):
            entry = ParsedEntry(**{**base.__dict__, "line": tx.sourceline or line})
            entry.amount, entry.credit = abs(value), value >= 0  # type: ignore[operator]
            entry.batch = base.bank_reference or str(line)
            _fill(entry, tx)
            entries.append(entry)
        return entries
    _fill(base, details[0])
    if len(details) > 1:
        base.remittance = " / ".join(
            filter(None, [_remittance(tx) for tx in details] + [_text(ntry, "AddtlNtryInf")])
        )[:500]
    return [base]


def _tx_signed(tx: etree._Element, entry_credit: bool) -> Decimal | None:
    amount = _tx_amount(tx)
    if amount is None:
        return None
    indicator = _text(tx, "CdtDbtInd")
    credit = entry_credit if indicator not in ("CRDT", "DBIT") else indicator == "CRDT"
    return amount if credit else -amount


def _tx_amount(tx: etree._Element) -> Decimal | None:
    element = _find(tx, "Amt")
    if element is None:
        element = _find(tx, "AmtDtls", "TxAmt", "Amt")
    if element is None:
        return None
    try:
        return decimal_amount(element.text or "")
    except ValueError:
        return None


def _remittance(tx: etree._Element) -> str:
    rmt = _find(tx, "RmtInf")
    parts = [" ".join((u.text or "").split()) for u in _children(rmt, "Ustrd")]
    for strd in _children(rmt, "Strd"):
        parts.extend(filter(None, [_text(strd, "AddtlRmtInf"), _text(strd, "RfrdDocInf", "Nb")]))
    return " ".join(p for p in parts if p)


def _fill(entry: ParsedEntry, tx: etree._Element) -> None:
    # The counterparty is the debtor when money comes in, the creditor when it goes out.
    party, account = ("Dbtr", "DbtrAcct") if entry.credit else ("Cdtr", "CdtrAcct")
    parties = _find(tx, "RltdPties")
    entry.counterparty_name = _first(parties, (party, "Nm"), (party, "Pty", "Nm"), ("Ultmt" + party, "Nm"))[
        :140
    ]
    entry.counterparty_iban = _first(parties, (account, "Id", "IBAN"), (account, "Id", "Othr", "Id"))[:34]
    entry.counterparty_bic = _first(
        _find(tx, "RltdAgts"),
        (party + "Agt", "FinInstnId", "BIC"),
        (party + "Agt", "FinInstnId", "BICFI"),
    )[:11]
    entry.remittance = _remittance(tx)[:500]
    strd = _find(tx, "RmtInf", "Strd")
    entry.structured_reference = _first(strd, ("CdtrRefInf", "Ref"))[:35]
    e2e = _text(tx, "Refs", "EndToEndId")
    entry.end_to_end_id = "" if e2e in ("NOTPROVIDED", "NONREF") else e2e[:64]
    entry.bank_reference = entry.bank_reference or _first(tx, ("Refs", "AcctSvcrRef"), ("Refs", "TxId"))[:64]
    entry.return_reason = _first(tx, ("RtrInf", "Rsn", "Cd"), ("RtrInf", "Rsn", "Prtry"))[:8]
    if entry.return_reason:
        entry.reversal = True
