"""``manage.py bench_engine``: the alignment engine at scale, on PostgreSQL.

Builds an organisation (default: 1,000,000 practices, 100,000 objectives in deep trees,
50,000 means, a few percent deliberately broken) with COPY into the real tables of a
dedicated database, then measures, in one run:

1. the full sweep (first: raising everything; then steady state);
2. the six rules' raw ``SELECT`` statements alone, and the sweep / raw ratio;
3. a naive per-row loop on a sample (the test suite's oracle, tests/alignment/oracle.py,
   asking the database one question at a time), extrapolated to the whole organisation
   and checked against the flags the sweep raised on that sample;
4. the sweep's peak memory, as the resident set size of a process that only sweeps;
5. the latency from removing one link (through the service, in a transaction) to its
   flag being visible, with a real ``celery -A alignment worker`` on Redis.

Run it against its own database, never a real one: it empties the tables first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/raison_bench \\
        .venv/bin/python manage.py bench_engine --json bench.json
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from alignment import engine
from alignment.models import Flag
from objectives.models import Objective, ObjectiveStatus
from practices import services
from practices.models import Means, MeansStatus, Practice, PracticeStatus
from tests.alignment import oracle

STAMP = "2026-01-01 00:00:00+00"
NULL = r"\N"

#: Tables the build fills: their secondary indexes are dropped during COPY and rebuilt.
BULK_TABLES = (
    "objectives_objective",
    "practices_means",
    "practices_practice",
    "practices_meansobjective",
    "practices_practiceobjective",
    "practices_practicemeans",
)

OBJECTIVE_STATUS = (ObjectiveStatus.ACTIVE, ObjectiveStatus.DRAFT, ObjectiveStatus.ACHIEVED, ObjectiveStatus.ARCHIVED)


class Organisation:
    """A reproducible organisation, generated column-wise into compact arrays.

    Objectives form trees built level by level (about 2.5 children per parent, ten levels
    for 100,000 objectives). Means serve objectives at every level; practices live mostly
    leaves and rely on means serving their objective's chain. Deliberately broken, each a
    few percent: practices with no objective, objectives that are not active (breaking
    chains), means serving nothing, leaves nobody practises or resources, practices
    relying on a means from elsewhere.
    """

    def __init__(self, *, practices: int, objectives: int, means: int, units: int, owners: int, seed: int):
        self.n_practices, self.n_objectives, self.n_means = practices, objectives, means
        self.n_units, self.n_owners = units, owners
        self.rng = random.Random(seed)
        self._objectives()
        self._means()

    # --- objectives ---------------------------------------------------------------
    def _objectives(self) -> None:
        rng, n = self.rng, self.n_objectives
        self.parent = array("q", [0]) * (n + 1)
        self.status = bytearray(n + 1)  # index into OBJECTIVE_STATUS
        has_child = bytearray(n + 1)
        roots = max(2, round(math.sqrt(n) / 16))
        self.levels: list[range] = []
        next_id, size = 1, roots
        while next_id <= n:
            ids = range(next_id, min(n, next_id + size - 1) + 1)
            if self.levels:
                previous = self.levels[-1]
                for i in ids:
                    p = previous[rng.randrange(len(previous))]
                    self.parent[i] = p
                    has_child[p] = 1
            self.levels.append(ids)
            next_id, size = ids.stop, math.ceil(size * 2.5)
        self.leaves = [i for i in range(1, n + 1) if not has_child[i]]
        for i in range(1, n + 1):
            if self.parent[i] == 0:
                broken = 0.0  # one broken root would unroot a whole tree: too much for "a few %"
            elif has_child[i]:
                broken = 0.005
            else:
                broken = 0.04
            if rng.random() < broken:
                self.status[i] = rng.choice((1, 2, 3))
        self.unpractised = set(rng.sample(self.leaves, len(self.leaves) // 50))

    # --- means and what they serve -----------------------------------------------------
    def _means(self) -> None:
        rng, n_obj = self.rng, self.n_objectives
        self.means_retired = {m for m in range(1, self.n_means + 1) if rng.random() < 0.03}
        purposeless = set(rng.sample(range(1, self.n_means + 1), self.n_means // 50))
        servers = [m for m in range(1, self.n_means + 1) if m not in purposeless]
        rng.shuffle(servers)
        pairs: set[tuple[int, int]] = set()
        order = list(range(1, n_obj + 1))
        rng.shuffle(order)
        unresourced = set(rng.sample(self.leaves, len(self.leaves) // 33))
        k = 0
        for o in order:
            if o in unresourced:
                continue
            pairs.add((servers[k % len(servers)], o))
            k += 1
        high = [o for level in self.levels[:4] for o in level]
        for m in rng.sample(servers, len(servers) // 10):
            pairs.add((m, rng.choice(high)))
        self.means_objective = sorted(pairs)
        served: dict[int, list[int]] = {}
        for m, o in self.means_objective:
            served.setdefault(o, []).append(m)
        # The means available to an objective: serving it or an ancestor (parents first by id).
        self.available: list[tuple[int, ...]] = [()] * (n_obj + 1)
        for o in range(1, n_obj + 1):
            self.available[o] = tuple(served.get(o, ())) + self.available[self.parent[o]]

    # --- rows ---------------------------------------------------------------------------
    def unit_rows(self) -> Iterator[str]:
        for i in range(1, self.n_units + 1):
            parent = NULL if i == 1 else str((i - 2) // 10 + 1)
            yield f"{i}\tBench unit {i}\tbench-unit-{i}\t{parent}\n"

    def user_rows(self) -> Iterator[str]:
        yield f"1\t!\t{NULL}\tt\tbench-admin\t\t\tbench-admin@example.org\tt\tt\t{STAMP}\n"
        for i in range(2, self.n_owners + 2):
            yield f"{i}\t!\t{NULL}\tf\tbench-{i}\tBench\tOwner {i}\tbench-{i}@example.org\tf\tt\t{STAMP}\n"

    def _owner(self) -> int:
        return self.rng.randrange(2, self.n_owners + 2)

    def _unit(self) -> int:
        return self.rng.randrange(1, self.n_units + 1)

    def objective_rows(self) -> Iterator[str]:
        for i in range(1, self.n_objectives + 1):
            parent = str(self.parent[i]) if self.parent[i] else NULL
            status = OBJECTIVE_STATUS[self.status[i]]
            yield (
                f"{i}\tObjective {i}\tWhy objective {i} exists.\t{status}\t{NULL}\t{NULL}\t{STAMP}\t{STAMP}\t1"
                f"\t{self._owner()}\t{parent}\t{self._unit()}\n"
            )

    def means_rows(self) -> Iterator[str]:
        for m in range(1, self.n_means + 1):
            status = MeansStatus.RETIRED if m in self.means_retired else MeansStatus.ACTIVE
            kind = "technical" if m % 3 else "organisational"
            yield f"{m}\tMeans {m}\t{kind}\t\t\t{status}\t{STAMP}\t{STAMP}\t1\t{self._owner()}\t{self._unit()}\n"

    def means_objective_rows(self) -> Iterator[str]:
        for i, (m, o) in enumerate(self.means_objective, 1):
            yield f"{i}\tbench\t{STAMP}\t{NULL}\t{m}\t{o}\n"

    def practice_rows(self) -> Iterator[str]:
        """Practices, collecting their links in ``self.practice_objective`` / ``self.practice_means``."""
        rng = self.rng
        leaves = [o for o in self.leaves if o not in self.unpractised]
        anywhere = [o for o in range(1, self.n_objectives + 1) if o not in self.unpractised]
        self.practice_objective = array("q")  # practice, objective, practice, objective, …
        self.practice_means = array("q")
        for p in range(1, self.n_practices + 1):
            r = rng.random()
            status = (
                PracticeStatus.ACTIVE if r < 0.90 else PracticeStatus.PROPOSED if r < 0.97 else PracticeStatus.RETIRED
            )
            yield f"{p}\tPractice {p}\t\t{status}\t\t{STAMP}\t{STAMP}\t1\t{self._owner()}\t{NULL}\t{self._unit()}\n"
            objectives = []
            if rng.random() >= 0.015:
                objectives.append(rng.choice(leaves) if rng.random() < 0.7 else rng.choice(anywhere))
                if rng.random() < 0.2:
                    second = rng.choice(anywhere)
                    if second != objectives[0]:
                        objectives.append(second)
            for o in objectives:
                self.practice_objective.extend((p, o))
            available = self.available[objectives[0]] if objectives else ()
            chosen = set()
            for _draw in range(1 + (rng.random() < 0.6) + (rng.random() < 0.2)):
                chosen.add(rng.choice(available) if available else rng.randrange(1, self.n_means + 1))
            if rng.random() < 0.01:
                chosen.add(rng.randrange(1, self.n_means + 1))  # a means from somewhere else
            for m in chosen:
                self.practice_means.extend((p, m))

    @staticmethod
    def link_rows(pairs: array) -> Iterator[str]:
        for i in range(0, len(pairs), 2):
            yield f"{i // 2 + 1}\tbench\t{STAMP}\t{NULL}\t{pairs[i + 1]}\t{pairs[i]}\n"


def _missing_defaults(table: str, columns: Iterable[str]) -> list[tuple[str, object]]:
    """NOT NULL columns of ``table`` that the rows leave out, with their model's default.

    The models grow fields (audience, adoption, progress…) with Python-side defaults only;
    COPY knows nothing of them, so each is lent a column default for the load.
    """
    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return []
    named = set(columns)
    editor = connection.schema_editor()  # only to quote literals: DDL takes no parameters
    missing = []
    for model_field in model._meta.concrete_fields:
        if model_field.column in named or model_field.null:
            continue
        value = editor.effective_default(model_field)  # '' for a blank text field with no default
        if value is not None:
            missing.append((model_field.column, editor.quote_value(value)))
    return missing


def _copy(cursor, table: str, columns: Iterable[str], rows: Iterable[str]) -> int:
    count = 0
    columns = tuple(columns)
    defaults = _missing_defaults(table, columns)
    for column, value in defaults:
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {value}")
    try:
        count = _copy_rows(cursor, table, columns, rows)
    finally:
        for column, _value in defaults:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    return count


def _copy_rows(cursor, table: str, columns: tuple[str, ...], rows: Iterable[str]) -> int:
    count = 0
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        chunk: list[str] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 20000:
                copy.write("".join(chunk))
                count += len(chunk)
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
            count += len(chunk)
    return count


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[index]


class Command(BaseCommand):
    help = _("Build a large organisation on PostgreSQL and measure the alignment engine on it.")

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, default=1_000_000)
        parser.add_argument("--objectives", type=int, default=100_000)
        parser.add_argument("--means", type=int, default=50_000)
        parser.add_argument("--units", type=int, default=200)
        parser.add_argument("--owners", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reuse", action="store_true", help=_("Keep the organisation already built."))
        parser.add_argument("--sample", type=int, default=1000, help=_("Practices in the ORM loop sample."))
        parser.add_argument("--trials", type=int, default=20, help=_("Link removals timed with a real worker."))
        parser.add_argument("--skip-latency", action="store_true")
        parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/12")
        parser.add_argument("--worker-concurrency", type=int, default=2)
        parser.add_argument("--explain", metavar="DIR", help=_("Write EXPLAIN ANALYZE of every rule into DIR."))
        parser.add_argument(
            "--explain-only", action="store_true", help=_("With --explain and --reuse: only write the plans.")
        )
        parser.add_argument("--json", metavar="FILE", help=_("Also write the figures as JSON."))
        parser.add_argument("--memory-probe", action="store_true", help="(internal) sweep once, print memory JSON")

    # --- entry ------------------------------------------------------------------------
    def handle(self, *args, **options):
        if options["memory_probe"]:
            return self._memory_probe()
        self._require_bench_database()
        figures: dict = {
            "sizes": {k: options[k] for k in ("practices", "objectives", "means", "units", "owners", "seed")},
            "postgresql": None,
        }
        if not (options["reuse"] and self._built(options)):
            figures["build"] = self._build(options)
        if options["explain_only"]:
            if not options["explain"]:
                raise CommandError(_("--explain-only needs --explain DIR."))
            self._explain(Path(options["explain"]))
            return
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            figures["postgresql"] = cursor.fetchone()[0]
        figures["rows"] = self._row_counts()
        self._say(_("Rows: %(rows)s") % {"rows": figures["rows"]})

        figures["sweep_first"] = self._timed_sweep(_("first sweep (raises everything)"))
        figures["raw"] = self._raw_statements()
        figures["sweep_steady"] = self._timed_sweep(_("steady-state sweep"))
        figures["raw_again"] = self._raw_statements()
        figures["sweep_steady_again"] = self._timed_sweep(_("steady-state sweep, again"))
        raw = min(figures["raw"]["total"], figures["raw_again"]["total"])
        sweep = min(figures["sweep_steady"]["total"], figures["sweep_steady_again"]["total"])
        figures["ratio_sweep_over_raw"] = sweep / raw
        figures["open_flags"] = dict(Flag.objects.unresolved().values_list("kind").annotate(n=Count("pk")))
        self._say(_("Sweep / raw statements: %(ratio).2f (goal ≤ 1.5)") % {"ratio": figures["ratio_sweep_over_raw"]})

        figures["orm_loop"] = self._orm_loop(options["sample"], sweep)
        figures["memory"] = self._memory()
        if options["explain"]:
            self._explain(Path(options["explain"]))
        if not options["skip_latency"]:
            figures["latency"] = self._latency(options)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2, default=str))
        self._say(json.dumps(figures, indent=2, default=str))

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    # --- the database -------------------------------------------------------------------
    def _require_bench_database(self) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(_("The benchmark needs PostgreSQL: run it with DATABASE_URL=postgres://…/raison_bench."))
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            raise CommandError(
                _("The benchmark empties its database: it only runs on one whose name contains “bench”, not %(name)s.")
                % {"name": name}
            )
        import psycopg
        from psycopg import sql

        s = connection.settings_dict
        params = {k.lower(): s[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if s.get(k)}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self._say(_("Created database %(name)s.") % {"name": name})
        call_command("migrate", verbosity=0, interactive=False)

    def _built(self, options) -> bool:
        return (
            Practice.objects.count() == options["practices"]
            and Objective.objects.count() == options["objectives"]
            and Means.objects.count() == options["means"]
        )

    def _row_counts(self) -> dict[str, int]:
        counts = {}
        with connection.cursor() as cursor:
            for table in BULK_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
        return counts

    def _build(self, options) -> dict[str, float]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        org = Organisation(
            practices=options["practices"],
            objectives=options["objectives"],
            means=options["means"],
            units=options["units"],
            owners=options["owners"],
            seed=options["seed"],
        )
        timings["generate_trees_and_means_s"] = time.perf_counter() - started
        tables = [
            t
            for t in connection.introspection.table_names()
            if t.startswith(("org_", "alignment_", "objectives_", "practices_", "axes_")) or t == "auth_user"
        ]
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            # Skips the foreign-key and cycle-guard triggers for the load: the generator
            # builds a consistent tree, and COPY would otherwise check each row one by one.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            dropped = self._drop_secondary_indexes(cursor)
            step = time.perf_counter()
            _copy(cursor, "org_unit", ("id", "name", "code", "parent_id"), org.unit_rows())
            _copy(
                cursor,
                "auth_user",
                (
                    "id",
                    "password",
                    "last_login",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                ),
                org.user_rows(),
            )
            _copy(
                cursor,
                "objectives_objective",
                (
                    "id",
                    "title",
                    "statement",
                    "status",
                    "starts_on",
                    "ends_on",
                    "created_at",
                    "updated_at",
                    "version",
                    "owner_id",
                    "parent_id",
                    "unit_id",
                ),
                org.objective_rows(),
            )
            _copy(
                cursor,
                "practices_means",
                (
                    "id",
                    "name",
                    "kind",
                    "description",
                    "url",
                    "status",
                    "created_at",
                    "updated_at",
                    "version",
                    "owner_id",
                    "unit_id",
                ),
                org.means_rows(),
            )
            link = ("id", "rationale", "created_at", "created_by_id")
            _copy(cursor, "practices_meansobjective", (*link, "means_id", "objective_id"), org.means_objective_rows())
            _copy(
                cursor,
                "practices_practice",
                (
                    "id",
                    "name",
                    "description",
                    "status",
                    "decision_reason",
                    "created_at",
                    "updated_at",
                    "version",
                    "owner_id",
                    "proposed_by_id",
                    "unit_id",
                ),
                org.practice_rows(),
            )
            _copy(
                cursor,
                "practices_practiceobjective",
                (*link, "objective_id", "practice_id"),
                Organisation.link_rows(org.practice_objective),
            )
            _copy(
                cursor,
                "practices_practicemeans",
                (*link, "means_id", "practice_id"),
                Organisation.link_rows(org.practice_means),
            )
            timings["generate_and_copy_s"] = time.perf_counter() - step
            step = time.perf_counter()
            for statement in dropped:
                cursor.execute(statement)
            timings["rebuild_indexes_s"] = time.perf_counter() - step
            for table in ("org_unit", "auth_user", *BULK_TABLES):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(max(id), 0) + 1, false)"
                    f" FROM {table}"
                )
            cursor.execute("SET session_replication_role = origin")
        step = time.perf_counter()
        with connection.cursor() as cursor:
            for table in ("org_unit", "auth_user", *BULK_TABLES, "alignment_flag", "alignment_notification"):
                cursor.execute(f"VACUUM ANALYZE {table}")
            # Flush the load's gigabyte of WAL now, not during the first measured sweep.
            cursor.execute("CHECKPOINT")
        timings["vacuum_analyze_checkpoint_s"] = time.perf_counter() - step
        timings["total_s"] = time.perf_counter() - started
        self._say(_("Built the organisation: %(t)s") % {"t": {k: round(v, 1) for k, v in timings.items()}})
        return timings

    def _drop_secondary_indexes(self, cursor) -> list[str]:
        """Drop unique constraints and plain indexes of the bulk tables; return what recreates them."""
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            [list(BULK_TABLES)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = ANY(%s) AND i.indexname NOT LIKE '%%_pkey'"
            " AND i.indexname <> ALL(%s)",
            [list(BULK_TABLES), [name for _t, name, _d in constraints]],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [d for _n, d in indexes] + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in constraints
        ]

    # --- measurements ---------------------------------------------------------------------
    def _timed_sweep(self, label: str) -> dict:
        self._say(_("Running the %(label)s…") % {"label": label})
        started = time.perf_counter()
        results = engine.sweep()
        total = time.perf_counter() - started
        figures = {
            "total": total,
            "rules": {
                r.kind.value: {"seconds": round(r.seconds, 3), "raised": r.raised, "resolved": r.resolved}
                for r in results
            },
        }
        self._say(
            _("  %(label)s: %(total).2f s %(rules)s") % {"label": label, "total": total, "rules": figures["rules"]}
        )
        return figures

    def _raw_statements(self) -> dict:
        """The six rules as bare SELECTs (counted, so nothing travels to Python): the floor."""
        figures: dict = {"rules": {}}
        total = 0.0
        for rule in engine.RULES:
            # Same settings as the sweep's own transactions, so only the SQL differs.
            with transaction.atomic(), connection.cursor() as cursor:
                engine.tune_for_full_check(cursor)
                started = time.perf_counter()
                cursor.execute(f"SELECT count(*) FROM ({engine.problem_sql(rule)}) AS problem")
                count = cursor.fetchone()[0]
                seconds = time.perf_counter() - started
                total += seconds
                figures["rules"][rule.kind.value] = {"seconds": round(seconds, 3), "rows": count}
        figures["total"] = total
        self._say(_("  raw statements: %(total).2f s %(rules)s") % {"total": total, "rules": figures["rules"]})
        return figures

    def _memory(self) -> dict:
        """Peak RSS of a fresh process that sets Django up and sweeps once, and its growth."""
        self._say(_("Measuring the sweep's memory in a separate process…"))
        done = subprocess.run(
            [sys.executable, "manage.py", "bench_engine", "--memory-probe"],
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        self._say(_("  memory: %(f)s") % {"f": figures})
        return figures

    def _memory_probe(self) -> None:
        import tracemalloc

        def status_kb(field: str) -> int:
            # VmHWM, not ru_maxrss: after fork + exec Linux carries the parent's peak into
            # ru_maxrss, and the parent here holds the whole generated organisation.
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
            return 0

        connection.ensure_connection()
        before = status_kb("VmRSS")
        tracemalloc.start()
        started = time.perf_counter()
        engine.sweep()
        seconds = time.perf_counter() - started
        _current, python_peak = tracemalloc.get_traced_memory()
        peak = status_kb("VmHWM")
        self.stdout.write(
            json.dumps(
                {
                    "method": "/proc/self/status of a process that only sweeps: VmRSS after setup and connecting,"
                    " VmHWM (peak RSS) after one steady-state sweep; tracemalloc peak of Python objects",
                    "rss_before_sweep_mb": round(before / 1024, 1),
                    "peak_rss_mb": round(peak / 1024, 1),
                    "growth_during_sweep_mb": round((peak - before) / 1024, 1),
                    "python_heap_peak_during_sweep_mb": round(python_peak / 1e6, 2),
                    "sweep_s": round(seconds, 2),
                }
            )
        )

    # --- the per-row loop, for comparison ----------------------------------------------
    def _orm_loop(self, sample: int, sweep_seconds: float) -> dict:
        """What a naive engine would do: the test suite's oracle, one query per lookup.

        The oracle (tests/alignment/oracle.py) is the rules' independent, row-by-row
        statement; timed on a sample and extrapolated, it is the figure the set-based
        engine is compared with, and its answer on the sample is checked against the flags.
        """
        self._say(_("Timing a per-row loop (the test suite's oracle) on a sample…"))
        store = oracle.QueryPerRow()
        rng = random.Random(7)
        n_p, n_m, n_o = Practice.objects.count(), Means.objects.count(), Objective.objects.count()
        samples = {
            "practice": rng.sample(range(1, n_p + 1), min(sample, n_p)),
            "means": rng.sample(range(1, n_m + 1), min(max(sample // 5, 50), n_m)),
            "objective": rng.sample(range(1, n_o + 1), min(max(sample // 5, 50), n_o)),
        }
        totals = {"practice": n_p, "means": n_m, "objective": n_o}
        found: set[tuple[str, int]] = set()
        timings = dict.fromkeys(samples, 0.0)
        for kind, (subject, rule) in oracle.RULES.items():
            started = time.perf_counter()
            for pk in samples[subject]:
                if rule(store, pk):
                    found.add((kind, pk))
            timings[subject] += time.perf_counter() - started

        extrapolated = sum(timings[s] / len(samples[s]) * totals[s] for s in samples if samples[s])
        sql: set[tuple[str, int]] = set()
        for column, ids in samples.items():
            rows = Flag.objects.unresolved().filter(**{f"{column}__in": ids}).values_list("kind", column)
            sql.update((str(kind), subject) for kind, subject in rows)
        figures = {
            "sample": {
                "practices": len(samples["practice"]),
                "means": len(samples["means"]),
                "objectives": len(samples["objective"]),
            },
            "sample_seconds": {k: round(v, 2) for k, v in timings.items()},
            "extrapolated_s": round(extrapolated, 1),
            "sweep_s": round(sweep_seconds, 2),
            "speedup": round(extrapolated / sweep_seconds, 1),
            "flags_in_sample": len(found),
            "disagreements_with_sql": len(found ^ sql),
        }
        self._say(_("  per-row loop: %(f)s") % {"f": figures})
        return figures

    # --- EXPLAIN -------------------------------------------------------------------------
    def _explain(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT po.practice_id, po.objective_id FROM practices_practiceobjective po"
                " JOIN practices_practice p ON p.id = po.practice_id WHERE p.status = 'active' LIMIT 1"
            )
            practice_id, objective_id = cursor.fetchone()
        # The live path's scope after unlinking that practice from that objective.
        scope = engine.Scope.of([practice_id], [], [objective_id])
        for rule in engine.RULES:
            for name, sql in (("full", engine.problem_sql(rule)), ("scoped", engine.problem_sql(rule, scope))):
                with transaction.atomic(), connection.cursor() as cursor:
                    # The settings the engine itself runs these statements with.
                    (engine.tune_for_full_check if name == "full" else engine.tune_for_scoped_check)(cursor)
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                (directory / f"{rule.kind.value}-{name}.txt").write_text(f"{sql}\n\n{plan}\n")
        self._say(_("Plans written to %(dir)s") % {"dir": directory})

    # --- latency with a real worker ---------------------------------------------------------
    def _latency(self, options) -> dict:
        import psycopg

        from raison.celery import app

        broker = options["broker"]
        self._say(_("Latency with a real worker on %(broker)s…") % {"broker": broker})
        # This process publishes to the broker like the web process would, even when it
        # was started without one.
        app.conf.broker_url = broker
        app.conf.task_always_eager = False
        app.control.purge()
        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        database_url = f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        name = f"bench-{uuid.uuid4().hex[:6]}@%h"
        log_path = Path(tempfile.gettempdir()) / f"raison-bench-worker-{os.getpid()}.log"
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "--app",
                    "alignment",
                    "worker",
                    "--pool",
                    "prefork",
                    "--concurrency",
                    str(options["worker_concurrency"]),
                    "--hostname",
                    name,
                    "--loglevel",
                    "INFO",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--optimization",
                    "fair",
                    "--prefetch-multiplier",
                    "1",
                ],
                cwd=settings.BASE_DIR,
                env={**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            hostname = name.replace("%h", os.uname().nodename)
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[hostname], timeout=0.5):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise CommandError(_("The worker did not start: see %(log)s") % {"log": log_path})
            return self._trials(options["trials"], psycopg, worker_log=log_path)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)

    def _trials(self, trials: int, psycopg, *, worker_log: Path) -> dict:
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.get(username="bench-admin")
        with connection.cursor() as cursor:
            # Practices whose single objective link is all that keeps them from being orphans.
            cursor.execute(
                "SELECT p.id, min(po.objective_id) FROM practices_practice p"
                " JOIN practices_practiceobjective po ON po.practice_id = p.id"
                " JOIN objectives_objective o ON o.id = po.objective_id"
                " WHERE p.status = 'active' AND o.status = 'active'"
                " AND NOT EXISTS (SELECT 1 FROM alignment_flag f WHERE f.practice_id = p.id"
                " AND f.kind = 'orphan_practice' AND f.resolved_at IS NULL)"
                # Spread over the whole table, the same ones every run.
                " GROUP BY p.id HAVING count(*) = 1 ORDER BY (p.id * 2654435761) %% 4294967296 LIMIT %s",
                [trials],
            )
            pairs = cursor.fetchall()
        s = connection.settings_dict
        params = {k.lower(): s[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if s.get(k)}
        total, after_commit, commit = [], [], []
        with psycopg.connect(dbname=s["NAME"], autocommit=True, **params) as watcher:
            for practice_id, objective_id in pairs:
                practice = Practice.objects.get(pk=practice_id)
                objective = Objective.objects.get(pk=objective_id)
                started = time.perf_counter()
                with transaction.atomic():
                    services.practice_unlink_objective(practice=practice, objective=objective, by=admin)
                committed = time.perf_counter()
                while not watcher.execute(
                    "SELECT 1 FROM alignment_flag WHERE kind = 'orphan_practice' AND practice_id = %s"
                    " AND resolved_at IS NULL",
                    [practice_id],
                ).fetchone():
                    if time.perf_counter() - started > 60:
                        raise CommandError(_("No flag after 60 s: see %(log)s") % {"log": worker_log})
                    time.sleep(0.002)
                seen = time.perf_counter()
                total.append(seen - started)
                after_commit.append(seen - committed)
                commit.append(committed - started)
                time.sleep(0.2)
            # Put the links back (through the live path too), so a later --reuse run starts clean.
            for practice_id, objective_id in pairs:
                services.practice_link_objective(
                    practice=Practice.objects.get(pk=practice_id),
                    objective=Objective.objects.get(pk=objective_id),
                    by=admin,
                    rationale="bench",
                )
            time.sleep(2)
        runtimes = [
            float(line.rsplit("succeeded in ", 1)[1].split("s:")[0])
            for line in worker_log.read_text(errors="replace").splitlines()
            if "recheck_task" in line and "succeeded in" in line
        ]

        def summary(values):
            return {
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(_percentile(values, 95) * 1000, 1),
                "max_ms": round(max(values) * 1000, 1),
            }

        figures = {
            "trials": len(total),
            "removal_to_flag_visible": summary(total),
            "commit_to_flag_visible": summary(after_commit),
            "service_call_and_commit": summary(commit),
            "recheck_task_runtime_in_worker": summary(runtimes) if runtimes else None,
        }
        self._say(_("  latency: %(f)s") % {"f": figures})
        return figures
