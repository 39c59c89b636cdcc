"""Import bank statement files (camt.053/054, MT940, or CSV with a saved mapping) and match them.

    python manage.py import_statement statement.xml mt940.sta
    python manage.py import_statement export.csv --csv-mapping "ING CSV"
    python manage.py import_statement --match-new      (the entries imported with --no-match)

Each file is imported whole or not at all; entries imported before are skipped.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.bank.base import StatementFileError
from accounts.bank.services import import_statement_file, match_entries
from accounts.models import BankCsvMapping, BankEntry


class Command(BaseCommand):
    help = "Import bank statement files and match their payments to invoices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument("--csv-mapping", default="", help="Name of a saved CSV column mapping.")
        parser.add_argument("--no-match", action="store_true", help="Import only; match later.")
        parser.add_argument(
            "--match-new", action="store_true", help="Then match every entry imported with --no-match."
        )

    def handle(
        self, *args, files: list[Path], csv_mapping: str, no_match: bool, match_new: bool, **options
    ) -> None:
        if not files and not match_new:
            raise CommandError(_("Name the files to import, or give --match-new."))
        mapping = None
        if csv_mapping:
            try:
                mapping = BankCsvMapping.objects.get(name=csv_mapping).as_mapping()
            except BankCsvMapping.DoesNotExist:
                raise CommandError(
                    _("There is no CSV mapping named %(name)s.") % {"name": csv_mapping}
                ) from None
        refused = 0
        for path in files:
            try:
                data = path.read_bytes()
                summary = import_statement_file(
                    data=data,
                    file_name=path.name,
                    by="command: import_statement",
                    csv_mapping=mapping,
                    match=not no_match,
                )
            except OSError as exc:
                refused += 1
                self.stderr.write(f"{path}: {exc.strerror or exc}")
                continue
            except StatementFileError as exc:
                refused += 1
                self.stderr.write(f"{path}: " + " ".join(exc.messages))
                continue
            self.stdout.write(f"{path}: {summary.format}; {summary} ({summary.seconds:.1f}s)")
            for warning in summary.warnings:
                self.stdout.write(f"  {warning}")
        if match_new:
            waiting = list(BankEntry.objects.filter(status=BankEntry.Status.NEW).values_list("pk", flat=True))
            counts = match_entries(entry_ids=waiting, by="command: import_statement")
            self.stdout.write(
                _("%(total)s entries matched: %(matched)s automatically, %(unmatched)s wait for a person.")
                % {"total": len(waiting), **counts}
            )
        if refused:
            raise CommandError(
                _("%(count)s of %(total)s files were not imported.") % {"count": refused, "total": len(files)}
            )
