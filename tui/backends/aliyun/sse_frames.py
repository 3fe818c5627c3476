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

from tui.backends.sse_text import MAX_EVENT_CHARS, BlankLineTerminated

log = logging.getLogger(__name__)


async def envelopes(response: httpx.Response, max_event_chars: int = MAX_EVENT_CHARS
                    ) -> AsyncIterator[dict[str, Any]]:
    """Yield every JSON document of the stream, in order. Malformed ones are logged and skipped:
    each snapshot is cumulative, so the next one carries whatever a lost one had. An event
    longer than `max_event_chars` raises EventTooLarge."""
    source = EventSource(BlankLineTerminated(response, max_event_chars))  # type: ignore[arg-type]
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
