"""The model lists of the providers, kept on disk for a day (the picker and `models`)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.private_files import private_dir, write_private

log = logging.getLogger(__name__)

MODEL_LIST_TTL = 24 * 3600.0


class ModelListCache:
    """One private JSON file: provider -> {"source", "fetched_at", "models"}. `source` (the base
    URL) changing makes the entry stale, so pointing a provider elsewhere lists the new server;
    it is kept as a digest, since a base URL may carry a proxy's credentials."""

    def __init__(self, path: Path, *, ttl: float = MODEL_LIST_TTL,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock

    def load(self, provider: str, source: str) -> list[str] | None:
        entry = self._read().get(provider)
        try:
            if (not isinstance(entry, dict) or entry["source"] != _digest(source)
                    or self.clock() - float(entry["fetched_at"]) > self.ttl):
                return None
            models = entry["models"]
        except (KeyError, TypeError, ValueError):
            return None
        return [m for m in models if isinstance(m, str)] if isinstance(models, list) else None

    def save(self, provider: str, source: str, models: list[str]) -> None:
        stored = self._read()
        stored[provider] = {"source": _digest(source), "fetched_at": self.clock(),
                            "models": models}
        try:
            private_dir(self.path.parent)
            write_private(self.path, json.dumps(stored, ensure_ascii=False))
        except OSError as e:
            log.warning("Could not cache the model lists in %s: %s", self.path, e)

    def _read(self) -> dict[str, Any]:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            # A damaged cache costs one request, never an error.
            log.warning("Ignoring the model list cache %s: %s", self.path, e)
            return {}
        return stored if isinstance(stored, dict) else {}


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
