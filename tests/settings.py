"""Raison's settings for the test suite: the real ones, plus an N+1 query detector.

django-zeal wraps every request the tests make and raises as soon as a page loads a
relation row by row, so a template that starts following a foreign key in a loop
fails the suite instead of slowing a large organisation down.
"""

import os

from raison.settings import *  # noqa: F403
from raison.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
ZEAL_RAISE = True
# Django's own session store reads one row per request by design.
ZEAL_ALLOWLIST = [{"model": "sessions.Session"}]

# PBKDF2's deliberate slowness protects real passwords; in tests it only costs minutes.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each xdist worker has a test database of its own: the page regions and rights it keeps
# must not meet another worker's. A Celery worker a test starts inherits the variable, so
# it moves the same generation on as the test that started it.
_RUN = f"raison-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": _RUN}}  # noqa: F405
# The same for the Celery queue: a real worker that one test starts must run that test's
# tasks, on that test's database, never those another xdist worker's test sent.
CELERY_TASK_DEFAULT_QUEUE = _RUN
