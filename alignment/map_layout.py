"""Layered drawing of the strategy map: geometry only, no database, no templates.

Boxes sit in fixed layers (objectives by level, then means, then practices); within a
layer, grandalf's Sugiyama layout orders them to reduce edge crossings (barycentre
sweeps, long edges through dummy points) and places them (Brandes–Köpf). Titles are
wrapped whole into the boxes, so a box's height follows its text.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import Layer, SugiyamaLayout, VertexViewer

NODE_W = 196
LINE_H = 15
PAD = 8
#: Characters per line at 12px in a NODE_W box (a conservative average width).
WRAP = 26
GUTTER = 132  # left margin for the layer labels
GAP_X = 24
GAP_Y = 56
MARGIN = 16
#: Sweeps of crossing reduction (grandalf's draw(N)); more buys little on capped maps.
SWEEPS = 3


@dataclass
class MapNode:
    key: tuple[str, int]
    kind: str
    rank: int
    title: str
    href: str
    flagged: bool = False
    orphan: bool = False
    focus: bool = False
    note: str = ""
    # Filled by layout():
    x: float = 0
    y: float = 0
    w: float = NODE_W
    h: float = 0
    lines: list[dict] = field(default_factory=list)
    note_y: float = 0


@dataclass
class MapEdge:
    upper: tuple[str, int]
    lower: tuple[str, int]
    path: str = ""


@dataclass
class MapLayerBand:
    rank: int
    label: str
    y: float = 0
    h: float = 0
    label_y: float = 0
    lines: list[dict] = field(default_factory=list)


@dataclass
class Drawing:
    nodes: list[MapNode]
    edges: list[MapEdge]
    layers: list[MapLayerBand]
    width: float = 0
    height: float = 0


def wrap_title(title: str) -> list[str]:
    # Long words (a 200-character title without spaces) are cut too: nothing leaves its box.
    return textwrap.wrap(title, WRAP, break_long_words=True, break_on_hyphens=True) or [""]


def _node_height(node: MapNode) -> float:
    extra = 1 if (node.flagged or node.note) else 0
    return 2 * PAD + (len(wrap_title(node.title)) + extra) * LINE_H


def layout(nodes: list[MapNode], edges: list[MapEdge], labels: dict[int, str]) -> Drawing:
    """Place ``nodes`` (their ``rank`` is their layer) and route ``edges`` (upper → lower)."""
    by_key = {node.key: node for node in nodes}
    edges = [
        e for e in edges if e.upper in by_key and e.lower in by_key and by_key[e.upper].rank < by_key[e.lower].rank
    ]
    if not nodes:
        return Drawing([], [], [])
    vertices = {}
    for node in nodes:
        node.h = _node_height(node)
        vertex = Vertex(node.key)
        vertex.view = VertexViewer(w=NODE_W, h=node.h)
        vertices[node.key] = vertex
    graph_edges = {}
    for edge in edges:
        graph_edges[(edge.upper, edge.lower)] = Edge(vertices[edge.upper], vertices[edge.lower])
    graph = Graph(list(vertices.values()), list(graph_edges.values()))

    dummies: dict[tuple, dict[int, float]] = {}  # edge → rank → x of its bend point
    offset_x = GUTTER
    # Each connected part is laid out on its own and set beside the others, largest first.
    components = sorted(graph.C, key=lambda core: -len(core.sV))
    for core in components:
        ranks = {v: by_key[v.data].rank for v in core.sV}
        low = min(ranks.values())
        sugiyama = SugiyamaLayout(core)
        sugiyama.xspace, sugiyama.yspace = GAP_X, GAP_Y
        # Bend points are thin: they should not push boxes apart like a box would.
        sugiyama.dw = 12
        sugiyama.alt_e = []
        # Ranks are ours (the three layers of the strategy), not grandalf's longest path.
        sugiyama.layers = [Layer([]) for _ in range(max(ranks.values()) - low + 1)]
        for vertex in core.sV:
            sugiyama.grx[vertex].rank = ranks[vertex] - low
            sugiyama.layers[ranks[vertex] - low].append(vertex)
        for edge in core.E():
            sugiyama.setdummies(edge)
        for layer in sugiyama.layers:
            layer.setup(sugiyama)
        sugiyama.initdone = True
        sugiyama.draw(SWEEPS)
        xs = [v.view.xy[0] - v.view.w / 2 for layer in sugiyama.layers for v in layer]
        xe = [v.view.xy[0] + v.view.w / 2 for layer in sugiyama.layers for v in layer]
        shift = offset_x - min(xs)
        for vertex in core.sV:
            by_key[vertex.data].x = round(vertex.view.xy[0] - NODE_W / 2 + shift, 1)
        for edge, ctrl in sugiyama.ctrls.items():
            upper, lower = edge.v[0].data, edge.v[1].data
            dummies[(upper, lower)] = {
                rank + low: round(point.view.xy[0] + shift, 1)
                for rank, point in ctrl.items()
                if not isinstance(point, Vertex)
            }
        offset_x += max(xe) - min(xs) + GAP_X * 2

    # Rows: every box of a layer starts at the same height; the layer is as tall as its tallest box.
    all_ranks = sorted({node.rank for node in nodes} | {r for bends in dummies.values() for r in bends})
    row_h = dict.fromkeys(all_ranks, LINE_H)
    for node in nodes:
        row_h[node.rank] = max(row_h[node.rank], node.h)
    for rank, label in labels.items():
        if rank in row_h:  # the layer's name fits beside its boxes
            row_h[rank] = max(row_h[rank], len(wrap_label(label)) * LINE_H + 4)
    top, row_top = GAP_Y / 2, {}
    for rank in all_ranks:
        row_top[rank] = top
        top += row_h[rank] + GAP_Y
    height = top - GAP_Y / 2
    for node in nodes:
        node.y = row_top[node.rank]
        node.lines = [
            {"x": node.x + PAD, "y": node.y + PAD + 11 + i * LINE_H, "text": text}
            for i, text in enumerate(wrap_title(node.title))
        ]
        node.note_y = node.y + PAD + 11 + len(node.lines) * LINE_H
    for edge in edges:
        upper, lower = by_key[edge.upper], by_key[edge.lower]
        points = [(upper.x + NODE_W / 2, upper.y + upper.h)]
        for rank, x in sorted(dummies.get((edge.upper, edge.lower), {}).items()):
            points.append((x, row_top[rank]))
            points.append((x, row_top[rank] + row_h[rank]))
        points.append((lower.x + NODE_W / 2, lower.y))
        edge.path = _curve(points)
    bands = []
    for rank in all_ranks:
        if rank in labels:
            bands.append(
                MapLayerBand(
                    rank,
                    labels[rank],
                    y=row_top[rank] - GAP_Y / 2 + 4,
                    h=row_h[rank] + GAP_Y - 8,
                    label_y=row_top[rank] + 14,
                    lines=[
                        {"y": row_top[rank] + 14 + i * LINE_H, "text": text}
                        for i, text in enumerate(wrap_label(labels[rank]))
                    ],
                )
            )
    width = max(node.x + NODE_W for node in nodes) + MARGIN
    return Drawing(nodes, edges, bands, width=round(width), height=round(height))


def _curve(points: list[tuple[float, float]]) -> str:
    """An SVG path through the points: straight down through layers, S-curves between them."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        if x1 == x0:
            parts.append(f"L{x1:.1f},{y1:.1f}")
        else:
            middle = (y0 + y1) / 2
            parts.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(parts)


def wrap_label(label: str, width: int = 16) -> list[str]:
    return textwrap.wrap(label, width, break_long_words=True) or [""]
