"""Settings for the test suite: the database comes from DATABASE_URL (SQLite file by default)."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_DATA_ALLOWED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Static files come straight from static/ through the finders: nothing to collect here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# On SQLite the test database is a file, not Django's default shared-cache memory database:
# shared cache locks whole tables and fails at once ("database table is locked") when a live
# server or a paper-building thread writes while another connection reads; a file database
# waits for the lock instead, as SQLite does in `make run`.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # RIEP_TEST_SQLITE names another file, so that two runs of the suite can run side by side.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("RIEP_TEST_SQLITE") or str(VAR_DIR / "test-riep.sqlite3")  # noqa: F405
    }
    # Base settings take the write lock at BEGIN (transaction_mode IMMEDIATE); wait longer here.
    DATABASES["default"]["OPTIONS"]["timeout"] = 30  # noqa: F405
