"""`aichat-tui say`: speak a text in a Qiniu or Tencent voice, or write the speech to a WAV or
MP3 file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from tui.commands.session import EXIT_OK, command_settings, exit_code, read_text_argument, report
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.inert_text import inert_value, make_inert
from tui.domain.voice import SPEED_MAX, SPEED_MIN, SpeechEngine
from tui.settings import Settings

if TYPE_CHECKING:
    from tui.audio.synthesis import Synthesizer

FILE_TYPES = (".wav", ".mp3")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "say", help="speak a text aloud, or save the speech as WAV or MP3",
        description="Speak TEXT (markdown is fine: markup is not read out) in a Qiniu voice "
                    "or a Tencent one (tencent-1, -5, -6, -7), "
                    "sentence by sentence as it is synthesized. With --out, write it to a file "
                    "instead; that needs no sound device.")
    parser.add_argument("text", nargs="?", metavar="TEXT",
                        help="what to say, or - to read it from standard input")
    parser.add_argument("--voice", metavar="TYPE",
                        help="voice type from `aichat-tui voices` (default: voice in [qiniu])")
    parser.add_argument("--speed", type=float, metavar="R",
                        help="speed ratio from 0.2 to 3.0 (default: speed in [qiniu])")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="write the speech to FILE (.wav or .mp3) instead of playing it")


def run(args: argparse.Namespace) -> int:
    settings = None
    try:
        _check_usage(args)
        text = read_text_argument(args.text, "text")
        with command_settings(args.demo) as settings:
            return asyncio.run(_say(settings, text, args))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


def _check_usage(args: argparse.Namespace) -> None:
    if args.text is None:
        raise InvalidInput("say needs the TEXT to speak, or - to read it from standard input.")
    if args.out is not None and args.out.suffix.lower() not in FILE_TYPES:
        raise InvalidInput(f"--out {args.out} must end in .wav or .mp3.")
    if args.speed is not None and not SPEED_MIN <= args.speed <= SPEED_MAX:
        raise InvalidInput(f"--speed must be from {SPEED_MIN} to {SPEED_MAX}; it is {args.speed}.")


async def _say(settings: Settings, text: str, args: argparse.Namespace) -> int:
    from tui.audio.speakable import speakable
    from tui.audio.synthesis import Synthesizer
    from tui.backends.speech_engines import speech_engine_for

    voice = args.voice or settings.qiniu.voice
    speed = args.speed if args.speed is not None else settings.qiniu.speed
    engine = speech_engine_for(settings, voice)
    try:
        if args.voice is not None:
            await _check_voice(engine, args.voice)
        synthesizer = Synthesizer(engine, settings.cache_dir)
        if args.out is not None:
            length = await synthesizer.save(text, args.out, voice=voice, speed=speed)
            print(f"Wrote {make_inert(str(args.out))} ({length / 1000:.1f} s of speech).")
            return EXIT_OK
        if not speakable(text).strip():
            raise InvalidInput("There is nothing to speak in this text.")
        await _speak(synthesizer, settings, text, voice, speed)
        return EXIT_OK
    finally:
        await engine.aclose()


async def _check_voice(engine: SpeechEngine, voice: str) -> None:
    """An unknown --voice is said as such before any sound device or synthesis is tried."""
    from tui.backends.tencent.speech import is_tencent_voice

    known = {v.voice_type for v in await engine.list_voices()}
    if voice not in known:
        vendor = "Tencent" if is_tencent_voice(voice) else "Qiniu"
        raise InvalidInput(f"{vendor} has no voice {inert_value(repr(voice))}.",
                           "Pick one from `aichat-tui voices` and pass it with --voice.")


async def _speak(synthesizer: Synthesizer, settings: Settings, text: str, voice: str,
                 speed: float) -> None:
    from tui.audio.player import open_player
    from tui.audio.speaker import Speaker

    # The device is opened first: without one, say so before spending any request.
    speaker = Speaker(synthesizer, open_player(settings.audio.backend), voice=voice, speed=speed)
    try:
        await speaker.speak(text)
    finally:
        speaker.close()
