"""Target: the client's handling of an OpenAI-style stream's chunks costs <= 1.5x json.loads.

A 20,000-character reply arrives from the emulator (in its own process) as 2,000 `data:`
chunks (`#bench chars=20000 events=2000` to the Qiniu chat route). The HTTP body is recorded
as it came off the socket, then replayed through the client's own code. The target line is
the handling of the chunks (chunk JSON, deltas into text and edits, each read's events as one
edit), compared with only json.loads-ing the same chunks, the least any client must do. With
the SSE framing before it (httpx-sse's decoder and the deadline), the same body is measured as
the emulator sends it (one chunk a network read, the costliest case) and in 16 KB reads; the
whole client (HTTP included) and the transport alone are printed for context. Everything is
measured in this one run; asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import apply_env, emulator_process  # noqa: E402
from recorded_stream import record, replay, sse_data, whole_client_cpu  # noqa: E402

from tui.backends import registry  # noqa: E402
from tui.backends.openai import OpenAIProvider  # noqa: E402
from tui.backends.openai.chunks import ReplyAssembler  # noqa: E402
from tui.backends.openai.provider import reply_events  # noqa: E402
from tui.backends.sse_text import SSEDecoder  # noqa: E402
from tui.domain.events import ReplyFinished  # noqa: E402
from tui.domain.providers import ChatRequest  # noqa: E402
from tui.settings import load_settings  # noqa: E402

QUESTION = "#bench chars=20000 events=2000 rate=0"
MODEL = "deepseek-v3"
ROUNDS = 5
BULK_READ = 16 * 1024
BODY = {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": QUESTION}]}


async def pipeline_cpu(provider: OpenAIProvider, chunks: list[bytes],
                       headers: httpx.Headers) -> tuple[float, ReplyFinished]:
    response = replay(chunks, headers)
    start = time.process_time()
    async for event in reply_events(response, provider.endpoint, MODEL, provider.timeout):
        last = event
    assert isinstance(last, ReplyFinished)
    return time.process_time() - start, last


def assembly_cpu(provider: OpenAIProvider, batches: list[list[str]]) -> float:
    reply = ReplyAssembler(provider.endpoint, MODEL)
    start = time.process_time()
    for batch in batches:
        reply.feed(batch)
    reply.finished()
    return time.process_time() - start


def in_reads_of(size: int, chunks: list[bytes]) -> list[bytes]:
    """The same body cut into reads of `size` bytes, as a client that fell behind, or a server
    that writes in bursts, reads it."""
    body = b"".join(chunks)
    return [body[start:start + size] for start in range(0, len(body), size)]


def read_batches(chunks: list[bytes]) -> list[list[str]]:
    """The data of the events each recorded read completes, as the client's reader finds them."""
    decoder = SSEDecoder()
    return [batch for batch in (*map(decoder.feed, chunks), decoder.close()) if batch]


def json_cpu(lines: list[str]) -> float:
    start = time.process_time()
    for data in lines:
        if data != "[DONE]":
            json.loads(data)
    return time.process_time() - start


async def main() -> None:
    with emulator_process(event_delay=0) as env:
        apply_env(env)
        provider = registry.build(load_settings(), "qiniu")
        assert isinstance(provider, OpenAIProvider)
        transport, pipeline, assembly, whole, baseline = [], [], [], [], []
        bulk: list[float] = []
        for _ in range(ROUNDS):
            chunks, headers, receive = await record(
                provider.client, provider.endpoint.base_url + "/chat/completions", BODY)
            lines = sse_data(chunks)
            transport.append(receive)
            cpu, finished = await pipeline_cpu(provider, chunks, headers)
            pipeline.append(cpu)
            bulk.append((await pipeline_cpu(provider, in_reads_of(BULK_READ, chunks), headers))[0])
            assembly.append(assembly_cpu(provider, read_batches(chunks)))
            whole.append(await whole_client_cpu(provider, ChatRequest(QUESTION, model=MODEL)))
            baseline.append(json_cpu(lines))
        await provider.aclose()
    base = min(baseline)
    print(f"{len(lines)} data lines, {sum(map(len, chunks)) / 1e6:.2f} MB, final reply "
          f"{len(finished.text)} characters (best of {ROUNDS})")
    print(f"json.loads only:                  {base * 1000:7.1f} ms CPU")
    print(f"client chunk handling:            {min(assembly) * 1000:7.1f} ms CPU   "
          f"ratio {min(assembly) / base:.2f}x  (target <= 1.5x)")
    print(f"with SSE framing, a chunk a read: {min(pipeline) * 1000:7.1f} ms CPU   "
          f"ratio {min(pipeline) / base:.2f}x  (httpx-sse decodes the lines)")
    print(f"with SSE framing, {BULK_READ // 1024} KB reads:    {min(bulk) * 1000:7.1f} ms CPU   "
          f"ratio {min(bulk) / base:.2f}x  (many chunks a read: one edit each)")
    print(f"context, httpx transport alone:   {min(transport) * 1000:7.1f} ms CPU   "
          f"ratio {min(transport) / base:.2f}x")
    print(f"context, whole client:            {min(whole) * 1000:7.1f} ms CPU   "
          f"ratio {min(whole) / base:.2f}x")

if __name__ == "__main__":
    asyncio.run(main())
