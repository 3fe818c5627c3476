"""A Qiniu speech client pointed at the emulator, with its own cache directory."""

from __future__ import annotations

import pytest

from tui.backends.qiniu import QiniuSpeech
from tui.domain.secret import Secret
from tui.emulator import DEMO
from tui.settings import QiniuSettings


@pytest.fixture
async def make_speech(emulator, tmp_path):
    """make_speech(key=..., base_url=..., **kwargs) -> a QiniuSpeech, closed after the test."""
    made: list[QiniuSpeech] = []

    def make(key: str = DEMO.qiniu_api_key, base_url: str | None = None, **kwargs) -> QiniuSpeech:
        settings = QiniuSettings(api_key=Secret(key), base_url=base_url or f"{emulator.base_url}/v1")
        kwargs.setdefault("cache_dir", tmp_path / "cache")
        kwargs.setdefault("config_path", tmp_path / "config.toml")
        made.append(QiniuSpeech(settings, **kwargs))
        return made[-1]

    yield make
    for speech in made:
        await speech.aclose()


@pytest.fixture
def speech(make_speech) -> QiniuSpeech:
    return make_speech()
