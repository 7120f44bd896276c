"""A database created before units moved to `org` upgrades by `migrate` with nothing lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("alignment", "0002_initial"),
    ("objectives", "0002_hierarchy_cycle_guard"),
    ("practices", "0001_initial"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # A fresh loader: the one that ran the plan still holds the applied set it started from.
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.fixture
def old_schema(transactional_db):
    """The schema as the previous release left it; back to the latest afterwards."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    # Migrating org back to zero (state only) returns units to alignment.
    apps = _migrate([("org", None), *BEFORE])
    yield apps
    _migrate(latest)


def test_units_memberships_and_their_links_survive_the_move(old_schema):
    apps = old_schema
    User = apps.get_model("auth", "User")
    Unit = apps.get_model("alignment", "Unit")
    Membership = apps.get_model("alignment", "Membership")
    Objective = apps.get_model("objectives", "Objective")
    Means = apps.get_model("practices", "Means")
    ContentType = apps.get_model("contenttypes", "ContentType")
    company = Unit.objects.create(name="Company", code="company")
    team = Unit.objects.create(name="Team", code="team", parent=company)
    claire = User.objects.create(username="claire")
    Membership.objects.create(user=claire, unit=company, role="executive")
    goal = Objective.objects.create(title="Share knowledge", statement="Why", unit=team, status="active")
    wiki = Means.objects.create(name="Wiki", kind="technical", unit=team, status="active")
    ContentType.objects.get_or_create(app_label="alignment", model="unit")

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate(latest)

    Unit = apps.get_model("org", "Unit")
    assert Unit._meta.db_table == "org_unit"
    assert {(u.code, u.parent.code if u.parent else None) for u in Unit.objects.all()} == {
        ("company", None),
        ("team", "company"),
    }
    membership = apps.get_model("org", "Membership").objects.get()
    assert (membership.user.username, membership.unit.code, membership.role) == ("claire", "company", "executive")
    assert apps.get_model("objectives", "Objective").objects.get(pk=goal.pk).unit.code == "team"
    assert apps.get_model("practices", "Means").objects.get(pk=wiki.pk).unit.code == "team"
    ContentType = apps.get_model("contenttypes", "ContentType")
    assert ContentType.objects.filter(app_label="org", model="unit").exists()
    assert not ContentType.objects.filter(app_label="alignment", model="unit").exists()
    # The foreign keys still guard the data: a unit in use cannot vanish.
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert "org_unit" in tables
    assert "alignment_unit" not in tables
