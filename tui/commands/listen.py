"""`aichat-tui listen`: speech to text, from a file, an audio URL or the microphone."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from tui.commands.session import EXIT_OK, EXIT_SERVICE, command_settings, exit_code, report
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.reply import Edit
from tui.domain.transcript import TranscriptChanged, TranscriptFinished
from tui.settings import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from tui.backends.recognizers import DEFAULT_RECOGNIZER, RECOGNIZERS

    parser = subparsers.add_parser(
        "listen", help="turn speech into text: a file, an audio URL, or the microphone",
        description="Recognise speech. A FILE (WAV, MP3, FLAC, Ogg Vorbis) is streamed to the "
                    "recogniser; an http(s) URL is fetched by the service; with neither it "
                    "listens to [audio] input (the microphone) until you stop speaking or press "
                    "Enter. On a terminal the transcript updates as it is heard; piped, stdout "
                    "receives exactly the final transcript and a newline.")
    parser.add_argument("source", nargs="?", metavar="FILE | URL",
                        help="an audio file, or an http(s) URL the service can download")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object at the end: text, duration_ms")
    parser.add_argument("--provider", choices=sorted(RECOGNIZERS), default=DEFAULT_RECOGNIZER,
                        help=f"speech recogniser (default: {DEFAULT_RECOGNIZER})")
    parser.add_argument("--long", action="store_true",
                        help="use the provider's recognition for long audio, whose result is "
                             "posted back later (tencent: aai_wxasrlong; chosen by itself for "
                             "audio over the one-call limit)")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        with command_settings(args.demo) as settings:
            return asyncio.run(_listen(settings, args))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


async def _listen(settings: Settings, args: argparse.Namespace) -> int:
    from tui.backends.recognizers import open_recognizer

    live = None
    if not args.json and sys.stdout.isatty():
        from tui.commands.live_text import LiveText

        live = LiveText(sys.stdout, shutil.get_terminal_size().columns)
    recognizer = open_recognizer(settings, args.provider, long_audio=args.long)
    text, duration_ms, failure = "", 0, None
    try:
        source: str | None = args.source
        if source is not None and source.startswith(("http://", "https://")):
            finished = await recognizer.transcribe_url(source)
            text, duration_ms = finished.text, finished.duration_ms
            if live:
                live.apply(Edit(0, text, 0), text)
        else:
            async for event in recognizer.transcribe(await _audio(settings, source)):
                if isinstance(event, TranscriptChanged):
                    text = event.text
                    if live:
                        live.apply(event.edit, event.text)
                elif isinstance(event, TranscriptFinished):
                    text, duration_ms = event.text, event.duration_ms
    except InvalidInput:
        raise
    except AichatError as error:
        if not text:
            raise
        failure = error
    finally:
        await recognizer.aclose()
    _print(text, duration_ms, failure, as_json=args.json, live=live is not None)
    if failure:
        report(failure, settings)
        return EXIT_SERVICE
    return EXIT_OK


def _print(text: str, duration_ms: int, failure: AichatError | None, *, as_json: bool,
           live: bool) -> None:
    from tui.domain.inert_text import inert_json, make_inert

    if as_json:
        result: dict[str, object] = {"text": text, "duration_ms": duration_ms}
        if failure:
            result["error"] = str(failure)
        print(inert_json(result))
    elif live:
        sys.stdout.write("\n")
    elif text:
        sys.stdout.write(make_inert(text) + "\n")


async def _audio(settings: Settings, source: str | None) -> AsyncIterator[bytes]:
    """The PCM to stream: a whole file as fast as it decodes, or live input until silence."""
    from tui.audio.sources import file_source, open_source
    from tui.audio.vad import until_silence

    if source is not None:
        return (await file_source(Path(source))).chunks()
    settings.require("audio", "voice")
    live = await open_source(settings.audio.input)
    _stop_on_enter(live.stop)
    sys.stderr.write("Listening… (stop speaking, or press Enter, to finish)\n")
    return until_silence(live.chunks(), live.stop, settings.voice.silence_timeout)


def _stop_on_enter(stop: Callable[[], None]) -> None:
    if not sys.stdin.isatty():
        return
    loop = asyncio.get_running_loop()

    def on_input() -> None:
        sys.stdin.readline()
        loop.remove_reader(sys.stdin)
        stop()

    loop.add_reader(sys.stdin, on_input)
