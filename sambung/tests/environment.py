"""Loaded by pytest before pytest-django reads the settings (`-p sambung.tests.environment`).

Tests run like production (DEBUG off) but over plain HTTP with a throw-away key.
"""

import os

os.environ.setdefault("SAMBUNG_INSECURE_DEV_KEY", "true")
os.environ.setdefault("SAMBUNG_HTTPS", "false")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made beside it are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
