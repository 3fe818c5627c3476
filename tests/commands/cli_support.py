"""Running `aichat-tui` as a user does: in its own process, against the module's emulator."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from typing import Any


def cli(env: Mapping[str, str], *args: str, stdin: str | bytes | None = None,
        text: bool = True) -> subprocess.CompletedProcess[Any]:
    """`aichat-tui ARGS`; `stdin` is what is piped in (None: nothing), `text=False` gives the
    exact bytes written."""
    feed: dict[str, Any] = ({"input": stdin} if stdin is not None
                            else {"stdin": subprocess.DEVNULL})
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, capture_output=True,
                          text=text, timeout=60, **feed)
