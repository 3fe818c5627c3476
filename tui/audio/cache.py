"""Synthesized audio on disk, so hearing something again is instant and costs no request.

Entries are keyed by everything that shapes the audio (voice, speed, text, encoding); a
reply is cached sentence by sentence, the unit it is synthesized in. The cache is best effort:
a full disk or a damaged file costs a request, never an error. Past `max_bytes` the entries
used least recently are removed, on a thread of its own: with thousands of entries that scan
takes a tenth of a second, which the event loop (the UI) must not wait for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from tui.private_files import private_dir, write_private

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


class AudioCache:
    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._total: int | None = None  # bytes on disk, counted once, then kept up to date
        self._lock = threading.Lock()
        self._pruner: threading.Thread | None = None
        self._prune_again = False

    def get(self, *key: object) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: keep it when pruning
        except OSError:
            return None
        return data

    def put(self, data: bytes, *key: object) -> None:
        path = self._path(key)
        try:
            private_dir(path.parent)
            write_private(path, data)
        except OSError as e:
            log.warning("Could not cache audio in %s: %s", self.root, e)
            return
        with self._lock:
            if self._total is not None:
                self._total += len(data)
            if self._total is not None and self._total <= self.max_bytes:
                return
            if self._pruner is not None and self._pruner.is_alive():
                self._prune_again = True  # the running prune goes round once more
                return
            self._pruner = threading.Thread(target=self._prune_until_settled,
                                            name="audio-cache-prune", daemon=True)
            self._pruner.start()

    def settle(self, timeout: float | None = None) -> None:
        """Wait for a prune in progress (tests; a process about to exit)."""
        pruner = self._pruner
        if pruner is not None:
            pruner.join(timeout)

    def _path(self, key: tuple[object, ...]) -> Path:
        digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()
        return self.root / digest[:2] / digest

    def _prune_until_settled(self) -> None:
        while True:
            self._prune()
            with self._lock:
                if not self._prune_again:
                    return
                self._prune_again = False

    def _prune(self) -> None:
        try:
            entries = [(entry.stat(), entry) for entry in self.root.glob("??/*") if entry.is_file()]
        except OSError:
            return
        total = sum(stat.st_size for stat, _ in entries)
        for stat, entry in sorted(entries, key=lambda pair: pair[0].st_mtime):
            if total <= self.max_bytes:
                break
            try:
                entry.unlink()
            except OSError:
                continue
            total -= stat.st_size
        with self._lock:
            self._total = total
