"""Playing a script as OpenAI SSE chunks, or as one non-streaming completion.

The chunks are shaped like the real ones: a first chunk with only the role (and empty
content), the pieces, a last choice chunk with an empty delta and the finish reason, a usage
chunk with no choices (as DeepSeek and Qiniu send it, asked for or not), then `data: [DONE]`.
Thinking and answer chunks each carry the other field as null, as DeepSeek's do.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from aiohttp import web

from tui.emulator.openai_chat.faults import error_body, error_response
from tui.emulator.openai_chat.scenarios import (
    Cut,
    Finish,
    KeepAlive,
    Say,
    Script,
    StreamError,
    Think,
)

DONE = b"data: [DONE]\n\n"
KEEP_ALIVE = b": keep-alive\n\n"


def _event(payload: dict[str, Any]) -> bytes:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return b"data: " + text.encode() + b"\n\n"


class _Chunks:
    def __init__(self, model: str) -> None:
        self.base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk",
                     "created": int(time.time()), "model": model, "system_fingerprint": None}

    def choice(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _event({**self.base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                 "finish_reason": finish}]})

    def usage(self, prompt: int, completion: int) -> bytes:
        return _event({**self.base, "choices": [], "usage": {
            "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion}})


async def play(request: web.Request, response: web.StreamResponse, script: Script,
               model: str) -> None:
    chunks = _Chunks(model)
    loop = asyncio.get_running_loop()
    deadline = loop.time()
    produced = 0
    await response.write(chunks.choice({"role": "assistant", "content": ""}))
    for step in script.steps:
        if isinstance(step, KeepAlive):
            await response.write(KEEP_ALIVE)
            continue
        if script.pace > 0:
            # Keep to the schedule, but never burst to catch up after a slow write.
            deadline = max(deadline + script.pace, loop.time())
            await asyncio.sleep(deadline - loop.time())
        if isinstance(step, Think):
            produced += len(step.text)
            await response.write(chunks.choice({"content": None, "reasoning_content": step.text}))
        elif isinstance(step, Say):
            produced += len(step.text)
            await response.write(chunks.choice({"content": step.text, "reasoning_content": None}))
        elif isinstance(step, Finish):
            await response.write(chunks.choice({}, step.reason))
            await response.write(chunks.usage(request.content_length or 0, produced // 4))
            await response.write(DONE)
            return
        elif isinstance(step, StreamError):
            await response.write(_event(error_body(step.message, step.code)))
            return
        elif isinstance(step, Cut):
            if request.transport is not None:
                request.transport.close()  # flushes what was written, then drops the line
            return


async def completion(request: web.Request, script: Script, model: str) -> web.StreamResponse:
    """The whole reply as one `chat.completion` object (`stream` false or absent)."""
    content, reasoning, finish = [], [], None
    for step in script.steps:
        if isinstance(step, Think):
            reasoning.append(step.text)
        elif isinstance(step, Say):
            content.append(step.text)
        elif isinstance(step, Finish):
            finish = step.reason
        elif isinstance(step, StreamError):
            return error_response(500, step.message, step.code)
        elif isinstance(step, Cut):
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)  # never reaches the client
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content)}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    text = message["content"]
    return web.json_response({
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
        "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {"prompt_tokens": request.content_length or 0, "completion_tokens": len(text) // 4,
                  "total_tokens": (request.content_length or 0) + len(text) // 4}})
