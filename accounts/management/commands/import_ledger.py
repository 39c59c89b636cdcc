"""Import customers or invoices from an ERP export (CSV or XLSX) on the command line.

    python manage.py import_ledger customers klanten.csv
    python manage.py import_ledger invoices facturen.xlsx --dry-run

Prints the same report as the preview page; applies the whole file or nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts import imports


class Command(BaseCommand):
    help = "Import customers or invoices from a CSV or XLSX export: all lines or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[kind for kind, _label in imports.KIND_CHOICES])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )

    def handle(self, *args, kind: str, file: Path, dry_run: bool, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": exc.strerror or exc}
            ) from None
        try:
            plan = imports.build_plan(kind, data)
        except imports.ImportFileError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for line in plan.report():
            self.stdout.write(line)
        if not plan.ok:
            raise CommandError(imports.errors_summary(plan))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
            return
        try:
            result = imports.apply_import(
                kind,
                data,
                by=f"import: {file.name}",
                source=file.name,
                expected_fingerprint=plan.fingerprint,
            )
        except imports.ImportFileError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Imported %(file)s: %(result)s (%(seconds).1f s)")
                % {"file": file.name, "result": result, "seconds": result.seconds}
            )
        )
