"""``manage.py bench_pages``: every page people open, timed against a real gunicorn.

Builds the bench organisation with ``bench_engine``'s builder (same sizes, same flags)
or reuses it, sweeps it once so the flags exist, creates three personas (an executive
of the root unit, a manager of a division, an employee of a team), starts ``bin/web``
(gthread, 2 workers × 4 threads) on a free port and, for each persona, signs in
through the login form and requests every page of ``benchmarks.pages`` N times, one
at a time. It prints per page: median and p95 server time, the client's median, the
response size and the number of SQL queries.

Queries and server time come from response headers set by
``benchmarks.middleware.QueryCountMiddleware``, which the settings enable only when
``RAISON_BENCH_HEADERS`` is set — this command sets it for its gunicorn alone. The
count wraps the connection's execution, so it needs no DEBUG and sees exactly what
the production configuration runs.

Then, as the executive and as the employee (``--load-personas``), it loads each page
with ``wrk`` (10 connections, 2 threads, a few seconds each; a Python thread pool when
wrk is missing) and reports its requests per second as a share of ``/healthz`` on the
same server. The gunicorn measured shares a Redis cache between its workers, as in
production (``--cache-url``), so the page cache (``raison.pagecache``) is on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/raison_bench \\
        .venv/bin/python manage.py bench_pages --reuse --json pages.json
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from alignment import engine
from benchmarks import pages as bench_pages
from benchmarks.management.commands import bench_engine
from raison import pagecache
from raison.cache import RedisCache

PASSWORD = "bench-pages-password"  # noqa: S105 (the benchmark's own throw-away personas)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentile(values: list[float], q: float) -> float:
    return bench_engine._percentile(values, q)


def markdown(figures: dict) -> str:
    """The figures as the tables of docs/performance.md: one per persona, with its throughput."""
    loads = figures.get("load") or {}
    lines = []
    for name, persona in figures["personas"].items():
        lines += [
            f"\n**{name}** (unit {persona['unit']})\n",
            "| page | status | median ms | p95 ms | KiB | queries | cold ms | cold queries | req/s | × healthz |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in persona["pages"]:
            measured = loads.get(name, {}).get(row["label"], {})
            ratio = measured.get("ratio_to_healthz")
            lines.append(
                f"| {row['label']} | {row['status']} | {row['median_ms']:.0f} | {row['p95_ms']:.0f}"
                f" | {row['bytes'] / 1024:.1f} | {row['queries']}"
                f" | {row.get('cold_median_ms', '')} | {row.get('cold_queries', '')}"
                f" | {measured.get('req_per_s', '')} | {f'{100 * ratio:.1f} %' if ratio is not None else ''} |"
            )
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = _("Time every page against a real gunicorn on the bench organisation (PostgreSQL).")

    def add_arguments(self, parser):
        parser.add_argument("--practices", type=int, default=1_000_000)
        parser.add_argument("--objectives", type=int, default=100_000)
        parser.add_argument("--means", type=int, default=50_000)
        parser.add_argument("--units", type=int, default=200)
        parser.add_argument("--owners", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reuse", action="store_true", help=_("Keep the organisation already built."))
        parser.add_argument("--requests", type=int, default=20, help=_("Timed requests per page and persona."))
        parser.add_argument("--load-seconds", type=float, default=4.0, help=_("Seconds of load per page."))
        parser.add_argument(
            "--keep-alive",
            action="store_true",
            help=_(
                "Keep the load's connections open. Each stays with the gunicorn worker that accepted"
                " it, often all on one: by default every request comes on a new connection, as from"
                " a proxy that does not keep connections to gunicorn."
            ),
        )
        parser.add_argument(
            "--rounds", type=int, default=3, help=_("Loads per page (new connections each); the median counts.")
        )
        parser.add_argument(
            "--warmup-seconds", type=float, default=2.0, help=_("Unmeasured load before each page's measure.")
        )
        parser.add_argument("--connections", type=int, default=10, help=_("Concurrent connections of the load."))
        parser.add_argument("--skip-load", action="store_true", help=_("Only the sequential timings."))
        parser.add_argument(
            "--load-personas",
            default="bench-executive,bench-employee",
            help=_("Comma-separated personas whose pages are loaded (throughput), each on its own."),
        )
        parser.add_argument(
            "--cold",
            type=int,
            default=3,
            help=_("Requests per page right after the page cache's generation moved on (0: none)."),
        )
        parser.add_argument(
            "--cache-url",
            default="redis://127.0.0.1:6379/15",
            help=_("CACHE_URL of the gunicorn measured: Redis, as in production (empty: no page cache)."),
        )
        parser.add_argument("--personas", default="", help=_("Comma-separated persona names (default: all three)."))
        parser.add_argument(
            "--only", default="", help=_("Only pages whose label contains one of these comma-separated texts.")
        )
        parser.add_argument("--json", metavar="FILE", help=_("Also write the figures as JSON."))
        parser.add_argument("--markdown", metavar="FILE", help=_("Also write the tables as Markdown."))

    def handle(self, *args, **options):
        # A SIGTERM (timeout, Ctrl-C in a wrapper) unwinds like an exception, so the
        # gunicorn this command started is stopped instead of left behind.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        builder = bench_engine.Command(stdout=self.stdout, stderr=self.stderr)
        builder._require_bench_database()
        if not (options["reuse"] and builder._built(options)):
            builder._build(options)
            self._say(_("Sweeping once so the flags exist…"))
            engine.sweep()
        people = bench_pages.ensure_personas(PASSWORD)
        wanted = [p for p in options["personas"].split(",") if p] or list(people)
        unknown = set(wanted) - set(people)
        if unknown:
            raise CommandError(_("Unknown persona: %(names)s") % {"names": ", ".join(sorted(unknown))})
        figures: dict = {
            "sizes": {k: options[k] for k in ("practices", "objectives", "means", "units", "owners", "seed")},
            "server": "bin/web: gunicorn gthread, 2 workers × 4 threads",
            "personas": {},
        }
        self.options = options
        # The gunicorn's cache, to move its generation on before each "cold" request.
        self.cache = RedisCache(options["cache_url"], {"KEY_PREFIX": "raison"}) if options["cache_url"] else None
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with self._gunicorn(port):
            for name in wanted:
                _user_id, unit_id = people[name]
                page_list = bench_pages.pages(bench_pages.subjects(unit_id))
                if options["only"]:
                    wanted_labels = [part for part in options["only"].split(",") if part]
                    page_list = [
                        p for p in page_list if p.label == "healthz" or any(part in p.label for part in wanted_labels)
                    ]
                connection.close()  # the server is the one working now
                session = self._sign_in(base, name)
                self._say(_("\n%(name)s (unit %(unit)s):") % {"name": name, "unit": unit_id})
                rows = [self._time_page(session, base, page, options["requests"]) for page in page_list]
                figures["personas"][name] = {"unit": unit_id, "pages": rows}
                self._print_table(rows)
            if not options["skip_load"]:
                figures["load"] = {}
                for name in [p for p in options["load_personas"].split(",") if p in figures["personas"]]:
                    session = self._sign_in(base, name)
                    self._say(_("\nAs %(name)s:") % {"name": name})
                    figures["load"][name] = self._load(session, base, figures["personas"][name]["pages"], options)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(figures, indent=2, default=str))
        if options["markdown"]:
            Path(options["markdown"]).write_text(markdown(figures))

    def _say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    # --- the server -----------------------------------------------------------------------
    def _gunicorn(self, port: int):
        command = self

        class Server:
            def __enter__(self):
                s = connection.settings_dict
                password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
                url = f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "GUNICORN_BIND": f"127.0.0.1:{port}",
                    "GUNICORN_WORKERS": "2",
                    "GUNICORN_THREADS": "4",
                    "RAISON_BENCH_HEADERS": "1",
                    # Shared by both workers, as in production: without it the page cache is off.
                    "CACHE_URL": command.options["cache_url"],
                    "PAGE_CACHE_SECONDS": "60" if command.options["cache_url"] else "0",
                    # Steady state: a worker replaced mid-measure (every 20,000 requests by
                    # default, a few times per page at these rates) costs a second of CPU that
                    # production spreads over hours.
                    "GUNICORN_MAX_REQUESTS": "0",
                    "LOG_LEVEL": "WARNING",
                    # gunicorn from the interpreter running this command.
                    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                }
                self.log_path = Path(tempfile.gettempdir()) / f"raison-bench-pages-{os.getpid()}.log"
                self.log = open(self.log_path, "wb")
                self.process = subprocess.Popen(  # noqa: S603 (our own script)
                    [str(Path(settings.BASE_DIR) / "bin" / "web")], env=env, stdout=self.log, stderr=self.log
                )
                import requests

                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if self.process.poll() is not None:
                        raise CommandError(_("gunicorn stopped; see %(log)s") % {"log": self.log_path})
                    try:
                        if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                            command._say(
                                _("gunicorn ready on port %(port)s (log: %(log)s)")
                                % {"port": port, "log": self.log_path}
                            )
                            return self
                    except requests.RequestException:
                        pass
                    time.sleep(0.3)
                raise CommandError(
                    _("gunicorn did not answer /healthz within 60 s; see %(log)s") % {"log": self.log_path}
                )

            def __exit__(self, *exc):
                self.process.terminate()
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                self.log.close()

        return Server()

    def _sign_in(self, base: str, username: str):
        import requests

        session = requests.Session()
        page = session.get(f"{base}/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if not token:
            raise CommandError(_("No CSRF token on the sign-in page."))
        done = session.post(
            f"{base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if done.status_code != 302 or "sessionid" not in session.cookies:
            raise CommandError(
                _("Could not sign in as %(name)s (HTTP %(status)s).") % {"name": username, "status": done.status_code}
            )
        return session

    # --- sequential timings -------------------------------------------------------------------
    def _time_page(self, session, base: str, page: bench_pages.Page, n: int) -> dict:
        headers = {"HX-Request": "true"} if page.htmx else {}
        server, client, sizes, queries, statuses = [], [], [], Counter(), Counter()
        for _i in range(n + 1):
            started = time.perf_counter()
            response = session.get(base + page.url, headers=headers, timeout=60, allow_redirects=False)
            elapsed = (time.perf_counter() - started) * 1000
            if _i == 0:
                continue  # warm-up: the first request of a page fills caches and connections
            client.append(elapsed)
            server.append(float(response.headers.get("X-Raison-Server-Ms", "nan")))
            sizes.append(len(response.content))
            queries[response.headers.get("X-Raison-Queries", "?")] += 1
            statuses[response.status_code] += 1
        return {
            "label": page.label,
            "url": page.url,
            "htmx": page.htmx,
            "status": ",".join(str(s) for s in sorted(statuses)),
            "median_ms": round(statistics.median(server), 1),
            "p95_ms": round(_percentile(server, 95), 1),
            "client_median_ms": round(statistics.median(client), 1),
            "bytes": int(statistics.median(sizes)),
            # The most frequent count: the first request on a fresh connection adds one SET.
            "queries": queries.most_common(1)[0][0],
            "queries_seen": sorted(queries),
            **self._time_cold(session, base, page, headers),
        }

    def _time_cold(self, session, base: str, page: bench_pages.Page, headers: dict) -> dict:
        """The page right after a write: the page cache's generation moved on, every kept
        region and record rendered or read again (what the first reader after a change waits)."""
        if self.cache is None:
            return {}
        server, queries = [], Counter()
        for _i in range(self.options["cold"]):
            with contextlib.suppress(ValueError):  # no generation yet: nothing is kept anyway
                self.cache.incr(pagecache.GENERATION_KEY)
            response = session.get(base + page.url, headers=headers, timeout=60, allow_redirects=False)
            server.append(float(response.headers.get("X-Raison-Server-Ms", "nan")))
            queries[response.headers.get("X-Raison-Queries", "?")] += 1
        if not server:
            return {}
        return {"cold_median_ms": round(statistics.median(server), 1), "cold_queries": queries.most_common(1)[0][0]}

    def _print_table(self, rows: list[dict]) -> None:
        self._say(
            f"{'page':36} {'status':>6} {'median':>8} {'p95':>8} {'client':>8} {'KiB':>7} {'queries':>7}"
            f" {'cold':>8} {'cold q':>7}"
        )
        for r in rows:
            self._say(
                f"{r['label'][:36]:36} {r['status']:>6} {r['median_ms']:>8.1f} {r['p95_ms']:>8.1f}"
                f" {r['client_median_ms']:>8.1f} {r['bytes'] / 1024:>7.1f} {r['queries']:>7}"
                f" {r.get('cold_median_ms', ''):>8} {r.get('cold_queries', ''):>7}"
            )

    # --- throughput -------------------------------------------------------------------------------
    def _load(self, session, base: str, rows: list[dict], options) -> dict:
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        wrk = shutil.which("wrk")
        self._say(
            _(
                "\nThroughput, %(c)d connections (%(kind)s), median of %(r)d × %(s).0f s per page after"
                " %(w).0f s unmeasured (%(tool)s), as a share of /healthz:"
            )
            % {
                "c": options["connections"],
                "r": options["rounds"],
                "s": options["load_seconds"],
                "w": options["warmup_seconds"],
                "kind": _("kept open") if options["keep_alive"] else _("a new one per request"),
                "tool": "wrk" if wrk else "thread pool",
            }
        )
        results = {}
        order = sorted(rows, key=lambda r: r["label"] != "healthz")  # healthz first: the reference
        load = self._wrk if wrk else self._pool
        for row in order:
            if options["warmup_seconds"]:
                # Unmeasured: every worker's connections, templates and kept regions ready,
                # so a few seconds of load measure the steady state, not a worker's first second.
                load(base + row["url"], cookie, row["htmx"], {**options, "load_seconds": options["warmup_seconds"]})
            # The median of a few runs evens out a busy neighbour. With --keep-alive it also
            # evens out where wrk's connections land: each stays with the gunicorn worker that
            # accepted it, and a run may put all ten on one worker, the other core idle.
            runs = [load(base + row["url"], cookie, row["htmx"], options) for _run in range(options["rounds"])]
            rate = statistics.median(rate for rate, _errors in runs)
            errors = sum(errors for _rate, errors in runs)
            results[row["label"]] = {"req_per_s": round(rate, 1), "errors": errors}
        reference = results.get("healthz", {}).get("req_per_s") or 0
        self._say(f"{'page':36} {'req/s':>9} {'× healthz':>10} {'errors':>7}")
        for label, result in results.items():
            result["ratio_to_healthz"] = round(result["req_per_s"] / reference, 3) if reference else None
            ratio = f"{100 * result['ratio_to_healthz']:.1f} %" if reference else "-"
            self._say(f"{label[:36]:36} {result['req_per_s']:>9.1f} {ratio:>10} {result['errors']:>7}")
        return results

    def _wrk(self, url: str, cookie: str, htmx: bool, options) -> tuple[float, int]:
        args = ["wrk", "-t2", f"-c{options['connections']}", f"-d{options['load_seconds']:.0f}s", "--timeout", "30s"]
        args += ["-H", f"Cookie: {cookie}"]
        if not options["keep_alive"]:
            args += ["-H", "Connection: close"]
        if htmx:
            args += ["-H", "HX-Request: true"]
        done = subprocess.run([*args, url], capture_output=True, text=True, check=True)  # noqa: S603
        rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
        errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
        return (float(rate.group(1)) if rate else 0.0), (int(errors.group(1)) if errors else 0)

    def _pool(self, url: str, cookie: str, htmx: bool, options) -> tuple[float, int]:
        import requests

        headers = {"Cookie": cookie, **({"HX-Request": "true"} if htmx else {})}
        if not options["keep_alive"]:
            headers["Connection"] = "close"
        deadline = time.monotonic() + options["load_seconds"]

        def worker() -> tuple[int, int]:
            done = errors = 0
            with requests.Session() as s:
                while time.monotonic() < deadline:
                    if s.get(url, headers=headers, timeout=30).status_code >= 400:
                        errors += 1
                    done += 1
            return done, errors

        started = time.monotonic()
        with ThreadPoolExecutor(options["connections"]) as pool:
            counts = list(pool.map(lambda _i: worker(), range(options["connections"])))
        seconds = time.monotonic() - started
        return sum(c for c, _e in counts) / seconds, sum(e for _c, e in counts)
