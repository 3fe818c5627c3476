"""Errors as the app shows them: secrets and stream tokens removed, bugs turned into a sentence
that points at the log file (the traceback goes there, never to the screen)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from tui.domain.errors import AichatError
from tui.domain.secret import redact, redact_stream_urls

log = logging.getLogger(__name__)


def shown(error: AichatError, secrets: Iterable[str]) -> str:
    """The error as a person reads it; no secret or stream token ever reaches the screen."""
    return redact_stream_urls(redact(str(error), secrets))


def unexpected(bug: BaseException, what: str, log_path: Path) -> AichatError:
    """A bug in `what` (logged with its traceback) as an error the user can act on."""
    log.error("%s failed unexpectedly", what, exc_info=bug)
    return AichatError(f"Something unexpected went wrong: {type(bug).__name__}: {bug}.",
                       f"Details are in the log file {log_path}.")
