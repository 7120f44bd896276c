"""Subsidiarity: a question is answered where it arises, and climbs only when nobody there answers."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from alignment import questions
from alignment.models import Notification, NotificationKind, Question, QuestionStatus
from alignment.tasks import escalate_questions_task
from org.models import Role
from tests.factories import MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def practice(org):
    return PracticeFactory(name="Weekly demo", unit=org.north_team)


@pytest.fixture
def team_lead(org):
    lead = UserFactory(username="team-lead")
    MembershipFactory(user=lead, unit=org.north_team, role=Role.MANAGER)
    return lead


def test_a_question_goes_to_the_managers_of_the_records_unit(practice, employee, team_lead, manager):
    question = questions.ask(by=employee, subject=practice, text="Why on Fridays?")
    assert question.unit == practice.unit
    told = set(Notification.objects.filter(kind=NotificationKind.QUESTION).values_list("recipient", flat=True))
    assert told == {team_lead.pk}, "the division's manager is not bothered yet"
    assert [h.unit_id for h in question.handovers.all()] == [practice.unit_id]


def test_a_unit_without_managers_passes_the_question_straight_up(org, practice, employee, manager):
    question = questions.ask(by=employee, subject=practice, text="Why on Fridays?")
    assert question.unit == org.north
    assert [(h.unit_id, h.escalated) for h in question.handovers.all()] == [
        (org.north_team.pk, False),
        (org.north.pk, True),
    ]
    assert Notification.objects.filter(recipient=manager, question=question).exists()


def test_the_unit_answers_and_the_asker_is_told(practice, employee, team_lead):
    question = questions.ask(by=employee, subject=practice, text="Why on Fridays?")
    with pytest.raises(PermissionDenied):
        questions.answer(by=employee, question=question, text="Because.")
    questions.answer(by=team_lead, question=question, text="Everyone is in the office.")
    question.refresh_from_db()
    assert (question.status, question.answered_by) == (QuestionStatus.ANSWERED, team_lead)
    assert Notification.objects.filter(recipient=employee, kind=NotificationKind.ANSWER, question=question).exists()
    with pytest.raises(ValidationError):
        questions.answer(by=team_lead, question=question, text="Again")


def test_unanswered_it_climbs_once_per_delay_and_the_history_shows_it(
    org, practice, employee, team_lead, manager, executive, settings
):
    settings.QUESTION_ESCALATION_DAYS = 5
    question = questions.ask(by=employee, subject=practice, text="Why on Fridays?")
    assert questions.escalate_due() == 0, "not due yet"
    later = timezone.now() + timedelta(days=6)
    assert questions.escalate_due(now=later) == 1
    assert questions.escalate_due(now=later) == 0, "one step per delay, however often the task runs"
    question.refresh_from_db()
    assert question.unit == org.north
    assert Notification.objects.filter(recipient=manager, question=question).exists()
    assert questions.escalate_due(now=later + timedelta(days=6)) == 1
    question.refresh_from_db()
    assert question.unit == org.company
    assert [h.unit_id for h in question.handovers.all()] == [org.north_team.pk, org.north.pk, org.company.pk]
    # The company has no unit above: it stays there until answered.
    assert questions.escalate_due(now=later + timedelta(days=60)) == 0
    # Answering at the top closes it for everyone below.
    questions.answer(by=executive, question=question, text="Decided at company level.")
    assert not Question.objects.filter(status=QuestionStatus.OPEN).exists()


def test_the_periodic_task_escalates_and_can_run_twice(practice, employee, team_lead, manager, settings):
    settings.QUESTION_ESCALATION_DAYS = 1
    question = questions.ask(by=employee, subject=practice, text="Why?")
    Question.objects.filter(pk=question.pk).update(handed_at=timezone.now() - timedelta(days=2))
    assert escalate_questions_task.apply().get() == 1
    assert escalate_questions_task.apply().get() == 0


def test_asking_from_the_page_and_answering_in_the_browser(client, practice, employee, team_lead):
    client.force_login(employee)
    url = reverse("question_ask") + f"?kind=practice&id={practice.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Weekly demo" in page.content.decode()
    empty = client.post(reverse("question_ask"), {"subject_kind": "practice", "subject_id": practice.pk, "text": " "})
    assert empty.status_code == 422
    assert not Question.objects.exists()
    sent = client.post(
        reverse("question_ask"), {"subject_kind": "practice", "subject_id": practice.pk, "text": "Why Fridays?"}
    )
    question = Question.objects.get()
    assert sent["Location"] == reverse("question_detail", args=[question.pk])
    assert client.post(reverse("question_answer", args=[question.pk]), {"text": "x"}).status_code == 403
    client.force_login(team_lead)
    assert "Why Fridays?" in client.get(reverse("questions")).content.decode()
    response = client.post(reverse("question_answer", args=[question.pk]), {"text": "Quiet day."})
    assert response.status_code == 302
    assert "Quiet day." in client.get(reverse("question_detail", args=[question.pk])).content.decode()


@pytest.mark.parametrize(
    "query", ["?kind=nothing&id=1", "?kind=practice&id=999999", "?kind=practice&id=%C2%B2", "", "?kind=flag&id=a%00b"]
)
def test_asking_about_nothing_is_a_404_not_an_error(client, employee, query):
    client.force_login(employee)
    assert client.get(reverse("question_ask") + query).status_code == 404


def test_a_nul_byte_in_a_question_is_refused_next_to_the_field(client, practice, employee):
    client.force_login(employee)
    response = client.post(
        reverse("question_ask"), {"subject_kind": "practice", "subject_id": practice.pk, "text": "a\x00b"}
    )
    assert response.status_code == 422
    assert not Question.objects.exists()


def test_a_flag_nobody_handles_climbs_a_unit_per_delay_and_its_managers_are_told(org, manager, executive, settings):
    from alignment import engine
    from alignment.models import Flag

    settings.FLAG_ESCALATION_DAYS = 14
    orphan = PracticeFactory(name="Lone habit", unit=org.north_team, status="active")
    engine.run()
    flag = Flag.objects.get(practice=orphan)
    assert questions.escalate_flags() == 0
    later = timezone.now() + timedelta(days=15)
    assert questions.escalate_flags(now=later) == 1
    assert questions.escalate_flags(now=later) == 0, "one unit per delay"
    flag.refresh_from_db()
    assert flag.escalation_level == 1
    told = Notification.objects.get(kind=NotificationKind.FLAG_ESCALATION)
    assert (told.recipient, told.count) == (manager, 1)
    assert questions.escalate_flags(now=later + timedelta(days=15)) == 1
    assert Notification.objects.filter(kind=NotificationKind.FLAG_ESCALATION, recipient=executive).exists()
    # At the top it stays; acknowledging or resolving stops it anywhere.
    assert questions.escalate_flags(now=later + timedelta(days=60)) == 0
