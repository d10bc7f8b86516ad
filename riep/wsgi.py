"""WSGI entry point for gunicorn: `gunicorn riep.wsgi` with DJANGO_SETTINGS_MODULE set."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riep.settings.production")
application = get_wsgi_application()

# What the loaded app holds (settings, models' metadata, apps, middleware: over 100,000
# objects) lives as long as the worker. Frozen, it is left out of the cycle collector's full
# passes, which otherwise walk all of it every few requests: about 2 ms of a dashboard
# (docs/benchmarks.md). Objects made later, by requests, are collected as before.
gc.collect()
gc.freeze()
