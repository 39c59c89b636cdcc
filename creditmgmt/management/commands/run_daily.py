from django.core.management.base import BaseCommand

from creditmgmt.daily import run_daily


class Command(BaseCommand):
    help = "Run the daily workflow now (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date, YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        result = run_daily(options["date"])
        self.stdout.write(str(result))
