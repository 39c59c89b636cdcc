"""Trigram indexes for the customer search box (PostgreSQL only).

`icontains` becomes `UPPER(col) LIKE UPPER('%text%')` on PostgreSQL, so the
indexes are on UPPER(col) with gin_trgm_ops; SQLite scans, which is fine at
the sizes it is meant for.
"""

from django.db import migrations

COLUMNS = ["name", "city", "number"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS accounts_customer_{column}_trgm "
            f"ON accounts_customer USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS accounts_customer_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
