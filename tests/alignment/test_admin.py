"""The Django admin is a first-day administrator's tool: every model's pages must open."""

from contextlib import nullcontext

import pytest
from django.contrib import admin
from django.urls import reverse
from zeal import zeal_ignore

from alignment.demo import load_demo
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    load_demo("en")
    superuser = UserFactory(username="root-admin", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_every_registered_model_has_working_admin_pages(admin_client):
    for model in admin.site._registry:
        meta = model._meta
        # Django's own user and group pages are not ours to tune; ours must stay N+1 free.
        with zeal_ignore() if meta.app_label == "auth" else nullcontext():
            _open_admin_pages(admin_client, model)


def _open_admin_pages(admin_client, model):
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200, changelist
    first = model._default_manager.first()
    if first is None:
        return
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
