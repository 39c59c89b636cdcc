from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from acceptance.bureau import BureauFileError
from acceptance.services import import_bureau_file


class Command(BaseCommand):
    help = "Import a bureau portfolio file (CSV): applied whole, or nothing with every problem listed."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = import_bureau_file(
                data=file.read_bytes(), source_name=file.name, by=f"import: {file.name}"
            )
        except BureauFileError as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.problems)) from None
        self.stdout.write(f"{file.name}: {result.created} new, {result.updated} updated bureau reports")
