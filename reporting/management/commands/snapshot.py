from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting.snapshots import backfill, rebuild_monthly_sales, take_snapshot


class Command(BaseCommand):
    help = "Write today's reporting snapshots; --backfill rebuilds history from the invoices' paid dates."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="business date (default: today)")
        parser.add_argument(
            "--backfill", action="store_true", dest="rebuild", help="also rebuild missing past days"
        )
        parser.add_argument("--months", type=int, default=12, help="month ends to rebuild (default 12)")
        parser.add_argument("--days", type=int, default=35, help="recent days to rebuild (default 35)")

    def handle(self, *args, date=None, rebuild=False, months=12, days=35, **options):
        today = date or timezone.localdate()
        if rebuild:
            rebuilt = backfill(today, months=months, days=days)
            self.stdout.write(f"rebuilt {len(rebuilt)} past days")
        counts = take_snapshot(today)
        counts["sales_groups"] = rebuild_monthly_sales(today)
        self.stdout.write(f"{today}: {counts}")
