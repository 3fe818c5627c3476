"""What every command starts with: settings, the log file, and (with --demo) the emulator."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from tui.domain.errors import AichatError, InvalidInput, SettingsError
from tui.domain.inert_text import inert_value
from tui.domain.secret import redact, redact_stream_urls
from tui.logs import setup_logging
from tui.private_files import private_dir
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
            from tui.emulator import Emulator, EmulatorConfig

            demo_dir = default_data_dir() / "demo"
            emulator = stack.enter_context(Emulator.in_thread(EmulatorConfig(state_dir=demo_dir)))
            settings = load_settings(env={**os.environ, **emulator.client_env()})
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
