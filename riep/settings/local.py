"""Local development and `make run`: SQLite under var/ unless DATABASE_URL says otherwise."""

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
