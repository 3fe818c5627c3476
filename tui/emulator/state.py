"""What the emulator remembers between runs (`EmulatorConfig.state_dir`): `--demo` starts a
new emulator for every command, and a conversation continued with `ask --session` must find
what the service would have kept. One small JSON file per kind of state, readable only by the
user; a file that cannot be read or written is as if the emulator had just started."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def load_state(state_dir: Path | None, name: str) -> dict[str, Any]:
    if state_dir is None:
        return {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads((state_dir / name).read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            return loaded
    return {}


def save_state(state_dir: Path | None, name: str, state: dict[str, Any]) -> None:
    if state_dir is None:
        return
    with contextlib.suppress(OSError):
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(state_dir / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(state, file, ensure_ascii=False)
