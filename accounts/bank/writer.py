"""Writing a camt.053.001.02 statement: for the demo, the benchmark and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass
class Line:
    amount: Decimal
    booked: date
    credit: bool = True
    name: str = ""
    iban: str = ""
    text: str = ""
    reference: str = ""  # structured creditor reference (CdtrRefInf/Ref)
    end_to_end: str = ""
    reversal: bool = False
    return_reason: str = ""


def _party(line: Line) -> str:
    role, account = ("Dbtr", "DbtrAcct") if line.credit else ("Cdtr", "CdtrAcct")
    parts = []
    if line.name:
        parts.append(f"<{role}><Nm>{escape(line.name)}</Nm></{role}>")
    if line.iban:
        parts.append(f"<{account}><Id><IBAN>{escape(line.iban)}</IBAN></Id></{account}>")
    return f"<RltdPties>{''.join(parts)}</RltdPties>" if parts else ""


def _remittance(line: Line) -> str:
    parts = []
    if line.text:
        parts.append(f"<Ustrd>{escape(line.text[:140])}</Ustrd>")
    if line.reference:
        parts.append(
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{escape(line.reference)}</Ref></CdtrRefInf></Strd>"
        )
    return f"<RmtInf>{''.join(parts)}</RmtInf>" if parts else ""


def camt053(
    *, account: str, lines: list[Line], statement_id: str, opening: Decimal = Decimal("0.00")
) -> bytes:
    closing = opening + sum((x.amount if x.credit else -x.amount for x in lines), Decimal("0"))
    day = max((x.booked for x in lines), default=timezone.localdate())
    out = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>',
        f"<GrpHdr><MsgId>{escape(statement_id)}</MsgId><CreDtTm>{day.isoformat()}T06:00:00</CreDtTm></GrpHdr>",
        f"<Stmt><Id>{escape(statement_id)}</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>",
        _balance("OPBD", opening, day),
        _balance("CLBD", closing, day),
    ]
    for n, line in enumerate(lines, 1):
        rtr = (
            f"<RtrInf><Rsn><Cd>{escape(line.return_reason)}</Cd></Rsn></RtrInf>" if line.return_reason else ""
        )
        out.append(
            f'<Ntry><Amt Ccy="EUR">{line.amount:.2f}</Amt>'
            f"<CdtDbtInd>{'CRDT' if line.credit else 'DBIT'}</CdtDbtInd>"
            f"{'<RvslInd>true</RvslInd>' if line.reversal else ''}<Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{line.booked.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{line.booked.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(statement_id)}-{n}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Refs><EndToEndId>{escape(line.end_to_end or 'NOTPROVIDED')}</EndToEndId></Refs>"
            f"{_party(line)}{_remittance(line)}{rtr}</TxDtls></NtryDtls></Ntry>"
        )
    out.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(out).encode()


def _balance(code: str, amount: Decimal, day: date) -> str:
    sign = "CRDT" if amount >= 0 else "DBIT"
    return (
        f'<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{abs(amount):.2f}</Amt>'
        f"<CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )
