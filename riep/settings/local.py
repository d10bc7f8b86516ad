"""Local development and `make run`: SQLite under var/ unless DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403
from .base import env_bool

# Off unless a developer asks for it (DJANGO_DEBUG=1): `make run` serves the error pages of
# templates/ (404, 403, 500), never a traceback.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405
DEMO_DATA_ALLOWED = True

# Static files come straight from static/ through the finders, served by WhiteNoise whether
# DEBUG is on or off (runserver's own static serving is off: whitenoise.runserver_nostatic).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# Emails (notices, reminders) are written as files under var/mail/, one per message, instead
# of being sent: read them there. DJANGO_EMAIL_BACKEND=console prints them instead.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if os.environ.get("DJANGO_EMAIL_BACKEND") == "console"
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"  # noqa: F405
