"""No index that another index already serves: each one is written with every row."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OURS = {"accounts", "acceptance", "dunning", "reporting", "creditmgmt"}


def _columns(constraint: dict) -> tuple[str, ...]:
    """The indexed columns; () for an expression index (the lookup search's), which leads nothing."""
    columns = tuple(constraint["columns"] or ())
    return () if None in columns else columns


def redundant_indexes() -> list[str]:
    """Plain indexes whose columns lead another index or a unique constraint of the same table.

    A B-tree on (a) answers nothing that one on (a, b) cannot, so the shorter one only costs
    writes. Unique constraints and primary keys are never reported: they enforce something.
    """
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in OURS:
                continue
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            indexed = {
                name: _columns(c)
                for name, c in constraints.items()
                if (c["index"] or c["unique"] or c["primary_key"]) and _columns(c)
            }
            plain = [
                name
                for name, c in constraints.items()
                if c["index"] and not (c["unique"] or c["primary_key"]) and _columns(c)
            ]
            for name in plain:
                columns = indexed[name]
                for other, longer in indexed.items():
                    if len(longer) > len(columns) and longer[: len(columns)] == columns:
                        found.append(f"{table}.{name} {columns} is served by {other} {longer}")
                        break
    return found


def test_no_index_is_served_by_another():
    assert redundant_indexes() == []


def test_the_check_finds_a_redundant_index():
    """The check itself: an index on (customer_id) next to (customer_id, created_at) is found."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX test_redundant_note_customer ON accounts_note (customer_id)")
    assert any("test_redundant_note_customer" in line for line in redundant_indexes())
