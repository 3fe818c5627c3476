"""The voice catalogue: parsing Qiniu's list, and a day-long cache of it on disk."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.domain.voice import Voice
from tui.private_files import private_dir, write_private

log = logging.getLogger(__name__)

VOICE_LIST_TTL = 24 * 3600.0


def parse_voices(payload: Any) -> list[Voice] | None:
    """Voices from a list answer: a bare array, or one wrapped as {"voices"|"data": [...]}.
    Entries without a voice_type are skipped (the list is data that can change); None means
    the payload is not a voice list at all."""
    if isinstance(payload, dict):
        payload = next((payload[k] for k in ("voices", "data") if isinstance(payload.get(k), list)),
                       None)
    if not isinstance(payload, list):
        return None
    voices = []
    for entry in payload:
        if not isinstance(entry, dict) or not isinstance(entry.get("voice_type"), str):
            continue
        updated = entry.get("updatetime")
        voices.append(Voice(
            voice_type=entry["voice_type"],
            name=str(entry.get("voice_name") or entry["voice_type"]),
            category=str(entry.get("category") or ""),
            preview_url=str(entry.get("url") or ""),
            updated_ms=updated if isinstance(updated, int) and not isinstance(updated, bool) else 0,
        ))
    return voices


class VoiceListCache:
    """The last voice list fetched from one base URL, kept for a day."""

    def __init__(self, path: Path, *, ttl: float = VOICE_LIST_TTL,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock

    def load(self, base_url: str) -> list[Voice] | None:
        """The cached list if it is fresh and from `base_url`; None otherwise."""
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored["base_url"] != base_url or self.clock() - stored["fetched_at"] > self.ttl:
                return None
            return [Voice(**fields) for fields in stored["voices"]]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as e:
            # A damaged cache costs one request, never an error.
            log.warning("Ignoring the voice list cache %s: %s", self.path, e)
            return None

    def save(self, base_url: str, voices: list[Voice]) -> None:
        stored = {"base_url": base_url, "fetched_at": self.clock(),
                  "voices": [v._asdict() for v in voices]}
        try:
            private_dir(self.path.parent)
            write_private(self.path, json.dumps(stored, ensure_ascii=False))
        except OSError as e:
            log.warning("Could not cache the voice list in %s: %s", self.path, e)
