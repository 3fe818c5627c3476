"""Reading the SSE framing of the Tongyi stream (`sse_text`), and its quirks.

The real stream may end its last event without a blank line (`sse_batches` counts it) and
may separate two `data:` lines by one newline, which SSE joins into one event whose data holds
both documents: each line is a document of its own here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any

import httpx

from tui.backends.sse_text import MAX_EVENT_BYTES, sse_batches
from tui.domain.errors import AichatError

log = logging.getLogger(__name__)


async def envelopes(response: httpx.Response, timeout: float,
                    on_expiry: Callable[[], AichatError],
                    max_event_bytes: int = MAX_EVENT_BYTES) -> AsyncIterator[dict[str, Any]]:
    """Yield every JSON document of the stream, in order. Malformed ones are logged and skipped:
    each snapshot is cumulative, so the next one carries whatever a lost one had. Raises
    `on_expiry()` when no event completes for `timeout` seconds, and EventTooLarge for an event
    longer than `max_event_bytes`."""
    async with aclosing(sse_batches(response, timeout, on_expiry, max_event_bytes)) as batches:
        async for batch in batches:
            for data in batch:
                for document in data.split("\n") if "\n" in data else (data,):
                    if not document.strip():
                        continue
                    try:
                        envelope = json.loads(document)
                    except ValueError:
                        log.warning("skipped a malformed stream event (%d characters)",
                                    len(document))
                        continue
                    if isinstance(envelope, dict):
                        yield envelope
                    else:
                        log.warning("skipped a stream event that is not a JSON object")
