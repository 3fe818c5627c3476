"""What can go wrong with the history file, each said so a person knows what to do next."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tui.domain.errors import AichatError


class HistoryError(AichatError):
    """The history file could not be read or written. Text on screen is unaffected."""


class HistoryTooNew(HistoryError):
    """The history file has a schema version this aichat-tui does not know."""


class HistoryCorrupt(HistoryError):
    """The history file is damaged, or is not an SQLite database at all."""


class ExportError(AichatError):
    """A conversation could not be written out as a file."""


# SQLite's primary result codes (https://sqlite.org/rescode.html) for the failures a user can fix.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = (
    3, 5, 6, 8, 10, 11, 13, 14, 26)

# Python 3.10 exceptions carry no error code; sqlite3_errmsg()'s wording is stable, so fall back
# on it.
_CODE_BY_MESSAGE = {
    "disk is full": _FULL,
    "readonly database": _READONLY,
    "database is locked": _BUSY,
    "table is locked": _LOCKED,
    "not a database": _NOTADB,
    "malformed": _CORRUPT,
    "unable to open": _CANTOPEN,
    "disk i/o error": _IOERR,
    "access permission denied": _PERM,
}

_REASONS: dict[int, tuple[str, str, str]] = {
    # code: (error code, what happened to the file at {path}, what to do)
    _FULL: ("disk-full", "the disk holding the history file {path} is full",
            "Free some disk space, then try again; nothing on screen is lost."),
    _READONLY: ("read-only", "the history file {path} is read-only",
                "Check the permissions of the file and of its folder."),
    _PERM: ("read-only", "access to the history file {path} was denied",
            "Check the permissions of the file and of its folder."),
    _BUSY: ("locked", "the history file {path} is locked by another program",
            "Close other aichat-tui windows (or whatever else has the file open) and try again."),
    _LOCKED: ("locked", "the history file {path} is locked by another program",
              "Close other aichat-tui windows (or whatever else has the file open) and try again."),
    _CANTOPEN: ("cannot-open", "the history file {path} cannot be opened",
                "Check that its folder exists and that you may write to it."),
    _IOERR: ("io-error", "the disk reported an input/output error on the history file {path}",
             "Check the disk, then try again; nothing on screen is lost."),
}


def sqlite_error_code(exc: sqlite3.Error) -> int | None:
    """The primary SQLite result code of `exc`, or None when it cannot be told."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF  # extended codes keep the primary code in the low byte
    text = str(exc).lower()
    return next((c for fragment, c in _CODE_BY_MESSAGE.items() if fragment in text), None)


def corrupt_error(path: Path) -> HistoryCorrupt:
    return HistoryCorrupt(
        f"The history file {path} is damaged or is not an aichat-tui history.",
        f"Move it away (for example rename it to {path.name}.broken) and start aichat-tui "
        "again; a new, empty history will be created.",
        code="corrupt",
    )


def missing_error(path: Path, what: str, ident: int) -> HistoryError:
    """A conversation or message that is not (or no longer) in the history file."""
    return HistoryError(
        f"There is no {what} {ident} in the history file {path}; it may have been deleted.",
        "Reopen the history list and pick the conversation again.",
        code="missing")


def history_error(path: Path, doing: str, exc: sqlite3.Error) -> HistoryError:
    """Translate an sqlite3 failure while `doing` something into an error a person can act on."""
    code = sqlite_error_code(exc)
    if code in (_CORRUPT, _NOTADB):
        return corrupt_error(path)
    if code in _REASONS:
        short, reason, hint = _REASONS[code]
        return HistoryError(f"Could not {doing}: {reason.format(path=path)}.", hint, code=short)
    return HistoryError(f"Could not {doing}: the history file {path} gave an error ({exc}).",
                        "Try again; if it keeps failing, move the file away to start a new "
                        "history.",
                        code="sqlite")
