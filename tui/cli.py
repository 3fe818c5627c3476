"""Command-line entry point: argument parsing and dispatch, nothing else.

Exit codes, for every subcommand: 0 success, 1 a service or network error, 2 a usage or
settings error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from tui import __version__

# Imported only when chosen, so `aichat-tui ask` never pays for Textual and the TUI never
# pays for the emulator unless it is asked for.
SUBCOMMANDS = ("ask", "models", "voices", "say", "listen", "keywords", "emulator")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aichat-tui",
        description="A keyboard-driven terminal chat client for Alibaba Cloud's Tongyi chatbot.",
        epilog="Run without a subcommand to open the terminal app.",
    )
    parser.add_argument("--version", action="version", version=f"aichat-tui {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="run against the embedded emulator, with a separate demo history")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"tui.commands.{name}").add_parser(subparsers)
    for subparser in subparsers.choices.values():
        # `ask --demo "hi"` as well as `--demo ask "hi"`; SUPPRESS keeps the earlier one.
        subparser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                               help="run against the embedded emulator (as before the command)")
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    # The app is what users start most, and building every subcommand's parser imports their
    # modules (the store, the backends): a start-up cost the app alone does not need.
    if set(argv) <= {"--demo"}:
        return argparse.Namespace(command=None, demo=bool(argv))
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    name = args.command or "app"
    try:
        code = importlib.import_module(f"tui.commands.{name}").run(args)
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `aichat-tui voices | head`: the reader has what it wanted. Point stdout at devnull so
        # the flush at exit raises no second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
