"""Local development and the demo served by `make run`: SQLite under var/ unless DATABASE_URL says."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "local-only-insecure-key-do-not-use-in-production"  # noqa: F405, S105
DEMO_DATA_ALLOWED = True
