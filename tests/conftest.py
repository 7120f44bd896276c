"""Named personas shared by the whole suite.

The organisation: a company with two divisions; ``north`` has a team below it.
- ``executive``: executive of the company (rights everywhere below it)
- ``manager``: manager of the north division (and so of its team)
- ``other_manager``: manager of the south division
- ``employee``: employee in the north team
- ``outsider``: signed in, member of no unit
"""

import os
import shutil
from dataclasses import dataclass

import pytest

from org.models import Role, Unit
from tests.factories import MembershipFactory, UnitFactory, UserFactory


@dataclass
class Org:
    company: Unit
    north: Unit
    north_team: Unit
    south: Unit


@pytest.fixture
def org(db) -> Org:
    company = UnitFactory(name="Company", code="company")
    north = UnitFactory(name="North division", code="north", parent=company)
    south = UnitFactory(name="South division", code="south", parent=company)
    north_team = UnitFactory(name="North team", code="north-team", parent=north)
    return Org(company=company, north=north, north_team=north_team, south=south)


@pytest.fixture
def executive(org):
    user = UserFactory(username="executive")
    MembershipFactory(user=user, unit=org.company, role=Role.EXECUTIVE)
    return user


@pytest.fixture
def manager(org):
    user = UserFactory(username="manager")
    MembershipFactory(user=user, unit=org.north, role=Role.MANAGER)
    return user


@pytest.fixture
def other_manager(org):
    user = UserFactory(username="other-manager")
    MembershipFactory(user=user, unit=org.south, role=Role.MANAGER)
    return user


@pytest.fixture
def employee(org):
    user = UserFactory(username="employee")
    MembershipFactory(user=user, unit=org.north_team, role=Role.EMPLOYEE)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


def pytest_report_header(config):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    lines = [f"database: {os.environ.get('DATABASE_URL', 'sqlite (embedded default)').split('@')[-1]}"]
    lines.append(f"broker: {os.environ.get('CELERY_BROKER_URL') or 'none (tasks in-process)'}")
    lines.append(f"chromium: {chromium if os.path.exists(chromium) else 'not found (browser tests skip)'}")
    return lines


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware activates the language of each request in the thread and never
    # puts it back: without this, a test after a French request would run in French.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…")
    skip_broker = pytest.mark.skip(reason="needs a real broker: set CELERY_BROKER_URL=redis://…")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)
        if "broker" in item.keywords and not has_broker:
            item.add_marker(skip_broker)
