"""Every free-text field stays inert wherever Raison shows it.

A payload with a script, an event handler and htmx attributes is saved in each field
a person can type into; every page that shows those records must render it as text.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment.models import Flag, FlagKind, Notification
from objectives.models import ObjectiveStatus
from org.models import Role
from practices.models import PracticeStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    MembershipFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
    UnitFactory,
    UserFactory,
)

PAYLOAD = (
    '<script>alert("xss")</script><img src=x onerror="alert(1)">'
    '<a hx-get="/admin/" hx-trigger="load" hx-target="body">x</a>{{ 7|add:7 }}'
)
LIVE_MARKERS = ("<script>alert", "<img src=x", 'onerror="alert', 'hx-get="/admin/"', 'hx-trigger="load"')


@pytest.fixture
def poisoned(db):
    unit = UnitFactory(name=f"Unit {PAYLOAD}", code="poison")
    person = UserFactory(username="poison", first_name=PAYLOAD, last_name=PAYLOAD)
    MembershipFactory(user=person, unit=unit, role=Role.EXECUTIVE)
    root = ObjectiveFactory(title=f"Root {PAYLOAD}", statement=PAYLOAD, unit=unit, owner=person)
    child = ObjectiveFactory(
        title=f"Child {PAYLOAD}",
        statement=PAYLOAD,
        unit=unit,
        parent=root,
        owner=person,
        status=ObjectiveStatus.ACTIVE,
    )
    means = MeansFactory(name=f"Tool {PAYLOAD}", description=PAYLOAD, unit=unit, owner=person)
    practice = PracticeFactory(name=f"Practice {PAYLOAD}", description=PAYLOAD, unit=unit, owner=person)
    proposal = PracticeFactory(
        name=f"Proposal {PAYLOAD}",
        description=PAYLOAD,
        unit=unit,
        proposed_by=person,
        status=PracticeStatus.PROPOSED,
    )
    declined = PracticeFactory(
        name=f"Declined {PAYLOAD}",
        unit=unit,
        proposed_by=person,
        status=PracticeStatus.DECLINED,
        decision_reason=PAYLOAD,
    )
    PracticeObjectiveFactory(practice=practice, objective=child, rationale=PAYLOAD, created_by=person)
    PracticeMeansFactory(practice=practice, means=means, rationale=PAYLOAD, created_by=person)
    MeansObjectiveFactory(means=means, objective=child, rationale=PAYLOAD, created_by=person)
    orphan = PracticeFactory(name=f"Orphan {PAYLOAD}", unit=unit, owner=person)
    flag = Flag.objects.filter(practice=orphan, kind=FlagKind.ORPHAN_PRACTICE, resolved_at=None).first()
    if flag is None:
        flag = Flag.objects.create(kind=FlagKind.ORPHAN_PRACTICE, practice=orphan, raised_at=timezone.now())
    Flag.objects.filter(pk=flag.pk).update(
        acknowledged_at=timezone.now(), acknowledged_by=person, acknowledgement_reason=PAYLOAD
    )
    Notification.objects.get_or_create(recipient=person, flag=flag)
    return {
        "person": person,
        "root": root,
        "child": child,
        "means": means,
        "practice": practice,
        "proposal": proposal,
        "declined": declined,
        "flag": flag,
    }


def _pages(p) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("flags_inbox"),
        reverse("flags_inbox") + "?state=acknowledged",
        reverse("flag_detail", args=[p["flag"].pk]),
        reverse("strategy_map"),
        reverse("notifications"),
        reverse("objectives:tree"),
        reverse("objectives:list"),
        reverse("objectives:list") + "?q=Root",
        reverse("objectives:detail", args=[p["root"].pk]),
        reverse("objectives:detail", args=[p["child"].pk]),
        reverse("objectives:children", args=[p["root"].pk]),
        reverse("objectives:edit", args=[p["child"].pk]),
        reverse("objectives:reparent", args=[p["child"].pk]),
        reverse("objectives:search") + "?q=Child",
        reverse("practices:practice_list"),
        reverse("practices:practice_detail", args=[p["practice"].pk]),
        reverse("practices:practice_edit", args=[p["practice"].pk]),
        reverse("practices:means_list"),
        reverse("practices:means_detail", args=[p["means"].pk]),
        reverse("practices:means_edit", args=[p["means"].pk]),
        reverse("practices:means_search") + "?q=Tool",
        reverse("practices:proposals"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_free_text_renders_as_text_everywhere(client, poisoned, htmx):
    client.force_login(poisoned["person"])
    headers = {"HX-Request": "true"} if htmx else {}
    for url in _pages(poisoned):
        response = client.get(url, headers=headers, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        for marker in LIVE_MARKERS:
            assert marker not in html, f"{url} renders {marker!r} live"
        # Escaped, not dropped: people still see exactly what was typed.
        if not htmx and "search" not in url:
            assert "&lt;script&gt;" in html, f"{url} shows none of the poisoned records"
            # Typed template syntax is shown, never evaluated.
            assert "{{ 7|add:7 }}" in html, url


@pytest.mark.django_db
def test_poisoned_notification_shows_as_text_on_the_dashboard(client, poisoned):
    client.force_login(poisoned["person"])
    html = client.get(reverse("dashboard")).content.decode()
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html or "&lt;script&gt;alert(" in html
