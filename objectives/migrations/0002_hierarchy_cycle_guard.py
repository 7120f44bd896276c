"""Below the application: PostgreSQL refuses any write that would close a loop.

Forms and services check first for a friendly message; this trigger is the
guarantee. The advisory lock serialises hierarchy writes, so two concurrent
re-parents (A under B, B under A) cannot each pass the check under READ COMMITTED:
the second one waits, then sees the first one's parent and is refused.
SQLite needs no trigger: its IMMEDIATE transactions already serialise writers.
"""

from django.db import migrations

HIERARCHY_LOCK = 7419001  # shared with objectives.services.HIERARCHY_LOCK

CREATE = f"""
CREATE OR REPLACE FUNCTION objectives_objective_no_cycle() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({HIERARCHY_LOCK});
    IF EXISTS (
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM objectives_objective WHERE id = NEW.parent_id
            UNION
            SELECT o.id, o.parent_id FROM objectives_objective o JOIN up ON o.id = up.parent_id
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'objective % cannot be placed under its own descendant %', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS objectives_objective_no_cycle ON objectives_objective;
CREATE TRIGGER objectives_objective_no_cycle
    BEFORE INSERT OR UPDATE OF parent_id ON objectives_objective
    FOR EACH ROW EXECUTE FUNCTION objectives_objective_no_cycle();
"""

DROP = """
DROP TRIGGER IF EXISTS objectives_objective_no_cycle ON objectives_objective;
DROP FUNCTION IF EXISTS objectives_objective_no_cycle();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("objectives", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
