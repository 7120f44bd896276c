"""Owners hear about new flags once: in the app always, by e-mail when a server is configured."""

from __future__ import annotations

import pytest
from django.core import mail

from alignment import engine, notify
from alignment.models import Flag, FlagKind, Notification
from practices.models import PracticeObjective
from tests.factories import MeansFactory, PracticeFactory, PracticeObjectiveFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_on(settings):
    settings.RAISON_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_each_raised_flag_notifies_its_owner_once(graph):
    PracticeObjective.objects.filter(practice=graph.first).delete()
    tool = MeansFactory(name="Parallel intranet", owner=graph.owner)
    engine.run()
    engine.run()
    assert sorted(Notification.objects.values_list("flag__kind", "recipient__username")) == [
        ("orphan_practice", "owner"),
        ("purposeless_means", "owner"),
    ]
    assert Notification.objects.get(flag__means=tool).read_at is None


def test_records_without_owner_notify_nobody(graph):
    PracticeFactory(name="Nobody's", owner=None)
    engine.run()
    assert Flag.objects.count() == 1
    assert not Notification.objects.exists()


def test_a_flag_raised_again_after_resolution_is_announced_again(graph):
    link = PracticeObjective.objects.get(practice=graph.first)
    link.delete()
    engine.run()
    PracticeObjectiveFactory(practice=graph.first, objective=graph.leaf)
    engine.run()
    PracticeObjective.objects.filter(practice=graph.first).delete()
    engine.run()
    assert Flag.objects.filter(practice=graph.first).count() == 2
    assert Notification.objects.filter(recipient=graph.owner).count() == 2


def test_no_mail_without_a_mail_server(graph, settings):
    settings.RAISON_EMAIL_ENABLED = False
    PracticeFactory(name="Lone", owner=graph.owner)
    engine.run()
    assert mail.outbox == []
    assert Notification.objects.get().emailed_at is None


def test_one_digest_per_owner_and_never_twice(graph, email_on):
    other = UserFactory(username="other", email="other@example.org")
    PracticeFactory(name="Lone one", owner=graph.owner)
    PracticeFactory(name="Lone two", owner=graph.owner)
    MeansFactory(name="Parallel intranet", owner=other)
    engine.run()
    assert sorted(m.to[0] for m in mail.outbox) == ["other@example.org", "owner@example.org"]
    digest = next(m for m in mail.outbox if m.to == ["owner@example.org"])
    assert "2 new alignment flags" in digest.subject
    assert "Lone one" in digest.body and "Lone two" in digest.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()

    engine.run()
    assert len(mail.outbox) == 2


def test_owner_without_an_address_gets_the_in_app_notice_only(graph, email_on):
    silent = UserFactory(username="silent", email="")
    PracticeFactory(name="Quiet", owner=silent)
    engine.run()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=silent).exists()


def test_a_failed_mail_gives_the_claim_back(graph, email_on, monkeypatch, caplog):
    def down(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    PracticeFactory(name="Lone", owner=graph.owner)
    engine.run()
    assert Notification.objects.get().emailed_at is None
    assert "could not e-mail" in caplog.text


def test_long_digests_are_cut_with_a_pointer_to_the_inbox(graph, email_on, monkeypatch):
    monkeypatch.setattr(notify, "EMAIL_LINES", 2)
    for i in range(4):
        PracticeFactory(name=f"Lone {i}", owner=graph.owner)
    engine.run()
    (digest,) = mail.outbox
    assert digest.body.count("\n- ") == 2
    assert "2 more" in digest.body


def test_notification_sql_is_set_based(graph, django_assert_max_num_queries):
    for i in range(30):
        PracticeFactory(name=f"Lone {i}", owner=graph.owner)
    # One statement per rule (plus savepoints and the day's counters), then the dashboard's
    # figures: whatever the number of flags.
    with django_assert_max_num_queries(66):
        engine.run()
    # One digest for the owner, not thirty messages.
    digest = Notification.objects.get()
    assert (digest.recipient, digest.kind, digest.count) == (graph.owner, "flag_digest", 30)
    assert Flag.objects.filter(kind=FlagKind.ORPHAN_PRACTICE).count() == 30
