"""Target: the client's parsing and diffing of a long streamed reply costs <= 2x json.loads.

A 20,000-character reply arrives as 2,000 cumulative events from the emulator (in its own
process). The HTTP body is recorded chunk by chunk as it came off the socket, then replayed
through the client's own pipeline (SSE framing with the stream's quirks and deadline,
envelope and inner JSON, snapshot diffing into edits). Its CPU time is compared with only
json.loads-ing the same events (the envelope and the `value` string inside it), the least
any client must do. For context, the whole client (HTTP transport included) and the transport
alone are printed too. Everything is measured in this one run.
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

from tui.backends.aliyun import TongyiProvider  # noqa: E402
from tui.backends.aliyun.provider import _reply_events  # noqa: E402
from tui.backends.aliyun.sse_frames import envelopes  # noqa: E402
from tui.backends.aliyun.stream_request import millis_timestamp, request_body, stream_url  # noqa: E402
from tui.domain.events import ReplyFinished  # noqa: E402
from tui.domain.providers import ChatRequest  # noqa: E402
from tui.settings import load_settings  # noqa: E402

QUESTION = "#bench chars=20000 events=2000 rate=0"
ROUNDS = 3


async def record_chunks(provider: TongyiProvider) -> tuple[list[bytes], httpx.Headers, float]:
    """The response body's chunks as received, and the CPU time of receiving them."""
    settings = provider.settings
    url = stream_url(settings.stream_url, await provider.tokens.get(), millis_timestamp())
    return await record(provider.client, url, request_body(settings.instance_id, QUESTION, None))


async def pipeline_cpu(provider: TongyiProvider, chunks: list[bytes],
                       headers: httpx.Headers) -> tuple[float, ReplyFinished]:
    response = replay(chunks, headers)
    start = time.process_time()
    frames = envelopes(response, provider.timeout, provider._stalled)
    async for event in _reply_events(frames, None, "bench"):
        last = event
    return time.process_time() - start, last


def json_cpu(chunks: list[bytes]) -> tuple[float, int]:
    events = sse_data(chunks)
    start = time.process_time()
    for data in events:
        for item in json.loads(data)["data"]:
            json.loads(item["value"])
    return time.process_time() - start, len(events)


async def main() -> None:
    with emulator_process(event_delay=0) as env:
        apply_env(env)
        provider = TongyiProvider(load_settings().tongyi)
        transport, pipeline, whole, baseline = [], [], [], []
        for _ in range(ROUNDS):
            chunks, headers, receive = await record_chunks(provider)
            transport.append(receive)
            cpu, finished = await pipeline_cpu(provider, chunks, headers)
            pipeline.append(cpu)
            whole.append(await whole_client_cpu(provider, ChatRequest(QUESTION)))
            cpu, events = json_cpu(chunks)
            baseline.append(cpu)
        await provider.aclose()
    base = min(baseline)
    print(f"{events} events, {sum(map(len, chunks)) / 1e6:.1f} MB, final reply "
          f"{len(finished.text)} characters (best of {ROUNDS})")
    print(f"json.loads only:                 {base * 1000:7.1f} ms CPU")
    print(f"client parse + diff:             {min(pipeline) * 1000:7.1f} ms CPU   "
          f"ratio {min(pipeline) / base:.2f}x  (target <= 2x)")
    print(f"context, httpx transport alone:  {min(transport) * 1000:7.1f} ms CPU   "
          f"ratio {min(transport) / base:.2f}x")
    print(f"context, whole client:           {min(whole) * 1000:7.1f} ms CPU   "
          f"ratio {min(whole) / base:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
