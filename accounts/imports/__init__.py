"""Import customers and invoices from ERP exports (CSV or XLSX).

An import goes read → check → plan → preview → apply:

1. read (`reading`, `columns`): find out what the bytes are by their content
   (an XLSX workbook by its zip signature; otherwise text in UTF-8, UTF-16 or
   Windows-1252), split CSV on the delimiter that makes the header row
   recognisable, and map the header names to fields (Dutch ERP aliases too).
   Every row keeps the line number the user sees in a spreadsheet.
2. check (`cells`, `checks`): parse every cell (ISO and Dutch dates, "1.234,56"
   and "1,234.56" amounts, always Decimal) and validate every line with the
   model validators and against the database.
3. plan (`plan`, `lines`): `build_plan` decides per line: new, changed,
   unchanged or error. Nothing is written.
4. preview: the upload page (or `import_ledger --dry-run`) shows the plan; the
   uploaded file waits on disk in the meantime (`staging`).
5. apply (`apply`): `apply_import` builds the plan again in one transaction
   with the rows locked, refuses when any line has an error or when the plan
   is not the one that was previewed (fingerprint), then creates and updates
   in bulk, refreshes the balances of the customers touched and writes one
   timeline event per customer. All or nothing.

Upserts are by number and unchanged lines are not touched, so applying the
same file twice changes nothing the second time. An empty cell means "keep
what is there" (or the default for a new record): an import never erases.

This package exports what the views, the command and the tests use.
"""

from accounts.imports.apply import ImportResult, apply_import, errors_summary
from accounts.imports.base import CUSTOMERS, INVOICES, KIND_CHOICES, CellError, ImportFileError
from accounts.imports.cells import choice_parser, guess_decimal_sign, parse_amount, parse_date
from accounts.imports.columns import column_help
from accounts.imports.plan import Plan, build_plan
from accounts.imports.staging import (
    MAX_UPLOAD_BYTES,
    discard_staged,
    discard_stale,
    read_staged,
    stage_upload,
)

__all__ = [
    "CUSTOMERS",
    "INVOICES",
    "KIND_CHOICES",
    "MAX_UPLOAD_BYTES",
    "CellError",
    "ImportFileError",
    "ImportResult",
    "Plan",
    "apply_import",
    "build_plan",
    "choice_parser",
    "column_help",
    "discard_staged",
    "discard_stale",
    "errors_summary",
    "guess_decimal_sign",
    "parse_amount",
    "parse_date",
    "read_staged",
    "stage_upload",
]
