"""Fixtures of the Celery end-to-end tests (the helpers live in celery_helpers.py)."""

from celery_helpers import webhook_factory, workers_factory  # noqa: F401 - fixtures
