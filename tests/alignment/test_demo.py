import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from alignment.demo import DEMO_PASSWORD, load_demo
from objectives.models import Objective
from org.models import Membership, Unit
from practices.models import Means, MeansObjective, Practice, PracticeObjective, PracticeStatus


def _counts():
    return tuple(
        model.objects.count()
        for model in (Unit, Membership, Objective, Means, Practice, PracticeObjective, MeansObjective)
    )


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_nothing_the_second_time():
    assert load_demo("en") is True
    first = _counts()
    assert load_demo("en") is False
    assert _counts() == first


@pytest.mark.django_db
def test_demo_tells_the_story_with_an_orphan_practice_and_a_purposeless_tool():
    load_demo("en")
    orphan = Practice.objects.get(name__startswith="Each team keeps its own shared folder")
    assert orphan.status == PracticeStatus.ACTIVE
    assert not orphan.objective_links.exists()
    chat = Means.objects.get(name="Team chat rooms")
    assert not chat.objective_links.exists()
    assert Objective.objects.filter(parent__isnull=True, status="active").count() == 2
    assert Practice.objects.filter(status=PracticeStatus.PROPOSED, proposed_by__username="sophie").exists()


@pytest.mark.django_db
def test_demo_exists_in_french():
    load_demo("fr")
    assert Objective.objects.filter(title="Capitaliser et réutiliser les bonnes pratiques entre les équipes").exists()
    assert Means.objects.filter(name="Réseau social d'entreprise").exists()


@pytest.mark.django_db
def test_demo_logins_can_sign_in(rf):
    load_demo("en")
    for username in ("claire", "marc", "sophie", "admin"):
        user = authenticate(rf.post("/accounts/login/"), username=username, password=DEMO_PASSWORD)
        assert user is not None and user.username == username


@pytest.mark.django_db
def test_load_demo_command_prints_the_logins(capsys):
    call_command("load_demo", language="en")
    call_command("load_demo", language="en")
    out = capsys.readouterr().out
    assert "already present" in out
    for username in ("claire", "marc", "sophie"):
        assert username in out


@pytest.mark.django_db
def test_load_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo")
    assert not Unit.objects.exists()


@pytest.mark.django_db
def test_the_demo_is_flagged_as_soon_as_it_is_loaded(eager_tasks, django_capture_on_commit_callbacks):
    from alignment.models import Flag, FlagKind

    with django_capture_on_commit_callbacks(execute=True):
        load_demo("en")
    open_flags = {(flag.kind, str(flag.subject)) for flag in Flag.objects.open()}
    assert (FlagKind.ORPHAN_PRACTICE, "Each team keeps its own shared folder of templates") in open_flags
    assert (FlagKind.PURPOSELESS_MEANS, "Team chat rooms") in open_flags


@pytest.mark.django_db
def test_load_demo_prints_the_address_it_is_given(capsys):
    call_command("load_demo", language="en", url="http://127.0.0.1:8101/")
    out = capsys.readouterr().out
    assert "sign in at http://127.0.0.1:8101/" in out
    call_command("load_demo", language="en")
    assert ":8000" not in capsys.readouterr().out  # no made-up port when none is given


@pytest.mark.django_db
def test_the_embedded_default_logs_no_broker_warning(caplog, eager_tasks, django_capture_on_commit_callbacks):
    import logging

    from alignment.tasks import recheck_task

    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        recheck_task.delay()
    assert not [r for r in caplog.records if r.name.startswith("kombu")], caplog.text


@pytest.mark.django_db
def test_load_demo_follows_a_french_system(monkeypatch, capsys):
    monkeypatch.delenv("LANGUAGE_CODE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    call_command("load_demo")
    assert "(fr)" in capsys.readouterr().out
    assert Means.objects.filter(name="Réseau social d'entreprise").exists()


@pytest.mark.django_db
def test_load_demo_prefers_language_code_and_falls_back_to_english(monkeypatch, capsys):
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.delenv("LANGUAGE_CODE", raising=False)
    call_command("load_demo")
    assert "(en)" in capsys.readouterr().out
