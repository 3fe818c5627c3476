"""Private by default: the data directory is 0700 and every file aichat-tui writes in it 0600,
as ssh and gpg do, whatever the umask. Every writer of the history, logs, caches, exports and
the shared token goes through these functions; the settings file keeps its own mode (new: 0600)
and its symlink (`replace_keeping_mode`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import IO, Literal

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 folders; tighten it if it exists."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process
            folder.mkdir(mode=DIR_MODE)
    mode = path.stat().st_mode
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if stat.S_IMODE(mode) & 0o077:
        path.chmod(DIR_MODE)
    return path


def create_private(path: Path) -> Path:
    """Make sure the file exists with mode 0600 (for files others open: SQLite, the log)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(FILE_MODE)
    return path


def open_private(path: Path, mode: Literal["x", "a"] = "x") -> IO[str]:
    """Open a new (`x`) or appended (`a`) UTF-8 text file, created 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if mode == "x" else os.O_APPEND)
    return os.fdopen(os.open(path, flags, FILE_MODE), mode, encoding="utf-8", newline="\n")


def write_private(path: Path, data: bytes | str) -> None:
    """Replace `path` atomically with `data`, mode 0600."""
    _replace(path, data.encode("utf-8") if isinstance(data, str) else data, FILE_MODE)


def replace_keeping_mode(path: Path, text: str) -> None:
    """Replace the file atomically, keeping its mode (a new file is 0600); a symlink is
    followed, so the link stays and its target changes (a dotfiles repo)."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = FILE_MODE
    _replace(target, text.encode("utf-8"), mode)


def _replace(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            os.fchmod(file.fileno(), mode)  # the umask may have taken bits off
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
