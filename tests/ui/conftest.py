from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.ui.chat_support import settings_for
from tui.store import History
from tui.ui.app import make_app


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


@pytest.fixture
def app(emulator, history):
    """The app as `aichat-tui` opens it against the emulator, keeping its history in `history`
    (modules that need other settings define their own)."""
    return make_app(settings_for(emulator), history=history)
