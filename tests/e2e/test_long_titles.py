"""A 200-character title without spaces (the form allows it) never widens a page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from alignment.models import Flag, FlagKind, Notification
from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, MeansKind, Practice
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG = "Ü" * 200


def _long_records():
    from django.contrib.auth import get_user_model

    claire = get_user_model().objects.get(username="claire")
    parent = Objective.objects.filter(parent__isnull=True).order_by("pk").first()
    root = Objective.objects.create(
        title="R" + LONG[1:], statement=LONG, unit=parent.unit, status=ObjectiveStatus.ACTIVE, owner=claire
    )
    child = Objective.objects.create(
        title="C" + LONG[1:], statement=LONG, unit=parent.unit, parent=root, status=ObjectiveStatus.ACTIVE
    )
    practice = Practice.objects.create(name="P" + LONG[1:], description=LONG, unit=parent.unit, owner=claire)
    means = Means.objects.create(
        name="M" + LONG[1:], description=LONG, unit=parent.unit, owner=claire, kind=MeansKind.TECHNICAL
    )
    # The live engine may have raised it already.
    flag, _created = Flag.objects.get_or_create(
        kind=FlagKind.ORPHAN_PRACTICE, practice=practice, resolved_at=None, defaults={"raised_at": timezone.now()}
    )
    Notification.objects.get_or_create(recipient=claire, flag=flag)
    return root, child, practice, means, flag


WIDEST = """(width) => [...document.querySelectorAll('body *')]
  .filter((el) => el.getBoundingClientRect().right > width + 1 && ![...el.children].some(
      (c) => c.getBoundingClientRect().right > width + 1))
  .slice(0, 4).map((el) => el.tagName + '.' + el.className + '#' + el.id)"""


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_no_page_is_wider_than_the_screen(new_page, demo, width, height):
    root, child, practice, means, flag = _long_records()
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "claire")
    urls = [
        "/",
        "/objectives/",
        "/objectives/list/",
        f"/objectives/{root.pk}/",
        f"/objectives/{child.pk}/",
        f"/objectives/{child.pk}/edit/",
        f"/objectives/{child.pk}/reparent/",
        "/practices/",
        f"/practices/{practice.pk}/",
        "/practices/means/",
        f"/practices/means/{means.pk}/",
        "/flags/?scope=all",
        f"/flags/{flag.pk}/",
        "/notifications/",
        "/map/",
    ]
    too_wide = {}
    for url in urls:
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            # Name the culprits: the innermost elements sticking out of the screen.
            too_wide[url] = (scroll_width, page.evaluate(WIDEST, width))
    assert not too_wide, f"pages wider than {width}px: {too_wide}"
