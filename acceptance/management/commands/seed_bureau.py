from django.core.management.base import BaseCommand

from acceptance.demo import demo_bureau_file
from acceptance.services import import_bureau_file


class Command(BaseCommand):
    help = (
        "Demo bureau reports for every demo customer with a KvK number, plus six prospects "
        "(healthy, risky, one recently bankrupt). Companies that have a report keep it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--replace", action="store_true", help="also replace reports that are there")

    def handle(self, *args, replace, **options):
        data = demo_bureau_file(only_missing=not replace)
        result = import_bureau_file(data=data, source_name="demo", by="system: seed_bureau")
        self.stdout.write(f"demo bureau reports: {result.created} new, {result.updated} updated")
