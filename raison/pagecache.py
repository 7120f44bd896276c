"""Rendered regions every reader shares, kept until the organisation's records change.

The dashboard's figures and the "why" of a practice or a means read the same for every
employee: rendering them on each visit is most of what those pages cost at a million
practices. A region is kept in the cache under a *generation*, one number for the whole
organisation's records (and one for people's notifications), and any statement that
writes to a table those regions read moves the generation on, so the next visit renders
afresh:

* the generation lives in the cache (Redis in production, shared by every gunicorn and
  Celery worker), as a random number that each write increments;
* every database connection carries an execute wrapper that spots writes (``INSERT``,
  ``UPDATE``, ``DELETE``, also in raw SQL and bulk statements: the engine's sweeps and
  imports do not go through model signals) to the watched tables, and moves the
  generation on at once *and* again after the transaction commits. The first makes a
  request see its own change; the second makes sure nobody keeps a region rendered from
  the data as it was before the commit;
* regions are neither read nor kept inside a transaction: what a transaction sees may
  still be rolled back.

One generation for everything is coarse on purpose: a change anywhere costs every page
one fresh render, but no write path can forget to invalidate the pages it affects. What
the wrapper cannot see (a person's display name, relative times such as "3 minutes
ago") is bounded by the regions' lifetime, ``PAGE_CACHE_SECONDS``.

The cache is only correct when every process shares it: the settings turn it on with a
Redis ``CACHE_URL``, or in the one-process embedded default (``make run``).
"""

from __future__ import annotations

import functools
import logging
import random
import re
import threading
import time
from collections import OrderedDict

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

#: The organisation's records (objectives, means, practices, links, flags, units…).
RECORDS = "records"
#: Each person's notifications: written often, read by one person, kept apart so that
#: marking one read does not drop everyone's regions.
NOTIFICATIONS = "notifications"
_GENERATION_KEYS = {RECORDS: "pagecache:generation", NOTIFICATIONS: "pagecache:generation:notifications"}
GENERATION_KEY = _GENERATION_KEYS[RECORDS]
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)
_CTE_WRITE = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_watched: dict[str, frozenset[str]] | None = None
#: How many times this thread moved a generation on: a generation read earlier in the
#: same request is read again after the request's own write.
_moves = threading.local()


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def watched_tables() -> dict[str, frozenset[str]]:
    """The tables behind each generation: the notifications table for NOTIFICATIONS, every
    other table of settings.PAGE_CACHE_APPS for RECORDS."""
    global _watched
    if _watched is None:
        own = set(settings.PAGE_CACHE_NOTIFICATION_TABLES)
        tables = set()
        for label in settings.PAGE_CACHE_APPS:
            tables.update(m._meta.db_table for m in apps.get_app_config(label).get_models(include_auto_created=True))
        _watched = {RECORDS: frozenset(tables - own), NOTIFICATIONS: frozenset(own)}
    return _watched


def generations_written(sql: str) -> list[str]:
    """The generations a statement moves on: those whose tables it writes to."""
    if not (_WRITE.match(sql) or _CTE_WRITE.match(sql)):
        return []
    lowered = sql.lower()
    return [name for name, tables in watched_tables().items() if any(table in lowered for table in tables)]


# --- the generations --------------------------------------------------------------------


def generations() -> dict[str, int] | None:
    """The current generations, or None when regions must not be served from the cache."""
    if not enabled() or connections["default"].in_atomic_block:
        return None
    keys = list(_GENERATION_KEYS.values())
    try:
        found = cache.get_many(keys)
        if len(found) < len(keys):
            # First use, or evicted: a random start never meets a region kept under an
            # earlier generation again.
            for key in keys:
                if key not in found:
                    cache.add(key, random.getrandbits(48), timeout=None)
            found = cache.get_many(keys)
        if len(found) < len(keys):
            return None
        return {name: found[key] for name, key in _GENERATION_KEYS.items()}
    except Exception:
        logger.warning("page cache unreachable: rendering without it", exc_info=True)
        return None


def generation() -> int | None:
    """The records' generation (see ``generations``)."""
    current = generations()
    return None if current is None else current[RECORDS]


def _moves_here() -> int:
    return getattr(_moves, "count", 0)


def _move_on(name: str) -> None:
    _moves.count = _moves_here() + 1
    key = _GENERATION_KEYS[name]
    try:
        cache.incr(key)
    except ValueError:  # not there (evicted, or never read yet): any new number will do
        cache.set(key, random.getrandbits(48), timeout=None)
    except Exception:
        logger.warning("page cache unreachable: could not invalidate it", exc_info=True)


#: One callable per generation, so a transaction queues each at most once.
_AFTER_COMMIT = {name: functools.partial(_move_on, name) for name in _GENERATION_KEYS}


def invalidate(name: str = RECORDS, using: str = "default") -> None:
    """Move a generation on now, and again once the current transaction commits."""
    if not enabled():
        return
    _move_on(name)
    connection = connections[using]
    after = _AFTER_COMMIT[name]
    if connection.in_atomic_block and not any(hook is after for _sids, hook, _robust in connection.run_on_commit):
        transaction.on_commit(after, using=using, robust=True)


# --- the watch on every connection ------------------------------------------------------


class _WriteWatch:
    def __init__(self, alias: str):
        self.alias = alias

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        written = generations_written(sql) if isinstance(sql, str) else []
        if written:
            # A statement that changed no row changes no page.
            # With RETURNING, SQLite counts the rows only as they are fetched: trust no zero.
            rowcount = getattr(context.get("cursor"), "rowcount", -1)
            if rowcount != 0 or _RETURNING.search(sql):
                for name in written:
                    invalidate(name, self.alias)
        return result


def _watch(sender, connection, **kwargs) -> None:
    if not any(isinstance(wrapper, _WriteWatch) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(_WriteWatch(connection.alias))


def install() -> None:
    """Called once at start-up (RaisonConfig.ready): every new connection gets the watch."""
    connection_created.connect(_watch, dispatch_uid="raison.pagecache.watch")


# --- regions ----------------------------------------------------------------------------


def generations_for(holder) -> dict[str, int] | None:
    """The generations, read once per request: ``holder`` is an object that lives as long
    as the request (the request, or its user) and keeps them. A page keeps several regions,
    and the person's rights too: one cache read instead of one each."""
    if holder is None or connections["default"].in_atomic_block:
        return generations()
    memo = getattr(holder, "_raison_generations", None)
    if memo is not None and memo[0] == _moves_here():
        return memo[1]
    value = generations()
    holder._raison_generations = (_moves_here(), value)
    return value


def region_key(name: str, generation_values, language: str, vary_on) -> str:
    return make_template_fragment_key(f"raison:{name}", [*generation_values, language, *vary_on])


class _Nearby:
    """The regions this process read lately, in its own memory.

    A region's key holds the generation, so what is under a key never changes: only its
    lifetime ends. Keeping the last few hundred here spares a Redis round trip (and the
    unpickling) for each of them; only the generation is asked of Redis on each request.
    """

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, value, lifetime: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + lifetime, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_nearby = _Nearby(512)


def kept(request, name: str, vary_on, compute, *, keep=lambda value: True, depends_on=(RECORDS,)):
    """``compute()``'s value, kept for every reader until one of the generations it
    ``depends_on`` moves on.

    It must be the same for everyone who gets it: what differs per person stays outside,
    or goes into ``vary_on``. ``keep(value)`` may refuse to keep a value. The value given
    may be the very object other requests of this process get: copy it before changing it.
    """
    current = generations_for(getattr(request, "user", request))
    if current is None:
        return compute()
    key = region_key(name, [current[g] for g in depends_on], get_language() or "", vary_on)
    found = _nearby.get(key)
    if found is not None:
        return found
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("page cache unreachable: rendering without it", exc_info=True)
        return compute()
    if found is not None:
        # What is left of its lifetime is unknown here: a short stay is enough to spare
        # the round trips of a busy page, and never outlives the region by much.
        _nearby.put(key, found, min(5, settings.PAGE_CACHE_SECONDS))
        return found
    computed = compute()
    if keep(computed):
        _nearby.put(key, computed, settings.PAGE_CACHE_SECONDS)
        try:
            cache.set(key, computed, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache unreachable: region not kept", exc_info=True)
    return computed


#: Stands for the reader's CSRF token in a kept region (never a valid token: not base62);
#: ``{% shared %}`` renders with it and puts each reader's own token in on the way out.
CSRF_PLACEHOLDER = "~raison-csrf-token~"
_TOKEN_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _no_csrf_token(rendered: str) -> bool:
    if any(value != CSRF_PLACEHOLDER for value in _TOKEN_VALUE.findall(rendered)):
        # A real token is one person's: keeping it would hand it to everyone else.
        logger.error("a shared region holds a CSRF token: it is not kept")
        return False
    return True


def shared_region(request, name: str, vary_on, render) -> str:
    """A rendered region of a page, kept like ``kept`` (never one that holds a real CSRF token)."""
    return kept(request, name, vary_on, render, keep=_no_csrf_token)
