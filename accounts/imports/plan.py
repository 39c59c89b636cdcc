"""The plan: what applying a file would do, line by line. Building it writes nothing."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from accounts.imports.base import CHANGED, CUSTOMERS, ERROR, NEW, UNCHANGED, CellError, _is_blank, _key
from accounts.imports.cells import CUSTOMER_PARSERS, INVOICE_PARSERS, guess_decimal_sign, parse_amount
from accounts.imports.checks import _check_customers, _check_invoices
from accounts.imports.columns import get_spec
from accounts.imports.lines import Line, LineError
from accounts.imports.reading import Table, _map_header, read_table

PREVIEW_ROWS = 50


@dataclass
class Plan:
    kind: str
    table: Table
    headers: dict[str, str]
    ignored: list[str]
    lines: list[Line]
    sha256: str

    @property
    def errors(self) -> list[LineError]:
        return [e for line in self.lines for e in line.errors]

    @property
    def ok(self) -> bool:
        return not any(line.errors for line in self.lines)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(line.action for line in self.lines)
        return {
            "total": len(self.lines),
            NEW: counts[NEW],
            CHANGED: counts[CHANGED],
            UNCHANGED: counts[UNCHANGED],
            "errors": counts[ERROR],
        }

    @property
    def can_apply(self) -> bool:
        counts = self.counts
        return self.ok and bool(counts[NEW] or counts[CHANGED])

    def error_rows(self) -> list[dict[str, Any]]:
        """The errors with the column's name as written in the file, for the preview."""
        return [
            {
                "line": e.line,
                "column": e.column,
                "header": self._header_if_other(e.column),
                "message": e.message,
            }
            for e in self.errors
        ]

    def _header_if_other(self, column: str) -> str:
        header = self.headers.get(column, "")
        return header if _key(header) != _key(column) else ""

    def preview_lines(self, limit: int = PREVIEW_ROWS) -> list[Line]:
        """The first lines that would change something (or the first lines, when none would)."""
        changing = [line for line in self.lines if line.action in (NEW, CHANGED)]
        return (changing or self.lines)[:limit]

    @property
    def fingerprint(self) -> str:
        """A digest of what applying would do; apply refuses when it is not what was previewed."""
        digest = hashlib.sha256(self.sha256.encode())
        for line in self.lines:
            if line.action in (NEW, CHANGED):
                payload = [line.number, line.action, sorted(line.changes.items()), _new_values(line)]
                digest.update(json.dumps(payload, default=str).encode())
        return digest.hexdigest()

    def report(self) -> list[str]:
        """The plan as lines of text (for the command line)."""
        c = self.counts
        lines = [
            _("%(format)s; columns: %(columns)s")
            % {
                "format": self.table.describe(),
                "columns": ", ".join(
                    f"{h} → {f}" if _key(h) != _key(f) else f for f, h in self.headers.items()
                ),
            }
        ]
        if self.ignored:
            lines.append(_("Ignored columns: %(columns)s") % {"columns": ", ".join(self.ignored)})
        lines.append(
            _(
                "%(total)s lines: %(new)s new, %(changed)s changed, %(unchanged)s unchanged, "
                "%(errors)s with errors"
            )
            % c
        )
        lines.extend(str(e) for e in self.errors)
        return lines


def _new_values(line: Line) -> list[tuple[str, str]]:
    """Every value a new record would get (given or computed, like a due date from the terms)."""
    if line.action != NEW:
        return []
    skip = {"id", "created_at", "updated_at"}
    values = [
        (f.attname, str(getattr(line.obj, f.attname)))
        for f in line.obj._meta.concrete_fields
        if f.attname not in skip and not f.generated
    ]
    return [*values, ("new_parent", line.new_parent)]


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_plan(kind: str, data: bytes, *, lock: bool = False) -> Plan:
    """Read, parse and validate a file: what applying it would do. Writes nothing.

    With `lock`, the existing rows are locked (select_for_update): call it like
    that inside the transaction that applies the plan.
    """
    spec = get_spec(kind)
    table = read_table(data, kind)
    columns, headers, ignored = _map_header(table, spec)
    parsers = CUSTOMER_PARSERS if kind == CUSTOMERS else INVOICE_PARSERS
    amount_columns = [i for i, f in columns.items() if f in spec.amount_fields]
    decimal_sign = guess_decimal_sign(
        (cells[i] for _line, cells in table.rows for i in amount_columns if i < len(cells)), table.delimiter
    )
    width = len(table.header)
    lines = []
    for number, cells in table.rows:
        line = Line(line=number)
        if table.format == "csv" and any(c for c in cells[width:]):
            line.add_error(
                "",
                _(
                    "this line has %(cells)s cells but the header has %(header)s: "
                    "is there an unquoted separator in a value?"
                )
                % {"cells": len(cells), "header": width},
            )
        for index, fieldname in columns.items():
            raw = cells[index] if index < len(cells) else None
            if _is_blank(raw):
                continue
            try:
                if fieldname in spec.amount_fields:
                    line.values[fieldname] = parse_amount(raw, decimal_sign)
                else:
                    line.values[fieldname] = parsers[fieldname](raw)
            except CellError as exc:
                line.add_error(fieldname, str(exc))
        lines.append(line)
    if kind == CUSTOMERS:
        _check_customers(lines, lock=lock)
    else:
        _check_invoices(lines, lock=lock)
    for line in lines:
        if line.errors:
            line.action = ERROR
    return Plan(
        kind=kind, table=table, headers=headers, ignored=ignored, lines=lines, sha256=file_digest(data)
    )
