"""Which speech recogniser `listen` (and the app) can use, by name, imported only when chosen.

Each entry names a class with `from_settings(settings)` that implements
`tui.domain.transcript.SpeechRecognizer`. Another vendor plugs in with one line here.
"""

from __future__ import annotations

import importlib

from tui.domain.transcript import SpeechRecognizer
from tui.settings import Settings

RECOGNIZERS = {"qiniu": "tui.backends.qiniu.asr:QiniuRecognizer"}
DEFAULT_RECOGNIZER = "qiniu"


def open_recognizer(settings: Settings, name: str = DEFAULT_RECOGNIZER) -> SpeechRecognizer:
    module, _, cls = RECOGNIZERS[name].partition(":")
    made = getattr(importlib.import_module(module), cls).from_settings(settings)
    recognizer: SpeechRecognizer = made
    return recognizer
