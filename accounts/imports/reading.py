"""Reading the file: XLSX or CSV, the header row and the mapping of its names to fields.

The format, the encoding and the CSV delimiter are found from the content, not
from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from accounts.imports.base import ImportFileError, _is_blank, _text
from accounts.imports.columns import KindSpec, get_spec


@dataclass
class Table:
    header: list[str]
    # (line number as the user sees it, cells); blank lines are left out
    rows: list[tuple[int, list[Any]]]
    format: str  # "csv" or "xlsx"
    header_line: int = 1
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""

    def describe(self) -> str:
        if self.format == "xlsx":
            text = _("Excel workbook, sheet “%(sheet)s”") % {"sheet": self.sheet}
        else:
            names = {",": _("commas"), ";": _("semicolons"), "\t": _("tabs"), "|": _("bars")}
            text = _("CSV in %(encoding)s, separated by %(delimiter)s") % {
                "encoding": self.encoding,
                "delimiter": names.get(self.delimiter, self.delimiter),
            }
        if self.header_line > 1:
            text += ", " + _("header on line %(line)s") % {"line": self.header_line}
        return text


def read_table(data: bytes, kind: str) -> Table:
    spec = get_spec(kind)
    if not data or not data.strip(b" \t\r\n\x00"):
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old Excel file (.xls). Save it as Excel workbook (.xlsx) or CSV and upload that.")
        )
    else:
        table = _read_csv(data, spec)
    if not table.rows:
        raise ImportFileError(_("The file has no lines with data."))
    _split_header(table, spec)
    return table


HEADER_SEARCH_ROWS = 10


def _known_columns(cells: list[Any], spec: KindSpec) -> int:
    return sum(1 for cell in cells if isinstance(cell, str) and spec.field_for(cell))


def _split_header(table: Table, spec: KindSpec) -> None:
    """The header is the first line, unless a title or a blank-ish line comes first.

    Reports from an ERP or a spreadsheet often start with a title ("Open items
    per 31-01-2026"): of the first lines, the one with the most known column
    names is the header, and the lines above it are skipped.
    """
    candidates = table.rows[:HEADER_SEARCH_ROWS]
    scores = [_known_columns(cells, spec) for _line, cells in candidates]
    best = scores.index(max(scores)) if max(scores) > 0 else 0
    table.header_line, header = table.rows[best]
    table.header = [_text(cell) for cell in header]
    table.rows = table.rows[best + 1 :]


# A workbook unpacks to far more than its size; refuse one that would unpack to
# more than this (a "zip bomb" would otherwise fill the memory of the web worker).
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 200_000


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFileError(
            _("The file looks like an Excel workbook but cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportFileError(
            _("This workbook unpacks to %(size)d MB; split it into files below %(limit)d MB.")
            % {"size": unpacked // 2**20, "limit": MAX_XLSX_UNPACKED // 2**20}
        )


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise ImportFileError(
            _("The file looks like an Excel workbook but cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[Any]]] = []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if line > MAX_ROWS:
                raise ImportFileError(
                    _("The sheet has more than %(rows)d rows; split it into smaller files.")
                    % {"rows": MAX_ROWS}
                )
            cells = [v.strip() if isinstance(v, str) else v for v in values]
            if not all(_is_blank(v) for v in cells):
                rows.append((line, cells))
        return Table(header=[], rows=rows, format="xlsx", sheet=sheet.title)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError(
            _("The file looks like an Excel workbook but cannot be read (%(reason)s).") % {"reason": exc}
        ) from None
    finally:
        workbook.close()


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file says it is UTF-8 but is not: save it again as CSV UTF-8.")
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with tabs.
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportFileError(_("The file cannot be read as UTF-16 text.")) from None
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


DELIMITERS = (";", ",", "\t", "|")


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _sniff_delimiter(text: str, spec: KindSpec) -> str:
    """The delimiter that makes most header cells known columns, then the most regular rows."""
    sample = "\n".join(text.splitlines()[:50])
    best, best_score = ",", None
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in _records(sample, delimiter) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not rows:
            continue
        known = max(_known_columns(r, spec) for r in rows[:HEADER_SEARCH_ROWS])
        widths = Counter(len(r) for r in rows)
        regular = widths.most_common(1)[0][1] / len(rows)
        score = (known, len(rows[0]) > 1, regular, len(rows[0]))
        if best_score is None or score > best_score:
            best, best_score = delimiter, score
    if best_score is not None and best_score[0] == 0:
        # Nothing recognisable: let the csv module guess, for a readable error message.
        try:
            best = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        except csv.Error:
            pass
    return best


def _read_csv(data: bytes, spec: KindSpec) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    first_line = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    delimiter = ""
    if re.fullmatch(r'"?sep=.?"?', first_line, flags=re.IGNORECASE):
        # Excel's "sep=;" hint line; Excel does not show it, so numbering starts after it.
        delimiter = first_line.strip('"')[4:5] or ","
        text = text.split("\n", 1)[1] if "\n" in text else ""
    delimiter = delimiter or _sniff_delimiter(text, spec)
    rows: list[tuple[int, list[Any]]] = []
    reader = _records(text, delimiter)
    line = 0
    try:
        for line, cells in enumerate(reader, start=1):
            cells = [c.replace("\ufeff", "").strip() for c in cells]
            if any(cells):
                rows.append((line, cells))
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV: %(reason)s") % {"line": line + 1, "reason": exc}
        ) from None
    return Table(header=[], rows=rows, format="csv", encoding=encoding, delimiter=delimiter)


def _map_header(table: Table, spec: KindSpec) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Column index -> field, field -> header as written, and the headers that are ignored."""
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, name in enumerate(table.header):
        if not name:
            continue
        fieldname = spec.field_for(name)
        if fieldname is None:
            ignored.append(name)
        elif fieldname in headers:
            raise ImportFileError(
                _("The columns “%(first)s” and “%(second)s” both mean %(field)s: keep one of them.")
                % {"first": headers[fieldname], "second": name, "field": fieldname}
            )
        else:
            columns[index] = fieldname
            headers[fieldname] = name
    shown = ", ".join(h for h in table.header[:6] if h)
    if not columns:
        looks_like_data = sum(1 for h in table.header if re.search(r"\d", h)) >= max(
            1, len(table.header) // 2
        )
        if looks_like_data:
            raise ImportFileError(
                _(
                    "The file has no header row: the first line (%(cells)s) looks like data. "
                    "Add a first line with the column names, such as %(example)s."
                )
                % {"cells": shown, "example": ", ".join(spec.required)}
            )
        raise ImportFileError(
            _(
                "None of the columns in the header row (%(cells)s) is known for an import of %(kind)s. "
                "Expected columns such as %(example)s."
            )
            % {"cells": shown, "kind": spec.name, "example": ", ".join(spec.columns)}
        )
    missing = [f for f in spec.required if f not in headers]
    if missing:
        raise ImportFileError(
            [
                _("The required column %(field)s is missing (also accepted: %(aliases)s).")
                % {"field": f, "aliases": ", ".join(spec.columns[f][:6])}
                for f in missing
            ]
        )
    return columns, headers, ignored
