"""A real history file in the test's own directory, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.store import History

# 2024-05-01 12:00:00 UTC: a fixed, readable starting point for timestamps.
START = 1714564800.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def history_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def history(history_path: Path, clock: FakeClock) -> Iterator[History]:
    with History.open(history_path, clock=clock) as opened:
        yield opened
