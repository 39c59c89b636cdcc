"""Indexes for the counter lookup's live search (PostgreSQL only, pg_trgm from accounts 0002).

- trigrams on the bureau's company names: prospects are found by part of their name
  (`name__icontains` is `UPPER(name::text) LIKE UPPER(...)`, the indexed expression);
- the customer's postcode without spaces and in capitals, the key the lookup compares
  ("3511ab" and "3511 AB" find the same company). On accounts_customer, but only the
  lookup asks it, so it lives here.
"""

from django.db import migrations

INDEXES = {
    "acceptance_bureau_name_trgm": (
        "ON acceptance_bureaurecord USING gin ((UPPER(name::text)) gin_trgm_ops)"
    ),
    "acceptance_customer_postcode_key": (
        "ON accounts_customer ((REPLACE(UPPER(postal_code::text), ' ', '')))"
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("acceptance", "0008_api_decision_request"),
        ("accounts", "0007_backfill_payment_references"),
    ]
    operations = [migrations.RunPython(create, drop)]
