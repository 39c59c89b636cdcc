"""Find out what a bank file is by its content, decode it and parse it."""

from __future__ import annotations

import codecs

from django.utils.translation import gettext as _

from accounts.bank.base import ParsedStatement, StatementFileError
from accounts.bank.camt import looks_like_camt, parse_camt
from accounts.bank.csvformat import CsvMapping, parse_csv
from accounts.bank.mt940 import looks_like_mt940, parse_mt940

# A month of a big company's camt.053 is tens of MB; uploads in the browser have their own, lower limit.
MAX_BYTES = 200 * 1024 * 1024


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 or Latin-1: never refused for its encoding."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff(data: bytes) -> str:
    if looks_like_camt(data):
        return "camt"
    head = decode(data[:65536])
    if looks_like_mt940(head):
        return "mt940"
    return "csv"


def parse_statement_file(data: bytes, *, csv_mapping: CsvMapping | None = None) -> list[ParsedStatement]:
    """Every statement in the file, or StatementFileError saying what is wrong and where."""
    if not data or not data.strip(b" \t\r\n\x00\x1a"):
        raise StatementFileError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise StatementFileError(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    kind = sniff(data)
    if kind == "camt":
        return parse_camt(data)
    if kind == "mt940":
        return parse_mt940(decode(data))
    if data.lstrip().startswith(b"<"):
        raise StatementFileError(_("This XML file is not a camt.052, camt.053 or camt.054 bank statement."))
    if csv_mapping is None:
        raise StatementFileError(
            _(
                "This is not a camt.053/054 or MT940 statement. If it is a CSV export of your bank, "
                "choose a saved CSV column mapping."
            )
        )
    return parse_csv(decode(data), csv_mapping)
