"""The shipped rule sets as the migrations leave them, for a transactional test's emptied database."""

import importlib

# Data migrations of acceptance after 0002 that change the shipped rules: (module, function).
LATER_STEPS = [
    ("0011_rule_names_in_two_languages", "name_shipped_rules"),
    ("0012_rule_set_names_in_two_languages", "split_names"),
    ("0013_money_in_shipped_reasons", "forwards"),
]


def ship_rule_sets() -> None:
    from django.apps import apps

    importlib.import_module("acceptance.migrations.0002_shipped_rule_sets").ship(apps, None)
    for module, function in LATER_STEPS:
        getattr(importlib.import_module(f"acceptance.migrations.{module}"), function)(apps, None)
