"""Local development and `make run`: SQLite under var/ unless DATABASE_URL says otherwise."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405
DEMO_DATA_ALLOWED = True

# Static files come straight from static/ through the finders: nothing to collect here.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
