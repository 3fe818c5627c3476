"""Run the emulator in a child process, so a benchmark measures only the client's CPU."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def emulator_process(*extra_args: str) -> Iterator[dict[str, str]]:
    """Start `aichat-tui emulator` on a free port; yield the environment that points at it."""
    process = subprocess.Popen([sys.executable, "-m", "tui", "emulator", *extra_args],
                               stdout=subprocess.PIPE, text=True)
    try:
        env: dict[str, str] = {}
        assert process.stdout is not None
        for line in process.stdout:
            match = re.match(r"\s*export (\w+)=(.*)", line)
            if match:
                env[match[1]] = match[2].strip("'")
            if line.startswith("Scenarios"):
                break
        if not env:
            raise RuntimeError("the emulator did not start")
        yield env
    finally:
        process.terminate()
        process.wait(timeout=10)


def apply_env(env: dict[str, str]) -> None:
    os.environ.update(env)
