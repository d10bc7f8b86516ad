"""returns.importing pauses Python's cycle collector while it imports, and restores it."""

from __future__ import annotations

import gc

import pytest

from returns import importing
from returns.importing import applying


@pytest.fixture
def seen(monkeypatch):
    states = []

    def reading(**kwargs):
        states.append(gc.isenabled())
        raise RuntimeError("stop here")

    monkeypatch.setattr(applying, "read_table", reading)
    return states


def test_the_collector_is_paused_during_an_import_and_restored_after(seen):
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        importing.import_file(content=b"x", filename="a.csv", actor=None)

    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused(seen):
    gc.disable()
    try:
        with pytest.raises(RuntimeError):
            importing.import_file(content=b"x", filename="a.csv", actor=None)
        assert seen == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()
