"""Configuration from environment variables: a bad value fails at start, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from raison.envsettings import (
    env_bool,
    env_cache,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    redis_neighbour,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]


def names(variable: str):
    """Expect ImproperlyConfigured whose message names ``variable``."""
    return pytest.raises(ImproperlyConfigured, match=variable)


# --- env_str -----------------------------------------------------------------------


def test_env_str_reads_and_trims_the_value():
    assert env_str("LOG_LEVEL", "INFO", environ={"LOG_LEVEL": "  debug \n"}) == "debug"


@pytest.mark.parametrize("environ", [{}, {"LOG_LEVEL": ""}, {"LOG_LEVEL": "   "}])
def test_env_str_unset_or_blank_gives_the_default(environ):
    assert env_str("LOG_LEVEL", "INFO", environ=environ) == "INFO"


def test_env_str_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("RAISON_TEST_VARIABLE", "from-the-process")
    assert env_str("RAISON_TEST_VARIABLE") == "from-the-process"


# --- env_bool ----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " yes "])
def test_env_bool_understands_true(raw):
    assert env_bool("DEBUG", False, environ={"DEBUG": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "FALSE", "no", "off"])
def test_env_bool_understands_false(raw):
    assert env_bool("DEBUG", True, environ={"DEBUG": raw}) is False


@pytest.mark.parametrize("environ", [{}, {"SECURE_SSL_REDIRECT": ""}, {"SECURE_SSL_REDIRECT": "  "}])
def test_env_bool_unset_or_blank_keeps_the_default(environ):
    # A compose file passing SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT} must not turn it off.
    assert env_bool("SECURE_SSL_REDIRECT", True, environ=environ) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "tru"])
def test_env_bool_refuses_anything_else_naming_the_variable(raw):
    with names("DEBUG"):
        env_bool("DEBUG", False, environ={"DEBUG": raw})


# --- env_int -----------------------------------------------------------------------


def test_env_int_reads_a_whole_number_within_bounds():
    assert env_int("EMAIL_PORT", 587, minimum=1, maximum=65535, environ={"EMAIL_PORT": " 2525 "}) == 2525
    assert env_int("EMAIL_PORT", 587, minimum=1, maximum=65535, environ={"EMAIL_PORT": "1"}) == 1
    assert env_int("EMAIL_PORT", 587, minimum=1, maximum=65535, environ={"EMAIL_PORT": "65535"}) == 65535


@pytest.mark.parametrize("environ", [{}, {"EMAIL_PORT": ""}])
def test_env_int_unset_or_blank_gives_the_default(environ):
    assert env_int("EMAIL_PORT", 587, environ=environ) == 587


@pytest.mark.parametrize("raw", ["twenty", "1.5", "0x10", "5 minutes"])
def test_env_int_refuses_what_is_not_a_whole_number(raw):
    with names("AXES_FAILURE_LIMIT"):
        env_int("AXES_FAILURE_LIMIT", 5, environ={"AXES_FAILURE_LIMIT": raw})


def test_env_int_refuses_values_outside_the_bounds():
    with names("EMAIL_PORT"):
        env_int("EMAIL_PORT", 587, minimum=1, maximum=65535, environ={"EMAIL_PORT": "0"})
    with names("EMAIL_PORT"):
        env_int("EMAIL_PORT", 587, minimum=1, maximum=65535, environ={"EMAIL_PORT": "70000"})
    with names("AXES_COOLOFF_MINUTES"):
        env_int("AXES_COOLOFF_MINUTES", 15, minimum=1, environ={"AXES_COOLOFF_MINUTES": "-3"})


# --- env_list ----------------------------------------------------------------------


def test_env_list_splits_on_commas_and_trims():
    environ = {"ALLOWED_HOSTS": " raison.example.org, www.raison.example.org ,"}
    assert env_list("ALLOWED_HOSTS", [], environ=environ) == ["raison.example.org", "www.raison.example.org"]


@pytest.mark.parametrize("environ", [{}, {"ALLOWED_HOSTS": ""}, {"ALLOWED_HOSTS": " "}])
def test_env_list_unset_or_blank_gives_a_copy_of_the_default(environ):
    default = ["127.0.0.1", "localhost"]
    result = env_list("ALLOWED_HOSTS", default, environ=environ)
    assert result == default
    result.append("changed")
    assert default == ["127.0.0.1", "localhost"]


def test_env_list_of_only_commas_is_refused_naming_the_variable():
    with names("ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", ["localhost"], environ={"ALLOWED_HOSTS": ", ,"})


# --- env_choice --------------------------------------------------------------------


def test_env_choice_accepts_a_listed_value_in_any_case():
    choices = ("embedded", "production")
    assert env_choice("RAISON_ENV", "embedded", choices, environ={"RAISON_ENV": "Production"}) == "production"
    assert env_choice("RAISON_ENV", "embedded", choices, environ={}) == "embedded"
    assert env_choice("RAISON_ENV", "embedded", choices, environ={"RAISON_ENV": ""}) == "embedded"


def test_env_choice_refuses_an_unlisted_value_naming_the_variable_and_the_choices():
    with pytest.raises(ImproperlyConfigured, match=r"RAISON_ENV must be one of embedded, production"):
        env_choice("RAISON_ENV", "embedded", ("embedded", "production"), environ={"RAISON_ENV": "staging"})


# --- env_database ------------------------------------------------------------------


def test_env_database_without_a_url_is_the_embedded_sqlite_file():
    config = env_database("DATABASE_URL", "/srv/raison/db.sqlite3", environ={})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/raison/db.sqlite3"
    # Writers queue on the lock instead of failing half-way.
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] > 0


def test_env_database_reads_a_postgres_url():
    config = env_database(
        "DATABASE_URL", "unused.sqlite3", environ={"DATABASE_URL": "postgres://raison:s3cret@db.internal:5433/raison"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("raison", "raison", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 5433)
    assert config["CONN_HEALTH_CHECKS"] is True


def test_env_database_accepts_the_postgresql_scheme_too():
    config = env_database("DATABASE_URL", "unused", environ={"DATABASE_URL": "postgresql://u@h/raison"})
    assert config["ENGINE"] == "django.db.backends.postgresql"


def test_env_database_reads_a_sqlite_url_with_the_embedded_options():
    config = env_database("DATABASE_URL", "unused.sqlite3", environ={"DATABASE_URL": "sqlite:////var/lib/raison.db"})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/var/lib/raison.db"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize("url", ["mysql://raison@db/raison", "oracle://raison@db/raison"])
def test_env_database_refuses_other_databases_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL must point at PostgreSQL"):
        env_database("DATABASE_URL", "unused", environ={"DATABASE_URL": url})


@pytest.mark.parametrize("url", ["garbage", "http://example.org/db", "postgres://u@h:notaport/raison"])
def test_env_database_refuses_garbage_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL is not a valid database URL"):
        env_database("DATABASE_URL", "unused", environ={"DATABASE_URL": url})


def test_env_database_refuses_a_postgres_url_without_a_database_name():
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL must name a database"):
        env_database("DATABASE_URL", "unused", environ={"DATABASE_URL": "postgres://raison@db.internal:5432"})


def test_env_database_error_does_not_echo_the_password():
    with pytest.raises(ImproperlyConfigured) as refused:
        env_database("DATABASE_URL", "unused", environ={"DATABASE_URL": "mysql://raison:hunter2@db/raison"})
    assert "hunter2" not in str(refused.value)


# --- Start-up with the real settings module ----------------------------------------


def start_django(**overrides: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter, as a production start would."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "RAISON_ENV",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "PAGE_CACHE_SECONDS",
        }
    }
    environ.update({"DJANGO_SETTINGS_MODULE": "raison.settings", "PYTHONWARNINGS": "error::DeprecationWarning"})
    environ.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_start_without_a_secret_key_refuses_naming_it():
    result = start_django(RAISON_ENV="production")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


PRODUCTION = {
    "RAISON_ENV": "production",
    "SECRET_KEY": "x" * 20 + "a-real-random-looking-secret-key-0123456789",
    "ALLOWED_HOSTS": "raison.example.org",
}


def test_a_page_cache_each_process_would_keep_apart_refuses_to_start():
    result = start_django(**PRODUCTION, CELERY_BROKER_URL="amqp://guest@rabbit//", PAGE_CACHE_SECONDS="60")
    assert result.returncode != 0
    assert "PAGE_CACHE_SECONDS" in result.stderr
    assert "CACHE_URL" in result.stderr


def test_without_redis_production_starts_with_the_page_cache_off():
    script = "import django; django.setup(); from django.conf import settings; print(settings.PAGE_CACHE_SECONDS)"
    environ = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "PAGE_CACHE_SECONDS", "DATABASE_URL"}}
    environ.update(PRODUCTION, DJANGO_SETTINGS_MODULE="raison.settings", CELERY_BROKER_URL="amqp://guest@rabbit//")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_production_start_with_a_short_secret_key_refuses_naming_it():
    result = start_django(RAISON_ENV="production", SECRET_KEY="change-me")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_start_with_a_meaningless_debug_refuses_naming_it():
    result = start_django(DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG" in result.stderr


def test_start_with_a_mistyped_environment_refuses_naming_it():
    result = start_django(RAISON_ENV="prod")
    assert result.returncode != 0
    assert "RAISON_ENV" in result.stderr


def test_production_start_with_a_real_secret_key_succeeds():
    result = start_django(
        RAISON_ENV="production",
        SECRET_KEY="x" * 20 + "a-real-random-looking-secret-key-0123456789",
        ALLOWED_HOSTS="raison.example.org",
    )
    assert result.returncode == 0, result.stderr


def test_production_start_without_allowed_hosts_fails_naming_it():
    result = start_django(RAISON_ENV="production", SECRET_KEY="y" * 64)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_start_with_debug_on_fails_naming_it():
    result = start_django(
        RAISON_ENV="production", SECRET_KEY="y" * 64, ALLOWED_HOSTS="raison.example.org", DEBUG="true"
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


# --- Celery: quick recovery from a dead worker (issue 9, item 10) ------------------------

CELERY_REPORT = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    " from raison.celery import app;"
    " print(json.dumps([s.CELERY_BROKER_VISIBILITY_TIMEOUT, s.CELERY_TASK_TIME_LIMIT,"
    " s.CELERY_TASK_SOFT_TIME_LIMIT, s.RAISON_TASK_RETRY_BACKOFF_MAX,"
    " app.conf.broker_transport_options['visibility_timeout'], app.conf.task_time_limit]))"
)


def celery_settings(**overrides: str) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CELERY_VISIBILITY_TIMEOUT", "CELERY_TASK_TIME_LIMIT", "RAISON_ENV", "DEBUG"}
    }
    environ.update({"DJANGO_SETTINGS_MODULE": "raison.settings", **overrides})
    return subprocess.run(
        [sys.executable, "-c", CELERY_REPORT], cwd=PROJECT_DIR, env=environ, capture_output=True, text=True, timeout=60
    )


def test_by_default_a_dead_workers_task_is_redelivered_within_five_minutes():
    import json

    result = celery_settings()
    assert result.returncode == 0, result.stderr
    visibility, limit, soft, backoff, broker_visibility, app_limit = json.loads(result.stdout)
    assert visibility == broker_visibility == 300
    assert app_limit == limit == 180
    assert soft < limit
    assert limit + backoff < visibility


def test_a_short_visibility_timeout_shortens_the_retry_delays_with_it():
    import json

    result = celery_settings(CELERY_VISIBILITY_TIMEOUT="20", CELERY_TASK_TIME_LIMIT="10")
    assert result.returncode == 0, result.stderr
    visibility, limit, _soft, backoff, _broker, _app = json.loads(result.stdout)
    assert (visibility, limit, backoff) == (20, 10, 5)


@pytest.mark.parametrize(
    ("visibility", "limit", "named"),
    [("300", "300", "CELERY_TASK_TIME_LIMIT"), ("120", "600", "CELERY_TASK_TIME_LIMIT"), ("61", "60", "at least 2")],
)
def test_a_time_limit_that_does_not_fit_the_visibility_timeout_refuses_to_start(visibility, limit, named):
    result = celery_settings(CELERY_VISIBILITY_TIMEOUT=visibility, CELERY_TASK_TIME_LIMIT=limit)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


# --- env_seconds ---------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("5", 5.0), (" 0.5 ", 0.5), ("0", 0.0), ("25", 25.0)])
def test_env_seconds_reads_decimals(raw, expected):
    from raison.envsettings import env_seconds

    assert env_seconds("WEB_STATEMENT_TIMEOUT", 5, maximum=25, environ={"WEB_STATEMENT_TIMEOUT": raw}) == expected


def test_env_seconds_unset_gives_the_default():
    from raison.envsettings import env_seconds

    assert env_seconds("WEB_STATEMENT_TIMEOUT", 5, environ={"WEB_STATEMENT_TIMEOUT": ""}) == 5


@pytest.mark.parametrize("raw", ["5s", "-1", "nan", "inf", "26", "five"])
def test_env_seconds_refuses_bad_values_naming_the_variable(raw):
    from raison.envsettings import env_seconds

    with names("WEB_STATEMENT_TIMEOUT"):
        env_seconds("WEB_STATEMENT_TIMEOUT", 5, maximum=25, environ={"WEB_STATEMENT_TIMEOUT": raw})


def test_settings_refuse_a_web_statement_timeout_beyond_gunicorns():
    result = start_django(WEB_STATEMENT_TIMEOUT="60")
    assert result.returncode != 0
    assert "WEB_STATEMENT_TIMEOUT must be at most 25 seconds" in result.stderr
    assert start_django(WEB_STATEMENT_TIMEOUT="2.5").returncode == 0


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://redis:6379/0", "redis://redis:6379/1"),
        ("redis://redis:6379", "redis://redis:6379/1"),
        ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),
        ("rediss://:secret@cache.example.org:6380/3", "rediss://:secret@cache.example.org:6380/4"),
        ("memory://localhost//", ""),
        ("", ""),
    ],
)
def test_the_cache_defaults_to_another_database_of_the_broker_s_redis(broker, cache):
    assert redis_neighbour(broker) == cache


@pytest.mark.parametrize("value", ["memcached://cache:11211", "redis:/nohost", "file:///tmp/cache"])
def test_a_cache_url_that_is_not_redis_stops_raison(value):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        env_cache("CACHE_URL", environ={"CACHE_URL": value})


def test_the_cache_is_redis_or_this_process_s_memory():
    assert env_cache("CACHE_URL", environ={})["BACKEND"].endswith("LocMemCache")
    assert env_cache("CACHE_URL", environ={"CACHE_URL": "locmem://"})["BACKEND"].endswith("LocMemCache")
    redis = env_cache("CACHE_URL", environ={"CACHE_URL": "redis://r:6379/1"})
    assert redis["BACKEND"] == "raison.cache.RedisCache"
    assert redis["LOCATION"] == "redis://r:6379/1"
