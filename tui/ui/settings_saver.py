"""Choices made in the app (theme, voice, speed, reading aloud, the default model), saved in
the settings file without the UI waiting for the disk.

`save_setting` reads, edits and replaces the file: it runs here on one thread of its own, so
the screen answers at once, and changes made in quick succession land in the order they were
made (each reads what the one before wrote). Whoever asked is told the outcome by notification.
A save still running when the app ends is finished before the process exits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from textual.app import App

from tui.domain.errors import SettingsError
from tui.settings import save_setting

Change = tuple[str, str, object]  # (section, key, value)

_writer: ThreadPoolExecutor | None = None


async def save_settings(path: Path, changes: Sequence[Change]) -> None:
    """Write `changes` into the settings file at `path`, off the event loop; raises
    SettingsError when it cannot be written."""
    global _writer
    if _writer is None:
        _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings")
    saving = asyncio.get_running_loop().run_in_executor(_writer, _write, path, tuple(changes))
    # Shielded: the app closing cancels its workers, which must not drop a save still queued.
    await asyncio.shield(saving)


def save_and_tell(app: App[Any], path: Path, changes: Sequence[Change], *, saved: str = "",
                  title: str = "", not_saved: str) -> None:
    """Save `changes` in a worker of `app`; then notify `saved` (if any) with `title`, or the
    error under the title `not_saved`. The choice itself is already in use."""
    async def save() -> None:
        try:
            await save_settings(path, changes)
        except SettingsError as error:
            app.notify(str(error), title=not_saved, severity="error")
            return
        if saved:
            app.notify(saved, title=title)

    app.run_worker(save(), group="save_settings", exit_on_error=False)


def _write(path: Path, changes: tuple[Change, ...]) -> None:
    for section, key, value in changes:
        save_setting(path, section, key, value)
