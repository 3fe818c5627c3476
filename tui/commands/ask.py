"""`aichat-tui ask`: one question, the reply on stdout. The scriptable face of the product."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
from dataclasses import dataclass
from typing import Any

from tui.commands.exchange import Exchange, open_exchange
from tui.commands.session import (
    EXIT_OK,
    EXIT_SERVICE,
    command_settings,
    exit_code,
    read_text_argument,
    report,
)
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.events import ClarifyOptions, ReplyFinished, TextChanged
from tui.domain.inert_text import inert_json, make_inert
from tui.settings import CHAT_PROVIDERS, Settings

# What a shell reports for a command ended by SIGINT / SIGTERM.
_SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask", help="ask one question and print the reply",
        description="Ask one question. On a terminal the reply streams as it arrives; piped, "
                    "stdout receives the final reply and a newline, with control characters "
                    "shown inert (--raw for the exact bytes). Each exchange is saved in the "
                    "history, like the app's.")
    parser.add_argument("text", metavar="TEXT", help="the question, or - to read it from stdin")
    parser.add_argument("--provider", choices=CHAT_PROVIDERS,
                        help="who answers (default: [chat] provider, or the conversation's)")
    parser.add_argument("--model", metavar="ID", help="the model (see `aichat-tui models`)")
    parser.add_argument("--search", action="store_true",
                        help="ask for web search (Qiniu models)")
    parser.add_argument("--session", metavar="ID",
                        help="continue a conversation: Tongyi's SessionId, or the session_id "
                             "that --json printed")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object at the end: text, session_id, message_id, "
                             "complete, provider, model, finish_reason (and reasoning)")
    parser.add_argument("--raw", action="store_true",
                        help="piped: write the reply exactly as received, "
                             "escape sequences included")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        question = read_text_argument(args.text, "question")
        with command_settings(args.demo) as settings:
            history = _open_history(settings)
            try:
                exchange = open_exchange(history, args.session, args.provider, args.model,
                                         settings.chat.provider)
                return asyncio.run(_ask(settings, exchange, question, args))
            finally:
                if history is not None:
                    history.close()
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


def _open_history(settings: Settings) -> Any:
    from tui.store import History, HistoryError

    try:
        # A damaged page is reported when it is read; checking them all would cost every
        # `ask` time in proportion to the history.
        return History.open(settings.history_path, check=False)
    except HistoryError as error:
        # The question still deserves an answer; it just is not saved.
        report(error, settings)
        return None


@dataclass
class _Outcome:
    # The reply's latest edit: its whole text is made only when read (a save a second, the end).
    answer: TextChanged | None = None
    finished: ReplyFinished | None = None
    failure: AichatError | None = None
    stopped_by: signal.Signals | None = None
    session_id: str | None = None
    omitted: int = 0

    @property
    def text(self) -> str:
        return self.answer.text if self.answer is not None else ""


async def _ask(settings: Settings, exchange: Exchange, question: str,
               args: argparse.Namespace) -> int:
    from tui.backends import registry
    from tui.domain.events import ContextTrimmed
    from tui.domain.providers import ChatRequest

    provider = registry.build(settings, exchange.provider)
    exchange.model = exchange.model or registry.default_model(settings, exchange.provider)
    live = None
    if not args.json and sys.stdout.isatty():
        from tui.commands.live_text import LiveText

        live = LiveText(sys.stdout, shutil.get_terminal_size().columns)
    outcome = _Outcome(session_id=exchange.session_id)
    request = ChatRequest(question, exchange.session_id, exchange.turns, exchange.model,
                          args.search)

    async def stream() -> None:
        async for event in provider.stream_reply(request):
            if isinstance(event, TextChanged):
                outcome.answer = event
                exchange.update(lambda: outcome.text)
                if live:
                    live.apply(event.edit, lambda: outcome.text)
            elif isinstance(event, ContextTrimmed):
                outcome.omitted = event.omitted
            elif isinstance(event, ReplyFinished):
                outcome.finished = event
                outcome.session_id = event.session_id or outcome.session_id

    exchange.start(question)
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
        exchange.finish(outcome.text, outcome.finished,
                        str(outcome.failure) if outcome.failure else None)
    if exchange.provider != "tongyi":
        # Stateless providers continue from the history: the conversation is the session.
        outcome.session_id = exchange.conversation_id
    _print(outcome, exchange, args, live is not None)
    if outcome.stopped_by is not None:
        sys.stderr.write("aichat-tui: stopped; the reply so far is printed above.\n")
        return _SIGNAL_EXIT[outcome.stopped_by]
    if outcome.failure:
        report(outcome.failure, settings)
        return EXIT_SERVICE
    return EXIT_OK


def _print(outcome: _Outcome, exchange: Exchange, args: argparse.Namespace, live: bool) -> None:
    from tui.domain.finish import finish_notice

    finished = outcome.finished
    options = next((x.options for x in finished.extras if isinstance(x, ClarifyOptions)), ()) \
        if finished else ()
    notes = [f"{outcome.omitted} older turns of the conversation were left out (the [chat] "
             "context_chars budget)."] if outcome.omitted else []
    notice = finish_notice(finished.finish_reason if finished else None)
    notes += [notice] if notice else []
    notes += exchange.problems
    if args.json:
        result: dict[str, Any] = {
            "text": outcome.text, "session_id": outcome.session_id,
            "message_id": finished.message_id if finished else None,
            "complete": finished is not None, "provider": exchange.provider,
            "model": finished.model if finished and finished.model else exchange.model,
            "finish_reason": finished.finish_reason if finished else None}
        if finished and finished.reasoning:
            result["reasoning"] = finished.reasoning
        if options:
            result["options"] = list(options)
        if outcome.omitted:
            result["omitted_turns"] = outcome.omitted
        if outcome.failure:
            result["error"] = str(outcome.failure)
        print(inert_json(result))
    else:
        out = sys.stdout
        if not live and (outcome.text or finished):
            out.write((outcome.text if args.raw else make_inert(outcome.text)) + "\n")
        elif live:
            out.write("\n")
        for number, option in enumerate(options, 1):
            out.write(f"  {number}. {make_inert(option)}\n")
    for note in notes:
        sys.stderr.write(f"aichat-tui: {make_inert(note)}\n")
    if live and outcome.session_id and finished and not args.json:
        demo = "--demo " if args.demo else ""
        sys.stderr.write(f"(continue with: aichat-tui {demo}ask --session "
                         f"{make_inert(outcome.session_id)} …)\n")
