"""Target: the client's parsing and diffing of a long streamed reply costs <= 2x json.loads.

A 20,000-character reply arrives as 2,000 cumulative events from the emulator (in its own
process). We measure the CPU time of this process while TongyiProvider consumes the stream
(HTTP, SSE framing, envelope and inner JSON, snapshot diffing), and the CPU time of only
json.loads-ing the same events' JSON (the envelope and the `value` string inside it), which
is the least any client must do. Both are measured in this run; the ratio is printed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import apply_env, emulator_process  # noqa: E402

from tui.backends.aliyun import TongyiProvider  # noqa: E402
from tui.backends.aliyun.stream_request import millis_timestamp, request_body, stream_url  # noqa: E402
from tui.domain.events import ReplyFinished, TextChanged  # noqa: E402
from tui.settings import load_settings  # noqa: E402

QUESTION = "#bench chars=20000 events=2000 rate=0"


async def client_cpu(settings) -> tuple[float, int, int]:
    provider = TongyiProvider(settings.tongyi)
    await provider.tokens.get()  # the token request is not part of the stream's cost
    edits = 0
    start = time.process_time()
    async for event in provider.stream_reply(QUESTION):
        if isinstance(event, TextChanged):
            edits += 1
        elif isinstance(event, ReplyFinished):
            length = len(event.text)
    elapsed = time.process_time() - start
    await provider.aclose()
    return elapsed, edits, length


async def raw_events(settings) -> list[str]:
    """The events' data exactly as sent, fetched once without the client's parser."""
    provider = TongyiProvider(settings.tongyi)
    token = await provider.tokens.get()
    url = stream_url(settings.tongyi.stream_url, token, millis_timestamp())
    body = request_body(settings.tongyi.instance_id, QUESTION, None)
    response = await provider.client.post(url, json=body)
    await provider.aclose()
    return [line[5:] for line in response.text.split("\n") if line.startswith("data:")]


def json_cpu(events: list[str]) -> float:
    start = time.process_time()
    for data in events:
        envelope = json.loads(data)
        for item in envelope["data"]:
            json.loads(item["value"])
    return time.process_time() - start


async def main() -> None:
    with emulator_process("--event-delay", "0") as env:
        apply_env(env)
        settings = load_settings()
        events = await raw_events(settings)
        baseline = min(json_cpu(events) for _ in range(3))
        runs = [await client_cpu(settings) for _ in range(3)]
    client = min(r[0] for r in runs)
    _, edits, length = runs[0]
    print(f"events: {len(events)}, edits: {edits}, final reply: {length} characters")
    print(f"json.loads only:       {baseline * 1000:8.1f} ms CPU")
    print(f"client parse + diff:   {client * 1000:8.1f} ms CPU")
    print(f"ratio: {client / baseline:.2f}x  (target <= 2x)")


if __name__ == "__main__":
    asyncio.run(main())
