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
    # The live path's re-checks run on commit, never inside this rolled-back test.
    flag = Flag.objects.create(
        kind=FlagKind.ORPHAN_PRACTICE,
        practice=orphan,
        raised_at=timezone.now(),
        acknowledged_at=timezone.now(),
        acknowledged_by=person,
        acknowledgement_reason=PAYLOAD,
    )
    Notification.objects.get_or_create(recipient=person, flag=flag)
    # An open flag too: the inbox's default (open) list, page and fragment, shows it.
    idle = MeansFactory(name=f"Idle {PAYLOAD}", description=PAYLOAD, unit=unit, owner=person)
    open_flag = Flag.objects.create(kind=FlagKind.PURPOSELESS_MEANS, means=idle, raised_at=timezone.now())
    Notification.objects.create(recipient=person, flag=open_flag)
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
        # Escaped, not dropped: people still see exactly what was typed, in every page
        # and every fragment (an empty fragment would pass the checks above).
        assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html, f"{url} shows no poisoned record"
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html, url
        # Typed template syntax is shown, never evaluated.
        assert "{{ 7|add:7 }}" in html, url


@pytest.mark.django_db
def test_poisoned_notification_shows_as_text_on_the_dashboard(client, poisoned):
    client.force_login(poisoned["person"])
    html = client.get(reverse("dashboard")).content.decode()
    # The notifications card alone, so the check cannot be met by another card.
    card = html[html.index('id="notif-title"') :]
    card = card[: card.index("</section>")]
    escaped = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
    assert f"Orphan {escaped}" in card
    assert f"Idle {escaped}" in card
    for marker in LIVE_MARKERS:
        assert marker not in card
