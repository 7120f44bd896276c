"""Full-text search across objectives, means, practices and people, by the database itself.

Two backends, one per database, behind ``search()`` and ``similar_objectives()``:

- PostgreSQL: ``to_tsvector`` with the English *and* French configurations (stemming in
  both languages: "practices" finds "practice", "pratiques" finds "pratique"), ranked
  with ``ts_rank``; GIN expression indexes created by migration
  ``alignment/0004_ux_search_index`` (people use the ``simple`` configuration: names have
  no language).
- SQLite (the embedded default): an FTS5 table ``raison_search`` kept in sync by
  triggers on the four tables, ranked with bm25; ``remove_diacritics`` makes "reseau"
  find "Réseau".

Search as you type matches every word, each as a prefix ("part ret" finds "Partager les
retours"). Suggestions (the
objectives closest to a practice or means) match any word of its name and description.
On PostgreSQL, ranking looks at ``CANDIDATES`` matches of each kind only, drawn from at
most ``GIN_SAMPLE`` index hits per word: a common word can match hundreds of thousands of
rows at 1M, and ranking them all would cost seconds. Measured at 1M practices (2 shared
cores, a test suite running beside): 10 ms for a word matching nothing, 120–350 ms for
words matching up to every row. The price: for a very common word, the best-ranked
matches are the best of a sample.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from objectives.models import Objective, ObjectiveStatus
from practices.models import Means, Practice

KINDS = ("objective", "means", "practice", "person")
PER_KIND = 5
CANDIDATES = 200
#: PostgreSQL: at most about this many index matches per word are considered.
GIN_SAMPLE = 5000
MAX_TERMS = 8
#: FTS5 row ids encode (kind, record id) so a trigger finds its row by rowid, not by a scan.
KIND_CODES = {"objective": 0, "means": 1, "practice": 2, "person": 3}
FTS_TABLE = "raison_search"

_WORD = re.compile(r"\w+", re.UNICODE)


def terms_of(text: str) -> list[str]:
    """The words of a query: letters and digits only (nothing reaches the query syntax)."""
    return [word[:40] for word in _WORD.findall((text or "").lower())][:MAX_TERMS]


@dataclass
class Source:
    table: str
    title: str
    body: str
    config: tuple[str, ...]


def _sources() -> dict[str, Source]:
    user = get_user_model()._meta.db_table
    return {
        "objective": Source(Objective._meta.db_table, "title", "statement", ("english", "french")),
        "means": Source(Means._meta.db_table, "name", "description", ("english", "french")),
        "practice": Source(Practice._meta.db_table, "name", "description", ("english", "french")),
        "person": Source(user, "first_name || ' ' || last_name", "username", ("simple",)),
    }


def pg_document(source: Source, config: str) -> str:
    """The indexed expression; queries must repeat it exactly for PostgreSQL to use the index."""
    return f"to_tsvector('{config}'::regconfig, coalesce({source.title}, '') || ' ' || coalesce({source.body}, ''))"


# --- Index definitions (used by the migration and kept true after every migrate) ---------


def pg_index_statements() -> list[tuple[str, str]]:
    """(create, drop) for the GIN expression indexes."""
    statements = []
    for kind, source in _sources().items():
        for config in source.config:
            name = f"raison_search_{kind}_{config}"
            statements.append(
                (
                    f"CREATE INDEX IF NOT EXISTS {name} ON {source.table} USING gin (({pg_document(source, config)}))",
                    f"DROP INDEX IF EXISTS {name}",
                )
            )
    return statements


def _new(expression: str) -> str:
    """first_name || ' ' || last_name  ->  new.first_name || ' ' || new.last_name"""
    return " || ".join(part if part.startswith("'") else f"new.{part}" for part in expression.split(" || "))


def sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for kind, source in _sources().items():
        code = KIND_CODES[kind]
        row = (
            f"(rowid, kind, ref, title, body) VALUES (new.id * 4 + {code}, {code}, new.id,"
            f" {_new(source.title)}, new.{source.body})"
        )
        forget = f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id * 4 + {code};"  # noqa: S608 (constants)
        on = f"ON {source.table} BEGIN"
        triggers[f"{FTS_TABLE}_{kind}_ai"] = f"AFTER INSERT {on} INSERT INTO {FTS_TABLE}{row}; END"
        triggers[f"{FTS_TABLE}_{kind}_au"] = f"AFTER UPDATE {on} {forget} INSERT INTO {FTS_TABLE}{row}; END"
        triggers[f"{FTS_TABLE}_{kind}_ad"] = f"AFTER DELETE {on} {forget} END"
    return triggers


def ensure_sqlite_index(db_connection) -> bool:
    """Create the FTS5 table and its triggers where missing, and refill the table if any
    trigger was missing. Needed after every migrate, not only once: SQLite alters a table
    by rebuilding it, which silently drops its triggers. Returns True if it rebuilt."""
    if db_connection.vendor != "sqlite":
        return False
    triggers = sqlite_triggers()
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{FTS_TABLE}_%"])
        present = {name for (name,) in cursor.fetchall()}
        if present >= set(triggers):
            return False
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
            "kind UNINDEXED, ref UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        for name, body in triggers.items():
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
        cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        for kind, source in _sources().items():
            code = KIND_CODES[kind]
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}(rowid, kind, ref, title, body)"  # noqa: S608
                f" SELECT id * 4 + {code}, {code}, id, {source.title}, {source.body} FROM {source.table}"
            )
    return True


def drop_sqlite_index(db_connection) -> None:
    with db_connection.cursor() as cursor:
        for name in sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    ensure_sqlite_index(connections[using])


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_ranked(kinds: dict[str, str], tsquery: str, limit: int, extra_where: dict[str, str]) -> list[tuple]:
    sources = _sources()
    parts, params = [], []
    for kind, _unused in kinds.items():
        source = sources[kind]
        matches = " OR ".join(
            f"{pg_document(source, config)} @@ to_tsquery('{config}'::regconfig, %s)" for config in source.config
        )
        ranks = ", ".join(
            f"ts_rank({pg_document(source, config)}, to_tsquery('{config}'::regconfig, %s))" for config in source.config
        )
        rank = f"GREATEST({ranks})" if len(source.config) > 1 else ranks
        where = extra_where.get(kind, "")
        parts.append(
            f"(SELECT '{kind}' AS kind, c.id, c.rank FROM ("  # noqa: S608 (names from model metadata)
            f"SELECT id, {rank} AS rank FROM (SELECT * FROM {source.table} WHERE ({matches}){where}"
            f" LIMIT {CANDIDATES}) {source.table}) c ORDER BY c.rank DESC, c.id LIMIT {int(limit)})"
        )
        params += [tsquery] * len(source.config) * 2
    # Measured at 1M practices: with LIMIT, the planner bets on a sequential scan that finds
    # matches early; for a word that matches nothing it computed to_tsvector on every row
    # (68 s). Index scans only, and GIN returning a bounded sample of a very common word
    # (gin_fuzzy_search_limit), keep every query between 10 and ~350 ms.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL gin_fuzzy_search_limit = {int(GIN_SAMPLE)}")
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


# --- SQLite FTS5 ------------------------------------------------------------------------


def _fts_ranked(kinds: list[str], match: str, limit: int, exclude_rowids: list[int] | None = None) -> list[tuple]:
    codes = [KIND_CODES[kind] for kind in kinds]
    marks = ", ".join(["%s"] * len(codes))
    exclude = ""
    params: list = [match, *codes]
    if exclude_rowids:
        exclude = f" AND rowid NOT IN ({', '.join(['%s'] * len(exclude_rowids))})"
        params += exclude_rowids
    sql = (
        f"SELECT kind, ref FROM (SELECT kind, ref, row_number() OVER (PARTITION BY kind ORDER BY rank) AS n"  # noqa: S608
        f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND kind IN ({marks}){exclude}) WHERE n <= %s"
        f" ORDER BY kind, n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        names = {code: kind for kind, code in KIND_CODES.items()}
        return [(names[code], ref, 0) for code, ref in cursor.fetchall()]


def _fts_phrase(words: list[str], *, prefix: bool, any_word: bool) -> str:
    quoted = [f'"{word}"*' if prefix else f'"{word}"' for word in words]
    return (" OR " if any_word else " ").join(quoted)


# --- Public API -------------------------------------------------------------------------


@dataclass
class Results:
    query: str
    objectives: list
    means: list
    practices: list
    people: list

    @property
    def groups(self) -> list[tuple[str, list]]:
        return [
            ("objective", self.objectives),
            ("means", self.means),
            ("practice", self.practices),
            ("person", self.people),
        ]

    @property
    def empty(self) -> bool:
        return not (self.objectives or self.means or self.practices or self.people)


def _ranked_ids(text: str, kinds: list[str], limit: int, *, any_word: bool, prefix: bool) -> list[tuple]:
    words = terms_of(text)
    if not words:
        return []
    if connection.vendor == "postgresql":
        joiner = " | " if any_word else " & "
        parts = [f"{word}:*" if prefix else word for word in words]
        active_only = {"person": " AND is_active"}
        if any_word:
            active_only["objective"] = f" AND status = '{ObjectiveStatus.ACTIVE.value}'"
        return _pg_ranked(dict.fromkeys(kinds, ""), joiner.join(parts), limit, active_only)
    if connection.vendor == "sqlite":
        return _fts_ranked(kinds, _fts_phrase(words, prefix=prefix, any_word=any_word), limit)
    raise NotImplementedError(f"No full-text search backend for {connection.vendor}")


def search(text: str, *, per_kind: int = PER_KIND) -> Results:
    """Records matching every word of ``text`` (as prefixes), best first, grouped by kind."""
    hits = _ranked_ids(text, list(KINDS), per_kind, any_word=False, prefix=True)
    ids: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for kind, pk, _rank in hits:
        ids[kind].append(pk)

    def ordered(queryset, kind):
        found = queryset.in_bulk(ids[kind]) if ids[kind] else {}
        return [found[pk] for pk in ids[kind] if pk in found]

    user = get_user_model()
    return Results(
        query=text,
        objectives=ordered(Objective.objects.select_related("unit"), "objective"),
        means=ordered(Means.objects.select_related("unit"), "means"),
        practices=ordered(Practice.objects.select_related("unit"), "practice"),
        people=ordered(user.objects.filter(is_active=True), "person"),
    )


def similar_objectives(text: str, *, limit: int = 3, exclude_ids=()) -> list[Objective]:
    """The active objectives whose title and statement share the most words with ``text``."""
    exclude = set(exclude_ids)
    hits = _ranked_ids(text, ["objective"], limit + len(exclude) + 5, any_word=True, prefix=False)
    pks = [pk for _kind, pk, _rank in hits if pk not in exclude]
    active = Objective.objects.filter(pk__in=pks, status=ObjectiveStatus.ACTIVE)
    found = active.select_related("unit", "parent").in_bulk()
    return [found[pk] for pk in pks if pk in found][:limit]
