"""Evaluate the payment-date prediction on a history file (the IBM accounts-receivable sample layout)."""

import csv
from datetime import date, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reporting.prediction import Record, evaluate

COLUMNS = {"customerID", "InvoiceDate", "DueDate", "SettledDate", "Disputed"}


def read_records(path: Path) -> list[Record]:
    """Rows of customerID, InvoiceDate, DueDate, SettledDate (M/D/YYYY) and Disputed (Yes/No)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    missing = COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    records = []
    for line, row in enumerate(reader, start=2):
        try:
            issued, due = _date(row["InvoiceDate"]), _date(row["DueDate"])
            paid = _date(row["SettledDate"]) if row["SettledDate"].strip() else None
        except ValueError as exc:
            raise CommandError(f"{path}, line {line}: {exc}") from None
        records.append(Record(row["customerID"], issued, due, paid, row["Disputed"].strip().lower() == "yes"))
    if not records:
        raise CommandError(f"{path}: no invoices in the file")
    return records


def _date(text: str) -> date:
    return datetime.strptime(text.strip(), "%m/%d/%Y").date()  # noqa: DTZ007 - a calendar date


class Command(BaseCommand):
    help = "Print the MAE in days of the payment-date prediction and of two baselines on a history file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--test-from",
            type=date.fromisoformat,
            help="predict invoices issued from this date on (default: the later half of the file)",
        )

    def handle(self, *args, file, test_from=None, **options):
        records = read_records(file)
        if test_from is None:
            issued = sorted(r.issued for r in records)
            test_from = issued[len(issued) // 2]
        result = evaluate(records, test_from=test_from)
        out = self.stdout.write
        out(f"{file.name}: {len(records)} invoices; predicted {result.invoices} issued from {test_from}")
        out("each predicted on its issue date from the payments made before that date\n")
        out(f"{'method':<52}MAE (days)")
        out(f"{'prediction (customer median, shrunk, by dispute)':<52}{result.mae_method:>6.2f}")
        out(f"{'baseline: pays on the due date':<52}{result.mae_due_date:>6.2f}")
        out(f"{'baseline: customer median lateness so far':<52}{result.mae_customer_median:>6.2f}")
        for basis, (count, mae) in result.by_basis.items():
            out(f"  prediction, customers with {basis:<18} {count:>5} invoices  MAE {mae:.2f}")
