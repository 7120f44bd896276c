"""Recursive-CTE expressions over parent-linked tables (units, objectives).

They return ``RawSQL`` usable as ``pk__in=...`` so a whole subtree or chain is one
query on SQLite and PostgreSQL alike, whatever the depth.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.expressions import RawSQL


def _id_list(ids: Iterable[int]) -> list[int]:
    return [int(i) for i in ids]


def subtree_ids(table: str, root_ids: Iterable[int]) -> RawSQL:
    """Ids of the given rows and all their descendants."""
    roots = _id_list(root_ids) or [0]
    marks = ", ".join(["%s"] * len(roots))
    # UNION (not UNION ALL) stops on a cycle even if bad data ever slipped past the guards.
    # The table name comes from model metadata and every id is bound as a parameter.
    return RawSQL(  # noqa: S611
        f"WITH RECURSIVE sub(id) AS ("
        f" SELECT id FROM {table} WHERE id IN ({marks})"
        f" UNION SELECT t.id FROM {table} t JOIN sub ON t.parent_id = sub.id"
        f") SELECT id FROM sub",
        roots,
    )


def ancestor_ids(table: str, ids: Iterable[int]) -> RawSQL:
    """Ids of the given rows and all their ancestors."""
    start = _id_list(ids) or [0]
    marks = ", ".join(["%s"] * len(start))
    return RawSQL(  # noqa: S611
        f"WITH RECURSIVE up(id, parent_id) AS ("
        f" SELECT id, parent_id FROM {table} WHERE id IN ({marks})"
        f" UNION SELECT t.id, t.parent_id FROM {table} t JOIN up ON t.id = up.parent_id"
        f") SELECT id FROM up",
        start,
    )
