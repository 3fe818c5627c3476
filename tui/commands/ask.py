"""`aichat-tui ask`: one question, the reply on stdout. The scriptable face of the product."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys

from tui.commands.session import (EXIT_OK, EXIT_SERVICE, command_settings, exit_code, report,
                                  tongyi_settings_or_error)
from tui.domain.errors import AichatError, InvalidInput


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask", help="ask one question and print the reply",
        description="Ask Tongyi one question. On a terminal the reply streams as it arrives; "
                    "piped, stdout receives exactly the final reply and a newline.")
    parser.add_argument("text", metavar="TEXT", help="the question, or - to read it from stdin")
    parser.add_argument("--session", metavar="ID", help="continue the conversation with this SessionId")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object at the end: text, session_id, message_id, complete")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        question = sys.stdin.read() if args.text == "-" else args.text
        with command_settings(args.demo) as settings:
            tongyi = tongyi_settings_or_error(settings)
            return asyncio.run(_ask(tongyi, question, args.session, args.json))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


async def _ask(tongyi, question: str, session_id: str | None, as_json: bool) -> int:
    from tui.backends.aliyun import TongyiProvider
    from tui.domain.events import ClarifyOptions, ReplyFinished, TextChanged
    from tui.domain.providers import ChatRequest

    live = None
    if not as_json and sys.stdout.isatty():
        from tui.commands.live_text import LiveText

        live = LiveText(sys.stdout, shutil.get_terminal_size().columns)
    provider = TongyiProvider(tongyi)
    text, finished, failure = "", None, None
    try:
        async for event in provider.stream_reply(ChatRequest(question, session_id)):
            if isinstance(event, TextChanged):
                text = event.text
                if live:
                    live.apply(event.edit, event.text)
            elif isinstance(event, ReplyFinished):
                finished = event
    except InvalidInput:
        raise
    except AichatError as error:
        failure = error
    finally:
        await provider.aclose()

    if as_json:
        extras = finished.extras if finished else ()
        options = [list(x.options) for x in extras if isinstance(x, ClarifyOptions)]
        result = {"text": text, "session_id": finished.session_id if finished else None,
                  "message_id": finished.message_id if finished else None,
                  "complete": finished is not None}
        if options:
            result["options"] = options[0]
        if failure:
            result["error"] = str(failure)
        print(json.dumps(result, ensure_ascii=False))
    elif live:
        sys.stdout.write("\n")
        for extra in finished.extras if finished else ():
            if isinstance(extra, ClarifyOptions):
                for number, option in enumerate(extra.options, 1):
                    sys.stdout.write(f"  {number}. {option}\n")
        if finished and finished.session_id:
            sys.stderr.write(f"(continue with: aichat-tui ask --session {finished.session_id} …)\n")
    elif text or finished:
        sys.stdout.write(text + "\n")
    if failure:
        report(failure)
        return EXIT_SERVICE
    return EXIT_OK
