"""Emulated OpenAI-compatible chat API (Qiniu's, qiniu.md §5, and a key-less local server).

Routes under a prefix (`/v1` for Qiniu, `/local/v1` for the local server):
`GET {prefix}/models` and `POST {prefix}/chat/completions`, streaming (`stream: true`, SSE
chunks then `data: [DONE]`) or not. Bearer keys are checked where the server has keys; errors
are OpenAI-shaped. What is said comes from scenarios.py (`#keyword` in the last user message).

Knobs for tests: `received` holds every accepted request body, `requests` counts requests per
route, `inject_faults([429, 503], retry_after=0.1)` makes the next chat requests answer those
HTTP statuses in order, `hangups` counts streams the client closed before their end.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tui.emulator.openai_chat import faults
from tui.emulator.openai_chat.catalogue import model_list
from tui.emulator.openai_chat.scenarios import Question, Script, script_for
from tui.emulator.openai_chat.stream import completion, play

if TYPE_CHECKING:
    from tui.emulator.server import EmulatorConfig

__all__ = ["OpenAIChatEmulator"]

SEARCH_SUFFIX = "?search"


class OpenAIChatEmulator:
    def __init__(self, config: EmulatorConfig, *, prefix: str, models: tuple[str, ...],
                 keys: Callable[[], set[str]] | None) -> None:
        self.config = config
        self.prefix = prefix
        self.models = models
        self._keys = keys  # None: a server without keys (any or no Authorization is fine)
        self.received: list[dict[str, Any]] = []
        self.requests: Counter[str] = Counter()
        self.hangups = 0
        self._faults: list[tuple[int, float | None]] = []
        self._streaming: set[asyncio.Task[Any]] = set()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{self.prefix}/models", self._models)
        app.router.add_post(f"{self.prefix}/chat/completions", self._chat)
        app.on_shutdown.append(self._close)

    def inject_faults(self, statuses: Iterable[int], retry_after: float | None = None) -> None:
        self._faults.extend((status, retry_after) for status in statuses)

    # -- routes ---------------------------------------------------------------------------

    async def _models(self, request: web.Request) -> web.Response:
        self.requests["models"] += 1
        if not self._key_ok(request):
            return faults.bad_key()
        return web.json_response(model_list(self.models, _created()))

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        self.requests["chat"] += 1
        if not self._key_ok(request):
            return faults.bad_key()
        if self._faults:
            return faults.fault(*self._faults.pop(0))
        try:
            body = json.loads(await request.read())
        except ValueError:
            return faults.bad_request("We could not parse the JSON body of your request.")
        problem = _problem(body)
        if problem is not None:
            return faults.bad_request(*problem)
        model, search = _model_and_search(body["model"])
        if model not in self.models:
            return faults.unknown_model(body["model"])
        self.received.append(body)
        script = script_for(_question(body, model, search, self.config.event_delay))
        task = asyncio.current_task()
        assert task is not None  # aiohttp runs every handler in a task
        self._streaming.add(task)
        try:
            if script.stall:
                await asyncio.sleep(script.stall)
            if body.get("stream"):
                return await self._stream(request, script, model)
            return await completion(request, script, model)
        finally:
            self._streaming.discard(task)

    async def _stream(self, request: web.Request, script: Script,
                      model: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        response.content_type = "text/event-stream"
        response.charset = "utf-8"
        await response.prepare(request)
        try:
            await play(request, response, script, model)
        except ConnectionResetError:  # the client hung up (the user stopped the reply)
            self.hangups += 1
        return response

    async def _close(self, app: web.Application) -> None:
        """On shutdown: end replies in flight instead of waiting for a #slow or #stall one."""
        for task in list(self._streaming):
            task.cancel()

    def _key_ok(self, request: web.Request) -> bool:
        if self._keys is None:
            return True
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return scheme == "Bearer" and key in self._keys()


def _created() -> int:
    return int(time.time())


def _problem(body: Any) -> tuple[str, str] | None:
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", ""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter", "model"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty array", "messages"
    for index, message in enumerate(messages):
        if (not isinstance(message, dict) or message.get("role") not in
                ("system", "user", "assistant", "developer", "tool")
                or not isinstance(message.get("content"), str)):
            return (f"messages[{index}] must be an object with a role and a string content",
                    f"messages.[{index}]")
    if messages[-1]["role"] != "user":
        return "the last message must be the user's", "messages"
    return None


def _model_and_search(model: str) -> tuple[str, bool]:
    if model.endswith(SEARCH_SUFFIX):
        return model[: -len(SEARCH_SUFFIX)], True
    return model, False


def _question(body: dict[str, Any], model: str, search: bool, event_delay: float) -> Question:
    messages = body["messages"]
    system = messages[0]["role"] in ("system", "developer")
    earlier = tuple((m["role"], m["content"]) for m in messages[int(system):-1])
    return Question(messages[-1]["content"], model, search, earlier, system, event_delay)

