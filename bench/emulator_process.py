"""Run the emulator in a child process, so a benchmark measures only the client's CPU."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tui.emulator.demo import client_env
from tui.emulator.process import emulator_process as serving


@contextmanager
def emulator_process(event_delay: float | None = None) -> Iterator[dict[str, str]]:
    """Serve the emulator in a process of its own; yield the environment that points at it,
    once it answers (so its start-up is not timed with the first request)."""
    with tempfile.TemporaryDirectory() as state, \
            serving(Path(state), subprocess.DEVNULL, event_delay) as base_url:
        httpx.get(f"{base_url}/local/v1/models", timeout=30).raise_for_status()
        yield client_env(base_url)


def apply_env(env: dict[str, str]) -> None:
    os.environ.update(env)
