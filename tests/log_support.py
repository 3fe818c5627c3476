"""Logging to a file for one test, with the loggers put back as they were afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tui.logs import LOGGERS, setup_logging


@contextmanager
def logging_to(path: Path, secrets: Iterable[str], level: int = logging.INFO) -> Iterator[Path]:
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level,
                    logging.getLogger(name).propagate) for name in LOGGERS}
    setup_logging(path, secrets, level=level)
    try:
        yield path
    finally:
        for name, (handlers, old_level, propagate) in saved.items():
            logger = logging.getLogger(name)
            for handler in logger.handlers:
                handler.close()
            logger.handlers[:], logger.level, logger.propagate = handlers, old_level, propagate
