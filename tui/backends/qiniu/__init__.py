"""Qiniu's AI inference API: the voice catalogue and text-to-speech (one-shot and streamed)."""

from tui.backends.qiniu.engine import QiniuSpeech

__all__ = ["QiniuSpeech"]
