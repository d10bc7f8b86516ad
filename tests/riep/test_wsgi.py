"""riep/wsgi.py: the worker's app, with what it holds out of the cycle collector's passes."""

from __future__ import annotations

import gc
import importlib
import sys


def test_the_loaded_app_is_frozen_out_of_the_collectors_passes():
    gc.unfreeze()
    sys.modules.pop("riep.wsgi", None)
    try:
        wsgi = importlib.import_module("riep.wsgi")
        assert callable(wsgi.application)
        assert gc.get_freeze_count() > 10_000  # the app's objects, not a handful
    finally:
        gc.unfreeze()
