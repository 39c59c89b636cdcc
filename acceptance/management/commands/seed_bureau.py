from django.core.management.base import BaseCommand

from acceptance.demo import demo_bureau_file
from acceptance.services import import_bureau_file


class Command(BaseCommand):
    help = "Demo bureau reports for every demo customer with a KvK number, plus six prospects."

    def handle(self, *args, **options):
        result = import_bureau_file(data=demo_bureau_file(), source_name="demo", by="system: seed_bureau")
        self.stdout.write(f"demo bureau reports: {result.created} new, {result.updated} updated")
