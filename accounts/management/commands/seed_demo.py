"""python manage.py seed_demo --customers 400 --seed 2026 [--if-empty] [--months 18] [--today 2026-11-20]"""

from datetime import date
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule

from accounts import demo


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today {value!r}: give a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Fill the database with a deterministic demo credit book: users for every role "
        f"(password {demo.DEMO_PASSWORD!r}), customers, contacts, invoices, payments, notes and tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=400, help="how many customers (default 400)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data")
        parser.add_argument("--months", type=int, default=18, help="months of history (default 18)")
        parser.add_argument("--today", type=iso_date, default=None, help="the day the data ends (YYYY-MM-DD)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when there are customers already"
        )

    def handle(self, *args, customers, seed, months, today, if_empty, **options):
        if customers < 0:
            raise CommandError("--customers cannot be negative")
        if months < 1:
            raise CommandError("--months must be at least 1")
        result = demo.seed(
            customers=customers,
            seed=seed,
            months=months,
            today=today,
            if_empty=if_empty,
            log=lambda line: self.stdout.write(line),
        )
        if not result.skipped and customers:
            from django.utils import timezone

            from accounts.bank.demo import seed_todays_statement

            seed_todays_statement(
                today=today or timezone.localdate(), seed=seed, log=lambda line: self.stdout.write(line)
            )
            seed_app_demos(seed=seed, today=today, log=lambda line: self.stdout.write(line))


# Per app, in this order: its cases (dunning: disputes, promises, plans), then its inbox mail.
DEMO_MODULES = ("demo_cases", "inbox.demo")


def seed_app_demos(**kwargs) -> None:
    """Apps above accounts add their demo rows through their own services in these modules
    (each with a `seed(seed=, today=, log=)`); found by name so accounts imports none of them."""
    for config in apps.get_app_configs():
        for name in DEMO_MODULES:
            if module_has_submodule(config.module, name.split(".")[0]) and find_spec(f"{config.name}.{name}"):
                import_module(f"{config.name}.{name}").seed(**kwargs)
