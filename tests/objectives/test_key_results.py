"""Key results and check-ins: who sets and updates them, and how progress rolls up the tree."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from objectives import key_results
from objectives.models import CheckIn, Confidence, Direction, KeyResult, MetricKind, Objective, ObjectiveStatus
from objectives.progress import progress_of, recompute_all_progress, roll_up
from objectives.services import objective_set_status
from tests.factories import KeyResultFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db

decimals = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@given(start=decimals, target=decimals, value=decimals)
def test_progress_is_a_fraction_that_reaches_one_exactly_at_the_target(start, target, value):
    if start == target:
        return
    direction = Direction.INCREASE if target > start else Direction.DECREASE
    progress = progress_of(metric_kind=MetricKind.NUMBER, direction=direction, start=start, target=target, value=value)
    assert 0.0 <= progress <= 1.0
    reached = value >= target if direction == Direction.INCREASE else value <= target
    assert (progress == 1.0) == reached
    assert (progress == 0.0) == (value <= start if direction == Direction.INCREASE else value >= start)


def test_yes_or_no_and_within_bounds_are_all_or_nothing():
    assert progress_of(metric_kind=MetricKind.BOOLEAN, direction="increase", start=0, target=1, value=1) == 1.0
    assert progress_of(metric_kind=MetricKind.BOOLEAN, direction="increase", start=0, target=1, value=0) == 0.0
    within = {"metric_kind": MetricKind.NUMBER, "direction": Direction.WITHIN, "start": 10, "target": 20}
    assert progress_of(**within, value=Decimal(15)) == 1.0
    assert progress_of(**within, value=Decimal(21)) == 0.0


@pytest.fixture
def goal(org):
    root = ObjectiveFactory(title="Root", unit=org.company)
    return ObjectiveFactory(title="North goal", unit=org.north, parent=root)


def test_a_manager_sets_a_key_result_and_an_employee_cannot(goal, manager, employee):
    kr = key_results.key_result_create(
        by=manager,
        objective=goal,
        title="Lessons published",
        metric_kind=MetricKind.NUMBER,
        start_value=Decimal(0),
        target_value=Decimal(40),
    )
    assert kr.history.count() == 1
    with pytest.raises(PermissionDenied):
        key_results.key_result_create(
            by=employee,
            objective=goal,
            title="Mine",
            metric_kind=MetricKind.NUMBER,
            start_value=Decimal(0),
            target_value=Decimal(1),
        )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"direction": Direction.INCREASE, "start_value": Decimal(10), "target_value": Decimal(5)}, "target_value"),
        ({"direction": Direction.DECREASE, "start_value": Decimal(10), "target_value": Decimal(50)}, "target_value"),
        (
            {"metric_kind": MetricKind.PERCENTAGE, "start_value": Decimal(0), "target_value": Decimal(150)},
            "target_value",
        ),
        (
            {
                "metric_kind": MetricKind.CURRENCY,
                "start_value": Decimal(0),
                "target_value": Decimal(9),
                "currency": "€",
            },
            "currency",
        ),
    ],
)
def test_a_measure_that_cannot_move_as_it_says_is_refused_with_a_message(goal, manager, values, field):
    values = {"metric_kind": MetricKind.NUMBER, **values}
    with pytest.raises(ValidationError) as refused:
        key_results.key_result_create(by=manager, objective=goal, title="Bad", **values)
    assert field in refused.value.message_dict
    assert not KeyResult.objects.exists()


def test_yes_or_no_measures_get_their_fixed_scale(goal, manager):
    kr = key_results.key_result_create(
        by=manager,
        objective=goal,
        title="Charter signed",
        metric_kind=MetricKind.BOOLEAN,
        start_value=Decimal(7),
        target_value=None,
    )
    assert (kr.start_value, kr.target_value, kr.direction) == (0, 1, Direction.INCREASE)


def test_a_check_in_moves_the_key_result_and_rolls_progress_up_to_the_root(goal, manager, employee):
    kr = KeyResultFactory(objective=goal, owner=employee, start_value=0, target_value=40)
    key_results.check_in(by=employee, key_result=kr, value=Decimal(10), confidence=Confidence.AT_RISK, comment="Slow")
    kr.refresh_from_db()
    assert (kr.current_value, kr.confidence, kr.progress) == (10, Confidence.AT_RISK, 0.25)
    assert kr.last_check_in_at is not None
    goal.refresh_from_db()
    root = Objective.objects.get(pk=goal.parent_id)
    assert goal.progress == pytest.approx(0.25)
    assert root.progress == pytest.approx(0.25)
    assert CheckIn.objects.get().by == employee


def test_progress_is_weighted_by_key_results_and_counts_active_children(goal, manager):
    strong = KeyResultFactory(objective=goal, weight=3, start_value=0, target_value=10)
    weak = KeyResultFactory(objective=goal, weight=1, start_value=0, target_value=10)
    key_results.check_in(by=manager, key_result=strong, value=Decimal(10), confidence=Confidence.ON_TRACK)
    key_results.check_in(by=manager, key_result=weak, value=Decimal(0), confidence=Confidence.OFF_TRACK)
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(0.75)
    child = ObjectiveFactory(unit=goal.unit, parent=goal)
    child_kr = KeyResultFactory(objective=child, start_value=0, target_value=4)
    key_results.check_in(by=manager, key_result=child_kr, value=Decimal(2), confidence=Confidence.ON_TRACK)
    goal.refresh_from_db()
    # Own key results weigh 4 in all (0.75 average), the child weighs 1 (0.5).
    assert goal.progress == pytest.approx((0.75 * 4 + 0.5) / 5)
    objective_set_status(objective=child, by=manager, status=ObjectiveStatus.ARCHIVED)
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(0.75), "an archived sub-objective stops counting"


def test_only_the_owner_or_a_manager_checks_in(goal, employee, other_manager, outsider):
    kr = KeyResultFactory(objective=goal, owner=None)
    for person in (employee, other_manager, outsider):
        with pytest.raises(PermissionDenied):
            key_results.check_in(by=person, key_result=kr, value=Decimal(1), confidence=Confidence.ON_TRACK)
    assert not CheckIn.objects.exists()


def test_an_archived_objective_takes_no_check_in(goal, manager):
    kr = KeyResultFactory(objective=goal)
    Objective.objects.filter(pk=goal.pk).update(status=ObjectiveStatus.ARCHIVED)
    kr.refresh_from_db()
    with pytest.raises(ValidationError):
        key_results.check_in(by=manager, key_result=kr, value=Decimal(1), confidence=Confidence.ON_TRACK)


def test_a_yes_or_no_check_in_is_yes_or_no(goal, manager):
    kr = KeyResultFactory(objective=goal, metric_kind=MetricKind.BOOLEAN, start_value=0, target_value=1)
    with pytest.raises(ValidationError) as refused:
        key_results.check_in(by=manager, key_result=kr, value=Decimal(2), confidence=Confidence.ON_TRACK)
    assert "value" in refused.value.message_dict


def test_the_sweep_repair_finds_what_the_incremental_roll_up_keeps(org, executive):
    root = ObjectiveFactory(unit=org.company)
    a = ObjectiveFactory(unit=org.north, parent=root)
    b = ObjectiveFactory(unit=org.north, parent=root)
    a1 = ObjectiveFactory(unit=org.north, parent=a, status=ObjectiveStatus.DRAFT)
    for objective, value in ((a, 3), (b, 10), (a1, 5), (root, 1)):
        kr = KeyResultFactory(objective=objective, start_value=0, target_value=10)
        key_results.check_in(by=executive, key_result=kr, value=Decimal(value), confidence=Confidence.ON_TRACK)
    kept = dict(Objective.objects.values_list("pk", "progress"))
    assert recompute_all_progress() == 0
    Objective.objects.update(progress=None)
    assert recompute_all_progress() == 4
    assert dict(Objective.objects.values_list("pk", "progress")) == pytest.approx(kept)
    # a1 is a draft: it has progress of its own, but does not count for a.
    assert kept[a.pk] == pytest.approx(0.3)
    assert kept[root.pk] == pytest.approx((0.1 + 0.3 + 1.0) / 3)


def test_roll_up_of_a_vanished_objective_does_nothing(db):
    roll_up(987654)


# --- Pages ---------------------------------------------------------------------------------


def test_a_manager_adds_a_key_result_from_the_objective_page(client, goal, manager):
    client.force_login(manager)
    page = client.get(reverse("objectives:detail", args=[goal.pk]))
    assert reverse("objectives:key_result_new", args=[goal.pk]) in page.content.decode()
    response = client.post(
        reverse("objectives:key_result_new", args=[goal.pk]),
        {
            "title": "Lessons",
            "metric_kind": "number",
            "direction": "increase",
            "start_value": "0",
            "target_value": "40",
            "weight": "1",
            "currency": "",
        },
    )
    assert response.status_code == 302
    assert KeyResult.objects.get().title == "Lessons"


def test_a_bad_key_result_form_says_why_next_to_the_field(client, goal, manager):
    client.force_login(manager)
    response = client.post(
        reverse("objectives:key_result_new", args=[goal.pk]),
        {
            "title": "Lessons",
            "metric_kind": "number",
            "direction": "increase",
            "start_value": "50",
            "target_value": "40",
            "weight": "1",
        },
    )
    assert response.status_code == 422
    assert "the target must be above the start" in response.content.decode()
    assert not KeyResult.objects.exists()


def test_the_owner_checks_in_in_place_and_sees_the_card_move(client, goal, employee):
    kr = KeyResultFactory(objective=goal, owner=employee, start_value=0, target_value=10)
    client.force_login(employee)
    url = reverse("objectives:key_result_check_in", args=[kr.pk])
    response = client.post(
        url, {"value": "5", "confidence": "on_track", "comment": "Half way"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#key-result-{kr.pk}"
    body = response.content.decode()
    assert f'id="key-result-{kr.pk}"' in body
    assert 'value="50"' in body
    assert "<polyline" in body


def test_a_bad_check_in_stays_in_place_with_its_message(client, goal, employee):
    kr = KeyResultFactory(objective=goal, owner=employee)
    client.force_login(employee)
    url = reverse("objectives:key_result_check_in", args=[kr.pk])
    response = client.post(url, {"value": "lots", "confidence": "on_track"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "check-in-form" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_the_objective_page_costs_the_same_with_many_key_results_and_check_ins(
    client, goal, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    kr = KeyResultFactory(objective=goal)
    key_results.check_in(by=manager, key_result=kr, value=Decimal(1), confidence=Confidence.ON_TRACK)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("objectives:detail", args=[goal.pk]))
    for _ in range(6):
        more = KeyResultFactory(objective=goal)
        for value in range(3):
            key_results.check_in(by=manager, key_result=more, value=Decimal(value), confidence=Confidence.AT_RISK)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("objectives:detail", args=[goal.pk]))
    assert response.content.decode().count('class="key-result"') == 7


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(min_value=-5, max_value=50), min_size=1, max_size=15))
def test_a_sparkline_stays_inside_its_box(values):
    from objectives.selectors import sparkline_points

    points = sparkline_points([Decimal(v) for v in values], start=Decimal(0), target=Decimal(40))
    for pair in points.split():
        x, y = map(float, pair.split(","))
        assert 0 <= x <= 120
        assert 0 <= y <= 28
