"""Reading the SSE framing of the Tongyi stream with httpx-sse, and its quirks.

Two quirks of the real stream meet two of httpx-sse: a last event without its blank line
(httpx-sse drops it) and two `data:` lines separated by one newline (httpx-sse joins them into
one event whose data holds both documents).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource

log = logging.getLogger(__name__)


class _BlankLineTerminated:
    """The parts of a response EventSource reads, with a blank line added after the body."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.headers = response.headers

    async def aiter_text(self) -> AsyncIterator[str]:
        async for text in self._response.aiter_text():
            yield text
        # Ends a final event that lacks its blank line; harmless after a complete one.
        yield "\n\n"


async def envelopes(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Yield every JSON document of the stream, in order. Malformed ones are logged and skipped:
    each snapshot is cumulative, so the next one carries whatever a lost one had."""
    source = EventSource(_BlankLineTerminated(response))  # type: ignore[arg-type]
    async for event in source.aiter_sse():
        data = event.data
        for document in data.split("\n") if "\n" in data else (data,):
            if not document.strip():
                continue
            try:
                envelope = json.loads(document)
            except ValueError:
                log.warning("skipped a malformed stream event (%d characters)", len(document))
                continue
            if isinstance(envelope, dict):
                yield envelope
            else:
                log.warning("skipped a stream event that is not a JSON object")
