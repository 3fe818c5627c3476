"""Results that arrive later: the platform POSTs JSON to the caller's `callback_url` after a
delay, and retries a callback up to twice when the answer is not `{"ret": 0, ...}`.

Knobs for tests: `deliveries` records every attempt (url, body, what the receiver answered),
`duplicate` sends every callback a second time after it was accepted, `result_ret` makes the
results report that recognition failed with that `ret`.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from tui.emulator.tencent.recognise import Heard

RETRIES = 2
POST_TIMEOUT = 10.0


@dataclass
class Delivery:
    url: str
    body: dict[str, Any]
    answer: str


class CallbackPoster:
    def __init__(self, delay: Callable[[], float], retry_delay: Callable[[], float]) -> None:
        self._delay = delay
        self._retry_delay = retry_delay
        self.deliveries: list[Delivery] = []
        self.duplicate = False
        self.result_ret: int | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    def schedule(self, url: str, bodies: list[dict[str, Any]], gap: float = 0.0) -> None:
        """Post `bodies` in order to `url` (after the delay, `gap` seconds apart)."""
        task = asyncio.get_running_loop().create_task(self._deliver(url, bodies, gap))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _deliver(self, url: str, bodies: list[dict[str, Any]], gap: float) -> None:
        await asyncio.sleep(self._delay())
        for index, body in enumerate(bodies):
            if index:
                await asyncio.sleep(gap)
            accepted = await self._post_with_retries(url, body)
            if accepted and self.duplicate:
                await self._post(url, body)
            if not accepted:
                return  # the receiver gave up on this task: later segments are not sent either

    async def _post_with_retries(self, url: str, body: dict[str, Any]) -> bool:
        for attempt in range(1 + RETRIES):
            if attempt:
                await asyncio.sleep(self._retry_delay())
            if await self._post(url, body):
                return True
        return False

    async def _post(self, url: str, body: dict[str, Any]) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=POST_TIMEOUT))
        try:
            async with self._session.post(url, data=json.dumps(body, ensure_ascii=False),
                                          headers={"Content-Type": "application/json"}) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            self.deliveries.append(Delivery(url, body, f"unreachable: {type(e).__name__}"))
            return False
        self.deliveries.append(Delivery(url, body, text))
        try:
            answer = json.loads(text)
        except ValueError:
            return False
        return status == 200 and isinstance(answer, dict) and answer.get("ret") == 0


def keyword_segments(task_id: str, heard: list[Heard], keywords: list[str]) -> list[dict[str, Any]]:
    """The callbacks of a keyword search: one per sentence heard (its place in the audio), each
    with the keywords in it (timed by their share of the sentence, from its start), the last
    with `is_end` 1."""
    bodies = []
    for index, sentence in enumerate(heard):
        per_char = (sentence.end_ms - sentence.start_ms) / max(1, len(sentence.text))
        hits: list[dict[str, Any]] = []
        for word in keywords:
            for match in re.finditer(re.escape(word), sentence.text):
                hits.append({"key_word": word,
                             "mbtm": round(match.start() * per_char, 2),
                             "metm": round(match.end() * per_char, 2),
                             "score": 100.0})
        hits.sort(key=lambda hit: hit["mbtm"])
        bodies.append({"ret": 0, "msg": "ok", "data": {
            "task_id": task_id, "seg_index": index, "bps": sentence.start_ms,
            "eps": sentence.end_ms, "is_end": int(index == len(heard) - 1),
            "res": {"key_words_size": len(hits), "key_words": hits}}})
    return bodies
