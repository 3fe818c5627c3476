"""What every command starts with: settings, the log file, and (with --demo) the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import IO

from tui.domain.errors import AichatError, InvalidInput, SettingsError
from tui.domain.inert_text import inert_value
from tui.domain.secret import redact, redact_stream_urls
from tui.logs import setup_logging
from tui.private_files import open_private, private_dir
from tui.settings import (
    FEATURE_SECTIONS,
    Settings,
    default_data_dir,
    load_settings,
)

EXIT_OK, EXIT_SERVICE, EXIT_USAGE = 0, 1, 2
_LINE_LIMIT = 2000


@contextmanager
def command_settings(demo: bool, *, warn: bool = True) -> Iterator[Settings]:
    """Load settings and set up logging. With `demo`, serve the emulator for the duration and
    point every backend at it, with history kept apart in <data dir>/demo. With `warn`, a bad
    value that fell back to its default is said on stderr (a feature's own problem is raised
    when the command needs the feature)."""
    with ExitStack() as stack:
        if demo:
            from tui.emulator.demo import client_env
            from tui.emulator.process import emulator_process

            demo_dir = default_data_dir() / "demo"
            base_url = stack.enter_context(emulator_process(demo_dir, _emulator_log(stack,
                                                                                    demo_dir)))
            settings = load_settings(env={**os.environ, **client_env(base_url)})
            settings = settings._replace(data_dir=demo_dir, demo=True)
        else:
            settings = load_settings()
        with suppress(OSError):  # a read-only home: the history says so when it opens
            private_dir(settings.data_dir)
        setup_logging(settings.log_path, settings.secrets())
        notice = settings.notice(skip=tuple(FEATURE_SECTIONS))
        if warn and notice:
            sys.stderr.write(f"aichat-tui: warning: {inert_value(notice, limit=_LINE_LIMIT)}\n")
        yield settings


def _emulator_log(stack: ExitStack, demo_dir: Path) -> IO[str] | int:
    """Where the demo's emulator writes its own errors: a private file beside the app's log,
    or nowhere if the folder cannot be written (the history then says what is wrong)."""
    try:
        return stack.enter_context(open_private(private_dir(demo_dir / "logs") / "emulator.log",
                                                "a"))
    except OSError:
        return subprocess.DEVNULL


def exit_code(error: AichatError) -> int:
    return EXIT_USAGE if isinstance(error, (SettingsError, InvalidInput)) else EXIT_SERVICE


def report(error: BaseException, settings: Settings | None = None) -> None:
    """One clear line on stderr; the full (redacted) traceback when AICHAT_TUI_DEBUG is set."""
    secrets = settings.secrets() if settings else []
    if os.environ.get("AICHAT_TUI_DEBUG"):
        import traceback

        text = "".join(traceback.format_exception(error))
        sys.stderr.write(redact_stream_urls(redact(text, secrets)))
    message = str(error) if isinstance(error, AichatError) else f"Unexpected error: {error!r}"
    # Messages quote what services said: one inert, bounded line whatever they sent.
    line = inert_value(redact_stream_urls(redact(message, secrets)), limit=_LINE_LIMIT)
    sys.stderr.write(f"aichat-tui: {line}\n")


def read_text_argument(value: str, what: str) -> str:
    """TEXT from the command line, or from stdin for `-`, refused clearly if it is not UTF-8."""
    if value == "-":
        try:
            return sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"The {what} on standard input is not UTF-8 text (a byte at "
                               f"position {e.start} cannot be read).",
                               "Convert it to UTF-8, e.g. with iconv.") from None
    try:
        value.encode("utf-8")  # undecodable bytes in argv arrive as lone surrogates
    except UnicodeEncodeError:
        raise InvalidInput(f"The {what} given on the command line is not UTF-8 text.",
                           "Check the terminal's encoding, or pass it with - on standard "
                           "input.") from None
    return value
