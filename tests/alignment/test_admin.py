"""The Django admin is a first-day administrator's tool: every model's pages must open."""

from contextlib import nullcontext

import pytest
from django.contrib import admin
from django.urls import reverse
from zeal import zeal_ignore

from alignment import engine
from alignment.demo import load_demo
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def admin_client(client, db):
    """The demo, plus at least one record of every model the admin registers."""
    from axes.models import AccessFailureLog
    from django.contrib.auth.models import Group

    from practices.models import Practice, Practitioner

    load_demo("en")
    # The demo's flags come from on-commit re-checks, which a rolled-back test never
    # runs: a sweep raises them (the demo is misaligned on purpose), and notifies owners.
    engine.run()
    superuser = UserFactory(username="root-admin", is_staff=True, is_superuser=True)
    Group.objects.create(name="Reviewers")
    Practitioner.objects.get_or_create(practice=Practice.objects.order_by("pk").first(), user=superuser)
    # django-axes records someone else's failed sign-in and the superuser's success.
    client.post(reverse("login"), {"username": "intruder", "password": "wrong"})
    client.post(reverse("login"), {"username": "root-admin", "password": PASSWORD})
    # Its failure log is off in our settings; the admin still lists what one holds.
    AccessFailureLog.objects.create(
        username="intruder", ip_address="10.0.0.9", user_agent="test", http_accept="*/*", path_info="/login/"
    )
    # An API token, and an import someone finished.
    from api.services import token_create
    from interop.models import ImportJob, ImportStatus
    from org.models import Unit

    token_create(user=superuser, name="HR sync")
    ImportJob.objects.create(
        created_by=superuser,
        unit=Unit.objects.order_by("pk").first(),
        format="csv",
        filename="plan.csv",
        status=ImportStatus.DONE,
    )
    # A second notification per recipient, so an N+1 on the changelist shows.
    from alignment.models import Flag, Notification

    for flag in Flag.objects.filter(practice__owner__isnull=False).select_related("practice")[:3]:
        Notification.objects.get_or_create(recipient=flag.practice.owner, flag=flag)
    client.force_login(superuser)
    return client


def _admin_cases():
    for model in admin.site._registry:
        label = model._meta.label
        yield pytest.param(model, id=label)


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(_admin_cases()))
def test_every_registered_model_has_working_admin_pages(admin_client, model):
    # Django's own user and group pages are not ours to tune; ours must stay N+1 free.
    with zeal_ignore() if model._meta.app_label == "auth" else nullcontext():
        _open_admin_pages(admin_client, model)


def _open_admin_pages(admin_client, model):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200, changelist
    first = model._default_manager.first()
    assert first is not None, f"the admin_client fixture must create a {meta.label} to open its pages"
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
    assert admin_client.get(change).status_code == 200, change
    history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[first.pk])
    assert admin_client.get(history).status_code == 200, history


@pytest.mark.django_db
def test_admin_shows_the_history_of_a_user_edit(admin_client):
    from objectives.models import Objective

    objective = Objective.objects.get(title="Capitalise and reuse best practices across teams")
    url = reverse("admin:objectives_objective_history", args=[objective.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"claire" in response.content


@pytest.mark.django_db
def test_a_change_in_the_admin_is_flagged_right_after_it_is_saved(
    eager_tasks, admin_client, django_capture_on_commit_callbacks
):
    from alignment.models import Flag, FlagKind
    from practices.models import PracticeObjective

    link = PracticeObjective.objects.select_related("practice").get(practice__name__startswith="Friday show-and-tell")
    url = reverse("admin:practices_practiceobjective_delete", args=[link.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert Flag.objects.open().filter(kind=FlagKind.ORPHAN_PRACTICE, practice=link.practice).exists()
