"""Which speech recogniser `listen` (and the app) can use, by name, imported only when chosen.

Each entry names a class with `from_settings(settings)` that implements
`tui.domain.transcript.SpeechRecognizer`. Another vendor plugs in with one line here. A vendor
with a separate API for long audio is also in `LONG_AUDIO`, and its `from_settings` takes
`long_audio=True` (`listen --long`).
"""

from __future__ import annotations

import importlib

from tui.domain.errors import InvalidInput
from tui.domain.transcript import SpeechRecognizer
from tui.settings import Settings

RECOGNIZERS = {"qiniu": "tui.backends.qiniu.asr:QiniuRecognizer",
               "tencent": "tui.backends.tencent.recognition:TencentRecognizer"}
LONG_AUDIO = frozenset({"tencent"})
DEFAULT_RECOGNIZER = "qiniu"


def open_recognizer(settings: Settings, name: str = DEFAULT_RECOGNIZER, *,
                    long_audio: bool = False) -> SpeechRecognizer:
    if long_audio and name not in LONG_AUDIO:
        raise InvalidInput(f"{name} has no separate recognition for long audio: it hears audio "
                           "of any length as it streams.",
                           "Leave out --long, or use --provider "
                           f"{' or '.join(sorted(LONG_AUDIO))}.")
    module, _, cls = RECOGNIZERS[name].partition(":")
    opener = getattr(importlib.import_module(module), cls).from_settings
    made = opener(settings, long_audio=True) if long_audio else opener(settings)
    recognizer: SpeechRecognizer = made
    return recognizer
