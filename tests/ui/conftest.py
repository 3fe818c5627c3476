from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tui.store import History


@pytest.fixture
def utc_clock(monkeypatch) -> Iterator[None]:
    """Local time is UTC: the screens show local times, and fixed ones make the assertions and
    snapshots steady."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def history(tmp_path) -> Iterator[History]:
    """An empty history in a real SQLite file."""
    with History.open(tmp_path / "history.sqlite3") as history:
        yield history
