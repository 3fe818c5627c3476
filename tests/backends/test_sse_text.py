"""The SSE reader every SSE backend uses: the specification's framing, however the body is cut
into network reads, bounded events, and a deadline that never interrupts the consumer."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.backends.misbehaving import Misbehaving, head
from tui.backends.sse_text import EventTooLarge, SSEDecoder, sse_batches
from tui.domain.errors import StreamInterrupted


def decoded(*reads: bytes, limit: int = 2**20) -> list[list[str]]:
    decoder = SSEDecoder(limit)
    return [batch for batch in (*map(decoder.feed, reads), decoder.close()) if batch]


def flat(batches: list[list[str]]) -> list[str]:
    return [data for batch in batches for data in batch]


def test_the_events_of_one_read_come_as_one_batch():
    assert decoded(b"data: a\n\ndata: b\n\n", b"data: c\n\n") == [["a", "b"], ["c"]]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_fields_comments_and_line_endings(newline):
    body = newline.join([
        b"\xef\xbb\xbf: a comment", b"event: delta", b"id: 7", b"retry: 100", b"data:no space",
        b"", b"data:  two spaces", b"data", b"data: third", b"", b"", b"", b"unknown: x", b"",
        b"data: caf\xc3\xa9", b"", b"data: last, without its blank line"])
    assert flat(decoded(body)) == ["no space", " two spaces\n\nthird", "caf\u00e9",
                                   "last, without its blank line"]


def test_an_event_without_data_is_no_event():
    assert decoded(b": keep-alive\n\nevent: ping\n\nid: 3\n\ndata:\n\n") == []


def specified(body: str) -> list[str]:
    """The data of the events of `body`, read line by line as the SSE specification says
    (and the last event counted without its blank line, as the services need; an event whose
    data is empty carries nothing for these clients and is not passed on)."""
    found, data = [], []
    for line in re.split("\r\n|\r|\n", body.removeprefix("\ufeff")):
        if not line:
            found.append("\n".join(data))
            data = []
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value.removeprefix(" "))
    return [event for event in [*found, "\n".join(data)] if event]


line = st.sampled_from(["data: {\"a\": 1}", "data: caf\u00e9 \u4e2d\u6587", ": ping", "", "",
                        "data", "event: x", "id: 1", "data:x", "data:  two", "datum: no"])


@given(st.booleans(), st.lists(st.tuples(line, st.sampled_from(["\n", "\r\n", "\r"])),
                               max_size=14),
       st.lists(st.integers(0, 300), max_size=8))
def test_any_body_cut_into_any_reads_reads_as_specified(bom, lines, cuts):
    body = ("\ufeff" if bom else "") + "".join(text + end for text, end in lines)
    raw = body.encode()
    reads, start = [], 0
    for cut in sorted(set(cuts)):
        reads.append(raw[start:cut])
        start = max(start, cut)
    reads.append(raw[start:])
    assert flat(decoded(*[read for read in reads if read])) == specified(body)


def test_one_event_past_the_limit_is_refused_even_over_many_reads():
    decoder = SSEDecoder(limit=100)
    assert decoder.feed(b"data: " + b"x" * 60) == []
    with pytest.raises(EventTooLarge):
        decoder.feed(b"x" * 60)


async def test_the_consumer_may_take_longer_than_the_timeout_between_events():
    async def paced(writer):
        writer.write(head("200 OK", "text/event-stream"))
        for n in range(3):
            writer.write(b"data: %d\n\n" % n)
            await writer.drain()
            await asyncio.sleep(0.1)

    async with Misbehaving(paced) as server, httpx.AsyncClient() as client:
        async with client.stream("GET", server.url) as response:
            seen = []
            async for batch in sse_batches(response, 0.5, lambda: StreamInterrupted("late")):
                seen += batch
                await asyncio.sleep(0.8)  # the consumer's own work, longer than the timeout
    assert seen == ["0", "1", "2"]


async def test_an_event_that_never_completes_trips_the_timeout():
    async def stalled(writer):
        writer.write(head("200 OK", "text/event-stream") + b"data: 0\n\ndata: 1")
        await writer.drain()
        for _ in range(20):
            writer.write(b"1")  # progress on the socket, never a whole event
            await writer.drain()
            await asyncio.sleep(0.1)

    seen = []
    async with Misbehaving(stalled) as server, httpx.AsyncClient() as client:
        async with client.stream("GET", server.url) as response:
            started = time.monotonic()
            with pytest.raises(StreamInterrupted, match="late"):
                async for batch in sse_batches(response, 0.5, lambda: StreamInterrupted("late")):
                    seen += batch
    assert seen == ["0"] and time.monotonic() - started < 1.5
