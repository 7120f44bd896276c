"""Trigram indexes for the lists' "contains" search, on PostgreSQL only.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%…%')``: no B-tree can serve
it, so at a million practices the list searched by scanning them all (1 s). A GIN
trigram index on the same ``UPPER(col)`` expression finds the matching rows directly.
The indexes exist only in the database (not in the models' state): SQLite has no GIN,
and nothing in Django refers to them by name.

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

#: (table, column) pairs searched with icontains.
SEARCHED = (
    ("practices_practice", "name"),
    ("practices_practice", "description"),
    ("practices_means", "name"),
    ("practices_means", "description"),
    ("objectives_objective", "title"),
    ("objectives_objective", "statement"),
)


def _index(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{_index(table, column)}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{_index(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0003_pages_list_order_indexes"),
        ("objectives", "0004_pages_list_order_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
