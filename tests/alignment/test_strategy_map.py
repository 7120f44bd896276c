"""The strategy map: a bounded neighbourhood, laid out in layers, every box a link."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment import map_layout, selectors
from alignment.models import Flag, FlagKind
from objectives.models import ObjectiveStatus
from tests.factories import (
    MeansFactory,
    MeansObjectiveFactory,
    ObjectiveFactory,
    PracticeFactory,
    PracticeMeansFactory,
    PracticeObjectiveFactory,
)

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def strategy(org):
    root = ObjectiveFactory(title="Capitalise knowledge", unit=org.company, status=ObjectiveStatus.ACTIVE)
    north = ObjectiveFactory(title="North shares lessons", unit=org.north, parent=root, status=ObjectiveStatus.ACTIVE)
    south = ObjectiveFactory(title="South onboards fast", unit=org.south, parent=root, status=ObjectiveStatus.ACTIVE)
    deep = ObjectiveFactory(title="Retrospective per project", unit=org.north, parent=north)
    wiki = MeansFactory(name="Wiki", unit=org.north)
    MeansObjectiveFactory(means=wiki, objective=deep)
    retro = PracticeFactory(name="Retro page", unit=org.north)
    PracticeMeansFactory(practice=retro, means=wiki)
    PracticeObjectiveFactory(practice=retro, objective=deep)
    buddy = PracticeFactory(name="Buddy for newcomers", unit=org.south)
    PracticeObjectiveFactory(practice=buddy, objective=south)
    return {"root": root, "north": north, "south": south, "deep": deep, "wiki": wiki, "retro": retro, "buddy": buddy}


def _svg(client, **params):
    response = client.get(reverse("strategy_map_svg"), params)
    assert response.status_code == 200
    return response, ET.fromstring(response.content)  # noqa: S314 (our own response)


def test_every_box_is_a_link_with_its_full_title(client, executive, strategy):
    client.force_login(executive)
    response, svg = _svg(client)
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "attachment" in response["Content-Disposition"]
    links = svg.findall(f".//{SVG}a")
    hrefs = {link.get("href") for link in links}
    assert reverse("objectives:detail", args=[strategy["deep"].pk]) in hrefs
    assert reverse("practices:means_detail", args=[strategy["wiki"].pk]) in hrefs
    assert reverse("practices:practice_detail", args=[strategy["buddy"].pk]) in hrefs
    # Every box is a link and says what it is to a screen reader.
    assert len(links) == 4 + 1 + 2
    assert all(link.get("aria-label") for link in links)
    labels = {
        " ".join(span.text for span in text.findall(f"{SVG}tspan"))
        for text in svg.findall(f".//{SVG}g[@class='map-bands']/{SVG}text")
    }
    assert {"Strategic objectives", "Objectives, level 1", "Objectives, level 2", "Means", "Practices"} <= labels


def test_long_titles_are_wrapped_whole_inside_their_box(client, executive, org):
    title = "x" * 200
    ObjectiveFactory(title=title, unit=org.company, status=ObjectiveStatus.ACTIVE)
    client.force_login(executive)
    _response, svg = _svg(client)
    link = svg.find(f".//{SVG}a")
    lines = [span.text for span in link.findall(f".//{SVG}tspan")]
    assert "".join(lines) == title
    assert max(len(line) for line in lines) <= map_layout.WRAP
    rect = link.find(f"{SVG}rect")
    assert float(rect.get("height")) >= len(lines) * map_layout.LINE_H


def test_layers_stack_objectives_means_then_practices(client, executive, strategy):
    client.force_login(executive)
    drawing = client.get(reverse("strategy_map")).context["drawing"]
    y = {node.key: node.y for node in drawing.nodes}
    root, north, deep = (("objective", strategy[k].pk) for k in ("root", "north", "deep"))
    assert y[root] < y[north] < y[deep] < y[("means", strategy["wiki"].pk)] < y[("practice", strategy["retro"].pk)]


def test_layout_reduces_crossings():
    # Drawn in input order, a→m2 and b→m1 would cross; the layout uncrosses them.
    nodes = [
        map_layout.MapNode(("objective", 1), "objective", 0, "a", "/a"),
        map_layout.MapNode(("objective", 2), "objective", 0, "b", "/b"),
        map_layout.MapNode(("means", 1), "means", 1, "m1", "/m1"),
        map_layout.MapNode(("means", 2), "means", 1, "m2", "/m2"),
        map_layout.MapNode(("practice", 1), "practice", 2, "p1", "/p1"),
        map_layout.MapNode(("practice", 2), "practice", 2, "p2", "/p2"),
    ]
    edges = [
        map_layout.MapEdge(("objective", 1), ("means", 2)),
        map_layout.MapEdge(("objective", 2), ("means", 1)),
        map_layout.MapEdge(("objective", 1), ("means", 1)),
        map_layout.MapEdge(("means", 1), ("practice", 2)),
        map_layout.MapEdge(("means", 2), ("practice", 1)),
        map_layout.MapEdge(("objective", 2), ("practice", 2)),
    ]
    drawing = map_layout.layout(nodes, edges, {})
    x = {node.key: node.x for node in drawing.nodes}

    def crossings():
        count = 0
        for i, e in enumerate(edges):
            for f in edges[i + 1 :]:
                same_layers = {n.key: n.rank for n in nodes}
                if (same_layers[e.upper], same_layers[e.lower]) != (same_layers[f.upper], same_layers[f.lower]):
                    continue
                if (x[e.upper] - x[f.upper]) * (x[e.lower] - x[f.lower]) < 0:
                    count += 1
        return count

    assert crossings() == 0
    # Boxes never overlap within a layer.
    for rank in (0, 1, 2):
        xs = sorted(node.x for node in drawing.nodes if node.rank == rank)
        assert all(b - a >= map_layout.NODE_W for a, b in itertools.pairwise(xs))


def test_focus_on_an_objective_shows_its_chain_and_subtree_only(client, employee, strategy):
    client.force_login(employee)
    response = client.get(reverse("strategy_map"), {"objective": strategy["north"].pk})
    data = response.context["map"]
    titles = [o.title for o in data.objectives]
    assert titles == ["Capitalise knowledge", "North shares lessons", "Retrospective per project"]
    assert [p.name for p in data.practices] == ["Retro page"]  # not the south's buddy practice
    assert "map-node--focus" in response.content.decode()


def test_focus_on_a_unit_and_htmx_fragment(client, manager, strategy, org):
    client.force_login(manager)
    fragment = client.get(reverse("strategy_map"), {"unit": org.south.pk}, **HTMX).content.decode()
    assert "<html" not in fragment
    assert "South onboards fast" in fragment
    assert "Buddy for newcomers" in fragment
    assert "Retro page" not in fragment


def test_a_manager_starts_on_their_own_unit(client, manager, strategy, org):
    client.force_login(manager)
    response = client.get(reverse("strategy_map"))
    assert response.context["map"].focus_unit == org.north
    assert "Retro page" in response.content.decode()
    assert "Buddy for newcomers" not in response.content.decode()


def test_flagged_records_are_marked(client, executive, strategy):
    Flag.objects.create(kind=FlagKind.UNRESOURCED_OBJECTIVE, objective=strategy["south"], raised_at=timezone.now())
    client.force_login(executive)
    _response, svg = _svg(client)
    flagged = [a for a in svg.findall(f".//{SVG}a") if "map-node--flagged" in a.get("class")]
    assert [a.get("href") for a in flagged] == [reverse("objectives:detail", args=[strategy["south"].pk])]
    assert "(flagged)" in flagged[0].get("aria-label")


def test_the_map_is_capped_and_says_what_was_left_out(client, executive, org, strategy):
    for index in range(5):
        practice = PracticeFactory(name=f"Extra {index}", unit=org.north)
        PracticeObjectiveFactory(practice=practice, objective=strategy["deep"])
    data = selectors.strategy_map(caps={"objectives": 2})
    assert len(data.objectives) == 2
    assert data.more["objectives"] and data.truncated
    data = selectors.strategy_map(objective_id=strategy["deep"].pk, caps={"practices": 3})
    assert len(data.practices) == 3
    assert data.more["practices"] and not data.more["objectives"]
    client.force_login(executive)
    page = client.get(reverse("strategy_map"), {"objective": strategy["deep"].pk}).content.decode()
    assert "Not everything fits on one map" not in page  # 6 practices: under the cap


def test_query_count_does_not_grow_with_the_organisation(client, executive, org, strategy):
    client.force_login(executive)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("strategy_map")).status_code == 200
        return len(queries)

    before = count()
    for index in range(60):
        goal = ObjectiveFactory(title=f"Goal {index}", unit=org.north, parent=strategy["north"])
        practice = PracticeFactory(name=f"Practice {index}", unit=org.north)
        PracticeObjectiveFactory(practice=practice, objective=goal)
        means = MeansFactory(name=f"Means {index}", unit=org.north)
        MeansObjectiveFactory(means=means, objective=goal)
        PracticeMeansFactory(practice=practice, means=means)
    assert count() == before
    drawing = client.get(reverse("strategy_map")).context["drawing"]
    bound = sum(selectors.MAP_CAPS.values()) + 2 * selectors.MAP_FLAGGED_EXTRA
    assert len(drawing.nodes) <= bound


def test_unknown_focus_is_not_an_error(client, employee, strategy):
    client.force_login(employee)
    assert client.get(reverse("strategy_map"), {"objective": "999999"}).status_code == 200
    assert client.get(reverse("strategy_map"), {"objective": "²"}).status_code == 200
    assert client.get(reverse("strategy_map_svg"), {"unit": "nope"}).status_code == 200


def test_svg_export_needs_sign_in(client, strategy):
    assert client.get(reverse("strategy_map_svg")).status_code == 302
