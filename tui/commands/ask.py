"""`aichat-tui ask`: one question, the reply on stdout. The scriptable face of the product."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import sys
from dataclasses import dataclass

from tui.commands.session import (
    EXIT_OK,
    EXIT_SERVICE,
    command_settings,
    exit_code,
    read_text_argument,
    report,
    tongyi_settings_or_error,
)
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.events import ClarifyOptions, ReplyFinished
from tui.domain.inert_text import make_inert
from tui.settings import Settings, TongyiSettings

# What a shell reports for a command ended by SIGINT / SIGTERM.
_SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask", help="ask one question and print the reply",
        description="Ask Tongyi one question. On a terminal the reply streams as it arrives; "
                    "piped, stdout receives the final reply and a newline, with control "
                    "characters shown inert (--raw for the exact bytes).")
    parser.add_argument("text", metavar="TEXT", help="the question, or - to read it from stdin")
    parser.add_argument("--session", metavar="ID",
                        help="continue the conversation with this SessionId")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object at the end: "
                             "text, session_id, message_id, complete")
    parser.add_argument("--raw", action="store_true",
                        help="piped: write the reply exactly as received, "
                             "escape sequences included")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        question = read_text_argument(args.text, "question")
        with command_settings(args.demo) as settings:
            tongyi = tongyi_settings_or_error(settings)
            return asyncio.run(_ask(tongyi, settings, question, args))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


@dataclass
class _Outcome:
    text: str = ""
    finished: ReplyFinished | None = None
    failure: AichatError | None = None
    stopped_by: signal.Signals | None = None
    session_id: str | None = None


async def _ask(tongyi: TongyiSettings, settings: Settings, question: str,
               args: argparse.Namespace) -> int:
    from tui.backends.aliyun import TongyiProvider
    from tui.domain.events import TextChanged
    from tui.domain.providers import ChatRequest

    live = None
    if not args.json and sys.stdout.isatty():
        from tui.commands.live_text import LiveText

        live = LiveText(sys.stdout, shutil.get_terminal_size().columns)
    provider = TongyiProvider(tongyi, network=settings.network, token_file=settings.token_path)
    outcome = _Outcome(session_id=args.session)

    async def stream() -> None:
        async for event in provider.stream_reply(ChatRequest(question, args.session)):
            if isinstance(event, TextChanged):
                outcome.text = event.text
                if live:
                    live.apply(event.edit, event.text)
            elif isinstance(event, ReplyFinished):
                outcome.finished = event
                outcome.session_id = event.session_id or outcome.session_id

    task = asyncio.ensure_future(stream())

    def stop(signum: signal.Signals) -> None:
        outcome.stopped_by = signum
        task.cancel()

    loop = asyncio.get_running_loop()
    for signum in _SIGNAL_EXIT:
        loop.add_signal_handler(signum, stop, signum)
    try:
        await task
    except asyncio.CancelledError:
        if outcome.stopped_by is None:
            raise
    except InvalidInput:
        raise
    except AichatError as error:
        outcome.failure = error
        outcome.session_id = error.session_id or outcome.session_id
    finally:
        for signum in _SIGNAL_EXIT:
            loop.remove_signal_handler(signum)
        await provider.aclose()
    _print(outcome, args, live is not None)
    if outcome.stopped_by is not None:
        sys.stderr.write("aichat-tui: stopped; the reply so far is printed above.\n")
        return _SIGNAL_EXIT[outcome.stopped_by]
    if outcome.failure:
        report(outcome.failure)
        return EXIT_SERVICE
    return EXIT_OK


def _print(outcome: _Outcome, args: argparse.Namespace, live: bool) -> None:
    finished = outcome.finished
    options = next((x.options for x in finished.extras if isinstance(x, ClarifyOptions)), ()) \
        if finished else ()
    if args.json:
        result: dict[str, object] = {"text": outcome.text, "session_id": outcome.session_id,
                                     "message_id": finished.message_id if finished else None,
                                     "complete": finished is not None}
        if options:
            result["options"] = list(options)
        if outcome.failure:
            result["error"] = str(outcome.failure)
        print(json.dumps(result, ensure_ascii=False))
        return
    out = sys.stdout
    if not live and (outcome.text or finished):
        out.write((outcome.text if args.raw else make_inert(outcome.text)) + "\n")
    elif live:
        out.write("\n")
    for number, option in enumerate(options, 1):
        out.write(f"  {number}. {make_inert(option)}\n")
    if live and outcome.session_id and finished:
        demo = "--demo " if args.demo else ""
        sys.stderr.write(f"(continue with: aichat-tui {demo}ask --session "
                         f"{make_inert(outcome.session_id)} …)\n")
