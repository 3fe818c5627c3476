"""`aichat-tui keywords`: find keywords in a recording with Tencent's keyword search, printing
each hit as the platform posts it back."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.commands.session import EXIT_OK, command_settings, exit_code, report
from tui.domain.errors import AichatError
from tui.domain.inert_text import inert_json, make_inert
from tui.settings import Settings

if TYPE_CHECKING:
    from tui.backends.tencent.recognition import KeywordHit


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "keywords", help="find keywords in a recording (Tencent keyword search)",
        description="Send FILE (WAV, MP3, FLAC or Vorbis; sent as 8 kHz mono) to Tencent's "
                    "keyword search and print each hit as its result arrives: keyword, start "
                    "and end time, score. Results come back to a small local HTTP receiver; "
                    "set [tencent] callback_url if the service must reach it from outside.")
    parser.add_argument("file", type=Path, metavar="FILE", help="the recording")
    parser.add_argument("--words", required=True, metavar="W1|W2",
                        help="keywords separated by |, each at least two characters")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per hit: keyword, start_ms, end_ms, score, "
                             "segment")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        from tui.backends.tencent.recognition import keyword_list

        words = keyword_list(args.words)
        with command_settings(args.demo) as settings:
            return asyncio.run(_search(settings, args.file, words, as_json=args.json))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


async def _search(settings: Settings, path: Path, words: list[str], *, as_json: bool) -> int:
    from tui.audio.sources import decode_file
    from tui.backends.tencent.client import TencentClient
    from tui.backends.tencent.recognition import KEYWORD_RATE, TencentRecognizer

    pcm = await asyncio.to_thread(decode_file, path, KEYWORD_RATE)
    recognizer = TencentRecognizer(TencentClient.from_settings(settings))
    found = 0
    try:
        async for hit in recognizer.keywords(pcm, words):
            found += 1
            sys.stdout.write(_line(hit, as_json))
            sys.stdout.flush()
    finally:
        await recognizer.aclose()
    if not as_json:
        sys.stderr.write(f"{found} hit{'s' if found != 1 else ''}.\n")
    return EXIT_OK


def _line(hit: KeywordHit, as_json: bool) -> str:
    if as_json:
        return inert_json({"keyword": hit.keyword, "start_ms": hit.start_ms,
                           "end_ms": hit.end_ms, "score": hit.score, "segment": hit.segment}) + "\n"
    return (f"{make_inert(hit.keyword)}\t{hit.start_ms / 1000:.2f}s\t{hit.end_ms / 1000:.2f}s"
            f"\tscore {hit.score:g}\n")
