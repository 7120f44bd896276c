"""Rendered regions every reader shares, kept until the organisation's records change.

The dashboard's figures and the "why" of a practice or a means read the same for every
employee: rendering them on each visit is most of what those pages cost at a million
practices. A region is kept in the cache under a *generation*, one number for the whole
organisation, and any statement that writes to a table those regions read moves the
generation on, so the next visit renders afresh:

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

import logging
import random
import re
import threading

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)
_CTE_WRITE = re.compile(r"^\s*WITH\b.*\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_watched: frozenset[str] | None = None
#: How many times this thread moved the generation on: a generation read earlier in the
#: same request is read again after the request's own write.
_moves = threading.local()


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def watched_tables() -> frozenset[str]:
    """Tables of the apps whose records cached regions show (settings.PAGE_CACHE_APPS)."""
    global _watched
    if _watched is None:
        ignored = set(settings.PAGE_CACHE_IGNORED_TABLES)
        tables = set()
        for label in settings.PAGE_CACHE_APPS:
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                if model._meta.db_table not in ignored:
                    tables.add(model._meta.db_table)
        _watched = frozenset(tables)
    return _watched


def writes_watched_table(sql: str) -> bool:
    if not (_WRITE.match(sql) or _CTE_WRITE.match(sql)):
        return False
    lowered = sql.lower()
    return any(table in lowered for table in watched_tables())


# --- the generation ---------------------------------------------------------------------


def generation() -> int | None:
    """The current generation, or None when regions must not be served from the cache."""
    if not enabled() or connections["default"].in_atomic_block:
        return None
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            # First use, or evicted: a random start never meets a region kept under an
            # earlier generation again.
            cache.add(GENERATION_KEY, random.getrandbits(48), timeout=None)
            value = cache.get(GENERATION_KEY)
        return value
    except Exception:
        logger.warning("page cache unreachable: rendering without it", exc_info=True)
        return None


def _moves_here() -> int:
    return getattr(_moves, "count", 0)


def _move_on() -> None:
    _moves.count = _moves_here() + 1
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there (evicted, or never read yet): any new number will do
        cache.set(GENERATION_KEY, random.getrandbits(48), timeout=None)
    except Exception:
        logger.warning("page cache unreachable: could not invalidate it", exc_info=True)


def invalidate(using: str = "default") -> None:
    """Move the generation on now, and again once the current transaction commits."""
    if not enabled():
        return
    _move_on()
    connection = connections[using]
    if connection.in_atomic_block and not any(hook is _move_on for _sids, hook, _robust in connection.run_on_commit):
        transaction.on_commit(_move_on, using=using, robust=True)


# --- the watch on every connection ------------------------------------------------------


class _WriteWatch:
    def __init__(self, alias: str):
        self.alias = alias

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and writes_watched_table(sql):
            # A statement that changed no row changes no page: a steady sweep keeps the cache.
            # With RETURNING, SQLite counts the rows only as they are fetched: trust no zero.
            rowcount = getattr(context.get("cursor"), "rowcount", -1)
            if rowcount != 0 or _RETURNING.search(sql):
                invalidate(self.alias)
        return result


def _watch(sender, connection, **kwargs) -> None:
    if not any(isinstance(wrapper, _WriteWatch) for wrapper in connection.execute_wrappers):
        connection.execute_wrappers.append(_WriteWatch(connection.alias))


def install() -> None:
    """Called once at start-up (RaisonConfig.ready): every new connection gets the watch."""
    connection_created.connect(_watch, dispatch_uid="raison.pagecache.watch")


# --- regions ----------------------------------------------------------------------------


def generation_for(holder) -> int | None:
    """The generation, read once per request: ``holder`` is an object that lives as long
    as the request (the request, or its user) and keeps it. A page keeps several regions,
    and the person's rights too: one cache read instead of one each."""
    if holder is None or connections["default"].in_atomic_block:
        return generation()
    memo = getattr(holder, "_raison_generation", None)
    if memo is not None and memo[0] == _moves_here():
        return memo[1]
    value = generation()
    holder._raison_generation = (_moves_here(), value)
    return value


def region_key(name: str, generation_value: int, language: str, vary_on) -> str:
    from django.core.cache.utils import make_template_fragment_key

    return make_template_fragment_key(f"raison:{name}", [generation_value, language, *vary_on])


def kept(request, name: str, vary_on, compute, *, keep=lambda value: True):
    """``compute()``'s value, kept for every reader until the generation moves on.

    It must be the same for everyone who gets it: what differs per person stays outside,
    or goes into ``vary_on``. ``keep(value)`` may refuse to keep a value.
    """
    from django.utils.translation import get_language

    value = generation_for(getattr(request, "user", request))
    if value is None:
        return compute()
    key = region_key(name, value, get_language() or "", vary_on)
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("page cache unreachable: rendering without it", exc_info=True)
        return compute()
    if found is not None:
        return found
    computed = compute()
    if keep(computed):
        try:
            cache.set(key, computed, settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache unreachable: region not kept", exc_info=True)
    return computed


_TOKEN_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


def _no_csrf_token(rendered: str) -> bool:
    if any(value != "~raison-csrf-token~" for value in _TOKEN_VALUE.findall(rendered)):
        # A real token is one person's: keeping it would hand it to everyone else.
        logger.error("a shared region holds a CSRF token: it is not kept")
        return False
    return True


def shared_region(request, name: str, vary_on, render) -> str:
    """A rendered region of a page, kept like ``kept`` (never one that holds a real CSRF token)."""
    return kept(request, name, vary_on, render, keep=_no_csrf_token)
