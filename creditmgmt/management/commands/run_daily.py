from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from creditmgmt.daily import dry_run_daily, run_daily
from dunning.demo_customers import pay_after_reminders
from dunning.models import WorkflowRun


class Command(BaseCommand):
    help = "Run the daily workflow now (idempotent); --dry-run shows what it would send, sending nothing."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="show what would happen; keep nothing")
        parser.add_argument(
            "--catch-up",
            type=int,
            default=0,
            metavar="DAYS",
            help="first run the DAYS business dates before --date, oldest first (a demo's history)",
        )
        parser.add_argument(
            "--demo-customers",
            action="store_true",
            help="demo only: before each date's run, reminded customers pay as customers do "
            "(dunning.demo_customers), so the catch-up's steps have outcomes",
        )

    def handle(self, *args, **options):
        if options["dry_run"]:
            rows = dry_run_daily(options["date"])
            for row in rows:
                self.stdout.write(
                    f"{row['customer']}: {row['step']} ({row['action']}, {row['status']})"
                    f"{' -> ' + row['channel'] + ' ' + row['recipient'] if row['channel'] else ''}"
                    f" · {row['currency']} {row['amount']} · {row['explanation']}"
                )
            self.stdout.write(f"{len(rows)} actions would be taken; nothing was kept or sent.")
            return
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date {options['date']!r}: give a date as YYYY-MM-DD") from None
        if options["catch_up"] < 0:
            raise CommandError("--catch-up cannot be negative")
        # Catching up runs only the dates after the last finished run: running an earlier date
        # again, with the stages the later dates reached, would see younger debts and start the
        # procedures over (a second `make run` re-sent three weeks of reminders). The given date
        # itself always runs; running one date twice is safe.
        last = (
            WorkflowRun.objects.filter(status=WorkflowRun.Status.DONE, date__lt=day)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        for back in range(options["catch_up"], -1, -1):
            when = day - timedelta(days=back)
            if back and last is not None and when <= last:
                continue
            if options["demo_customers"]:
                paid = pay_after_reminders(when)
                self.stdout.write(f"{when}: {paid} demo customers paid after a reminder")
            result = run_daily(when.isoformat(), started_by="command: run_daily")
            self.stdout.write(str(result))
