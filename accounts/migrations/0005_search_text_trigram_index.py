"""One trigram index on Customer.search_text replaces the three per-column ones (PostgreSQL only)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("name", "city", "number"):
        schema_editor.execute(f"DROP INDEX IF EXISTS accounts_customer_{column}_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS accounts_customer_search_trgm "
        "ON accounts_customer USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS accounts_customer_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_customer_search_text")]
    operations = [migrations.RunPython(create, drop)]
