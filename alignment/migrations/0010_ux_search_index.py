"""Full-text search indexes, one flavour per database (see alignment/search.py).

PostgreSQL: GIN indexes on the very expressions the queries use (English and French
configurations; ``simple`` for people). SQLite: an FTS5 table filled now and kept in
sync by triggers, so every write path (ORM, bulk_create, raw SQL, imports) is covered;
alignment's post_migrate handler puts back triggers that a later table rebuild drops.
Other databases: nothing.
"""

from django.db import migrations

from alignment import search


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for create, _drop in search.pg_index_statements():
            schema_editor.execute(create)
    elif connection.vendor == "sqlite":
        search.ensure_sqlite_index(connection)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for _create, drop in search.pg_index_statements():
            schema_editor.execute(drop)
    elif connection.vendor == "sqlite":
        search.drop_sqlite_index(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0009_interop_notification_summary"),
        ("objectives", "0006_okr_grace_and_stalled"),
        ("practices", "0007_okr_adoption"),
        # After auth's own migrations: on SQLite they rebuild auth_user (and drop triggers).
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
