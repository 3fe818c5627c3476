"""Which speech engine speaks a voice: `tencent-*` voices are Tencent's, the rest Qiniu's."""

from __future__ import annotations

from collections.abc import Callable

from tui.domain.voice import SpeechEngine, Voice
from tui.settings import Settings


def engine_name(voice: str) -> str:
    """Which vendor speaks `voice`: "tencent" or "qiniu"."""
    from tui.backends.tencent.speech import is_tencent_voice

    return "tencent" if is_tencent_voice(voice) else "qiniu"


def open_speech_engine(settings: Settings, name: str) -> SpeechEngine:
    """The engine of vendor `name` ("qiniu" or "tencent"); close it with `aclose()`."""
    if name == "tencent":
        from tui.backends.tencent.client import TencentClient
        from tui.backends.tencent.speech import TencentSpeech

        return TencentSpeech(TencentClient.from_settings(settings))
    from tui.backends.qiniu import QiniuSpeech

    return QiniuSpeech.from_settings(settings)


def speech_engine_for(settings: Settings, voice: str) -> SpeechEngine:
    return open_speech_engine(settings, engine_name(voice))


def tencent_voices(settings: Settings) -> list[Voice]:
    """Tencent's fixed catalogue, when the platform is set up (no request needed)."""
    from tui.backends.tencent.speech import VOICES

    return list(VOICES) if not settings.tencent.missing() else []


async def list_all_voices(settings: Settings, qiniu: Callable[[], SpeechEngine], *,
                          refresh: bool = False) -> list[Voice]:
    """Qiniu's catalogue (from `qiniu()`, made only when needed), then Tencent's four when the
    platform is set up; Tencent's alone when Qiniu has no key, for whoever only has a Tencent
    gateway."""
    tencent = tencent_voices(settings)
    if tencent and not settings.qiniu.api_key:
        return tencent
    return await qiniu().list_voices(refresh=refresh) + tencent
