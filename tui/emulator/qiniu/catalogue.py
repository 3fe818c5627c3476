"""The emulator's voice catalogue: the 38 voices public clients see, previews served locally."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PREVIEW_PATH = "/v1/voice/preview/{voice_type}.mp3"


@cache
def _fixture() -> tuple[dict[str, Any], ...]:
    text = resources.files(__package__).joinpath("voices.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


def voice_list(base_url: str) -> list[dict[str, Any]]:
    """The catalogue as the service returns it, preview URLs pointing at this emulator."""
    return [{**voice, "url": base_url + PREVIEW_PATH.format(voice_type=voice["voice_type"])}
            for voice in _fixture()]


def find_voice(voice_type: str) -> dict[str, Any] | None:
    return next((v for v in _fixture() if v["voice_type"] == voice_type), None)


def preview_text(voice: dict[str, Any]) -> str:
    if "_en_" in voice["voice_type"]:
        return "Hello! This is how I sound. Shall I read your replies?"
    return f"你好，我是{voice['voice_name']}。很高兴为你朗读。"
