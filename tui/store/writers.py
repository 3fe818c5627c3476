"""Which aichat-tui processes are writing to the history right now.

Each open History holds an exclusive lock on a file of its own in `<history>.writers/`; the
kernel drops the lock when the process ends, however it ends. A reply still `streaming` is
only cut off if the lock of the writer that started it can be taken: a second window must not
mark the first window's live reply as interrupted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from tui.private_files import private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: every writer counts as gone, as before
    fcntl = None  # type: ignore[assignment]


def writers_dir(history_path: Path) -> Path:
    return history_path.with_name(history_path.name + ".writers")


class WriterLock:
    """This process's mark as a live writer; `close()` (or the process ending) removes it."""

    def __init__(self, history_path: Path) -> None:
        self.id = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._path = private_dir(writers_dir(history_path)) / self.id
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def close(self) -> None:
        if self._fd >= 0:
            self._path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = -1


def writer_alive(history_path: Path, writer_id: str) -> bool:
    """Whether the process that took `writer_id` still has the history open."""
    if fcntl is None or not writer_id or "/" in writer_id or writer_id.startswith("."):
        return False
    path = writers_dir(history_path) / writer_id
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)  # its writer is gone: tidy up after it
    return False
