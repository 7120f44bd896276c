"""Raison's Django project: settings, root URLs, the Celery app, and what every app's pages share."""

from raison.celery import app as celery_app

__all__ = ("celery_app",)
