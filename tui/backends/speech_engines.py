"""Which speech engine speaks a voice: `tencent-*` voices are Tencent's, the rest Qiniu's."""

from __future__ import annotations

from tui.domain.voice import SpeechEngine, Voice
from tui.settings import Settings


def speech_engine_for(settings: Settings, voice: str) -> SpeechEngine:
    from tui.backends.tencent.speech import is_tencent_voice

    if is_tencent_voice(voice):
        from tui.backends.tencent.client import TencentClient
        from tui.backends.tencent.speech import TencentSpeech

        return TencentSpeech(TencentClient.from_settings(settings))
    from tui.backends.qiniu import QiniuSpeech

    return QiniuSpeech.from_settings(settings)


def tencent_voices(settings: Settings) -> list[Voice]:
    """Tencent's fixed catalogue, when the platform is set up (no request needed)."""
    from tui.backends.tencent.speech import VOICES

    return list(VOICES) if not settings.tencent.missing() else []
