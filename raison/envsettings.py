"""Reading Raison's configuration from environment variables.

Every helper raises ``ImproperlyConfigured`` naming the variable, so a typo in a
deployment fails at start-up with a message an operator can act on, instead of
silently falling back to a default.

A variable set to an empty string counts as unset. Compose files and orchestrators
pass ``NAME=${NAME}`` through as ``""`` when the operator did not set it: treating
that as a value would quietly turn ``SECURE_SSL_REDIRECT`` off or collect static
files into the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    """The stripped value, or None when the variable is unset or blank."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    raw = _raw(name, environ)
    return default.strip() if raw is None else raw


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    raw = _raw(name, environ)
    if raw is None:
        return default
    value = raw.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, got {raw!r}.")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    raw = _raw(name, environ)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, got {value}.")
    return value


def env_seconds(
    name: str,
    default: float,
    *,
    minimum: float = 0,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    """A duration in seconds, decimals allowed (``0.5``); refuses units, negatives and NaN."""
    raw = _raw(name, environ)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds (e.g. 5 or 0.5), got {raw!r}.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name} must be a finite number of seconds, got {raw!r}.")
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum:g} seconds, got {raw}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum:g} seconds, got {raw}.")
    return value


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    raw = _raw(name, environ)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list, got {raw!r}.")
    return items


def env_choice(name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None) -> str:
    value = env_str(name, default, environ=environ).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
    return value


def env_database(name: str, default_sqlite_path: str, *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A DATABASES['default'] entry: PostgreSQL from a URL, or the embedded SQLite file."""
    raw = env_str(name, environ=environ)
    if not raw:
        return sqlite_database(default_sqlite_path)
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj_database_url raises a mix of ValueError/KeyError
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        return sqlite_database(config["NAME"])
    if engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…).")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://user@host:5432/raison.")
    return config


def sqlite_database(path: str) -> dict[str, Any]:
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue on
    # the busy timeout instead of one failing with "database is locked" mid-way.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }


def env_cache(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A CACHES['default'] entry: Redis from ``redis://`` / ``rediss://``, else this process's memory.

    Only Redis is shared between gunicorn workers and Celery workers: the page cache
    (``raison.pagecache``) stays off without it, outside the one-process embedded default.
    """
    raw = env_str(name, default, environ=environ)
    if not raw or raw == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "raison"}
    if raw.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "raison.cache.RedisCache",
            "LOCATION": raw,
            "KEY_PREFIX": "raison",
            # A cache that is down must not take the pages down: reads miss, writes are lost.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise ImproperlyConfigured(f"{name} must be a redis:// URL or locmem://, got {raw!r}.")


def redis_neighbour(url: str) -> str:
    """Another database of ``url``'s Redis server: the next one, or the one before for the
    last of Redis' 16 (``""`` when ``url`` is not Redis)."""
    if not url.startswith(("redis://", "rediss://")):
        return ""
    parts = urlsplit(url)
    database = int(parts.path.strip("/")) if parts.path.strip("/").isdigit() else 0
    number = database + 1 if database < 15 else database - 1
    return urlunsplit(parts._replace(path=f"/{number}"))
