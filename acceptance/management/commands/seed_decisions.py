from django.core.management.base import BaseCommand

from acceptance.demo import seed_decision_history


class Command(BaseCommand):
    help = (
        "Demo decision history: webshop, counter and sales decisions on the working days of the last "
        "months, made by the rule set in use, so the retro analysis and the rule simulation have "
        "something to judge. Adds nothing when older decisions exist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=120, help="how far back (days)")
        parser.add_argument("--per-day", type=int, default=6, help="decisions per working day")

    def handle(self, *args, days, per_day, **options):
        made = seed_decision_history(days=days, per_day=per_day)
        if made:
            self.stdout.write(f"demo decisions: {made} over the last {days} days")
        else:
            self.stdout.write("demo decisions: history present (or no customers), nothing added")
