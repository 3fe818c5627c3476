"""The log file, with every secret and every Tongyi stream URL redacted before it is written,
and what services said made inert (a traceback may quote it; the log is read with `cat`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from tui.domain.inert_text import make_inert
from tui.domain.secret import redact, redact_stream_urls
from tui.private_files import create_private, private_dir


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = make_inert(redact_stream_urls(redact(text, self.secrets)))
        record.args = ()
        return True


# The loggers setup_logging takes over: ours, and those of the libraries that log our traffic.
LOGGERS = ("tui", "httpx", "httpcore", "aiohttp")


def setup_logging(path: Path, secrets: Iterable[str], level: int = logging.INFO) -> None:
    """Send the `tui` loggers (and httpx's) to `path`, redacted. Failure to open it is not fatal."""
    try:
        private_dir(path.parent)
        create_private(path)  # before FileHandler opens it with the umask's mode
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # aiohttp serves the --demo emulator: its complaints belong in the file, never on the
    # terminal the app is drawing on.
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level if name == "tui" else logging.WARNING)
        logger.propagate = False
