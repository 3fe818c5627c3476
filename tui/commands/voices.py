"""`aichat-tui voices`: Qiniu's voice catalogue and Tencent's voices (when Tencent is set up),
as a table, as lines, or as JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO

from tui.commands.session import EXIT_OK, command_settings, exit_code, report
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.inert_text import inert_json, inert_value
from tui.domain.voice import Voice
from tui.settings import Settings

COLUMNS = ("VOICE TYPE", "NAME", "LANGUAGE", "GENDER", "CATEGORY")
_CELL = 80  # characters of one cell at most


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "voices", help="list the text-to-speech voices (Qiniu's, and Tencent's when set up)",
        description="List the voices Qiniu (and Tencent, when [tencent] is set up) can speak "
                    "in. On a terminal: a table (* marks the "
                    "voice in use); piped: one tab-separated line per voice (voice type, name, "
                    "language, gender, category). The list is cached for a day.")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON array of {voice_type, name, category, language, "
                             "gender, preview_url}")
    parser.add_argument("--category", metavar="NAME",
                        help="only voices of this category, by its Chinese or English name "
                             "(传统音色 Standard, 双语音色 Bilingual, 特殊音色 Character)")
    parser.add_argument("--refresh", action="store_true",
                        help="fetch the list again instead of using the cached one")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        with command_settings(args.demo) as settings:
            voices = asyncio.run(_fetch(settings, refresh=args.refresh))
        if args.category:
            voices = _in_category(voices, args.category)
    except AichatError as error:
        report(error, settings)
        return exit_code(error)
    _print(voices, settings.qiniu.voice, as_json=args.json, out=sys.stdout)
    return EXIT_OK


def _print(voices: list[Voice], current: str, *, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(inert_json([_as_json(v) for v in voices], indent=1) + "\n")
    elif out.isatty():
        _print_table(voices, current, out)
    else:
        for v in voices:
            fields = (v.voice_type, v.name, v.language, v.gender, v.category)
            out.write("\t".join(inert_value(f, _CELL) for f in fields) + "\n")


async def _fetch(settings: Settings, *, refresh: bool) -> list[Voice]:
    from tui.backends.qiniu import QiniuSpeech
    from tui.backends.speech_engines import list_all_voices

    made: list[QiniuSpeech] = []

    def qiniu() -> QiniuSpeech:
        made.append(QiniuSpeech.from_settings(settings))
        return made[-1]

    try:
        return await list_all_voices(settings, qiniu, refresh=refresh)
    finally:
        for engine in made:
            await engine.aclose()


def _in_category(voices: list[Voice], name: str) -> list[Voice]:
    chosen = [v for v in voices if v.in_category(name)]
    if not chosen:
        known = dict.fromkeys(f"{v.category} ({v.category_label})" if v.category_label != v.category
                              else v.category for v in voices)
        raise InvalidInput(f"No voices are in the category {name!r}.",
                           f"Categories: {', '.join(known) or 'none'}.")
    return chosen


def _as_json(voice: Voice) -> dict[str, str]:
    return {"voice_type": voice.voice_type, "name": voice.name, "category": voice.category,
            "language": voice.language, "gender": voice.gender, "preview_url": voice.preview_url}


def _print_table(voices: list[Voice], current: str, out: TextIO) -> None:
    from rich.cells import cell_len  # CJK names are two cells per character

    # Every cell is service text: inert, on one line, and short enough to keep the table a table.
    rows = [(("* " if v.voice_type == current else "  ") + inert_value(v.voice_type, _CELL),
             *(inert_value(cell, _CELL) for cell in (v.name, v.language_label, v.gender_label,
                                                     v.category_label)))
            for v in voices]
    header = ("  " + COLUMNS[0], *COLUMNS[1:])
    widths = [max(cell_len(row[i]) for row in [header, *rows]) for i in range(len(COLUMNS))]
    for row in [header, *rows]:
        cells = [cell + " " * (width - cell_len(cell))
                 for cell, width in zip(row, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")
    out.write(f"\n{len(voices)} voices. Hear one: aichat-tui say --voice VOICE_TYPE \"Hello\"\n")
