"""Secrets whose repr never shows them, and redaction of text that might contain them."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"


class Secret:
    """A string that only `reveal()` gives back; `str`, `repr` and f-strings show `***`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})" if self._value else "Secret('')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return REDACTED


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each (non-trivial) secret in `text` with `***`."""
    for value in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


_SSE_PATH = re.compile(r"(/sse/[^/\s]+)/[^/\s]+/[^/\s]+/[^/\s]+/[^/\s?#\"']+")


def redact_stream_urls(text: str) -> str:
    """Hide the token, channel, sign and timestamp of any Tongyi stream URL in `text`."""
    return _SSE_PATH.sub(r"\1/***", text)
