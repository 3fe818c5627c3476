"""OpenAIProvider: the ChatProvider for any OpenAI-compatible chat server (Qiniu's included).

Such servers keep no conversation: each question goes with the earlier turns that fit the
context budget (newest first), after the system prompt when one is set.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import httpx

from tui.backends.deadlines import retry_delay, within
from tui.backends.http_client import http_client
from tui.backends.openai.chunks import ReplyAssembler
from tui.backends.openai.endpoint import Endpoint, retry_after_seconds
from tui.backends.sse_text import EventTooLarge, sse_batches
from tui.domain.context import fit_history
from tui.domain.errors import InvalidInput, ServiceError
from tui.domain.events import ContextTrimmed, ReplyEvent
from tui.domain.providers import ChatRequest

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})


class OpenAIProvider:
    def __init__(self, endpoint: Endpoint, *, context_chars: int, system_prompt: str = "",
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 60.0,
                 max_retries: int = 3, backoff: float = 0.5) -> None:
        self.endpoint = endpoint
        self.name = endpoint.provider
        self.context_chars = context_chars
        self.system_prompt = system_prompt
        self.max_retries = max_retries
        self.backoff = backoff
        self.timeout = timeout
        headers = {}
        if endpoint.api_key:
            headers["authorization"] = f"Bearer {endpoint.api_key.reveal()}"
        self.client = http_client(timeout, transport=transport, headers=headers)
        self._first_listed: str | None = None

    async def aclose(self) -> None:
        await self.client.aclose()

    async def default_model(self) -> str:
        """The configured model, else the first one the server lists (a local server's one)."""
        if self.endpoint.model:
            return self.endpoint.model
        if self._first_listed is None:
            models = await self.list_models()
            if not models:
                raise ServiceError(f"{self.endpoint.label} at {self.endpoint.host} lists no "
                                   "models.",
                                   f"Set {self.endpoint.where('model')}.")
            self._first_listed = models[0]
        return self._first_listed

    async def list_models(self) -> list[str]:
        """The model ids of `GET {base_url}/models`, in the server's order."""
        response = await self._send("GET", "/models", None, model="")
        try:
            payload: Any = response.json()
        except ValueError:
            raise self.endpoint.not_the_api("something that is not JSON") from None
        entries = payload.get("data") if isinstance(payload, dict) else payload
        if not isinstance(entries, list):
            raise self.endpoint.not_the_api("JSON that is not a model list")
        return [entry["id"] for entry in entries
                if isinstance(entry, dict) and isinstance(entry.get("id"), str)]

    def messages(self, request: ChatRequest) -> tuple[list[dict[str, str]], ContextTrimmed]:
        """The `messages` of the request body, and what was sent of the earlier turns."""
        turns, omitted = fit_history(request.history, self.context_chars)
        messages = [{"role": "system", "content": self.system_prompt}] if self.system_prompt else []
        messages += [{"role": turn.role, "content": turn.text} for turn in turns]
        messages.append({"role": "user", "content": request.utterance.strip()})
        return messages, ContextTrimmed(len(turns), omitted)

    async def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
        if not request.utterance.strip():
            raise InvalidInput("There is nothing to send.", "Type a question first.")
        model = request.model or await self.default_model()
        messages, context = self.messages(request)
        if request.history:
            yield context
        body = {"model": self.endpoint.wire_model(model, request.search), "messages": messages,
                "stream": True}
        response = await self._send("POST", "/chat/completions", body, model=model, stream=True)
        try:
            content_type = response.headers.get("content-type", "")
            if "text/event-stream" not in content_type:
                await self._body(response)
                raise self.endpoint.not_the_api(content_type or "no content type")
            async for event in reply_events(response, self.endpoint, model, self.timeout):
                yield event
        finally:
            await response.aclose()

    async def _send(self, method: str, path: str, body: dict[str, Any] | None, *, model: str,
                    stream: bool = False) -> httpx.Response:
        """Send, retrying 429 and 5xx answers with backoff (honouring Retry-After, capped).
        Returns a 2xx response (open, when `stream`)."""
        request = self.client.build_request(method, self.endpoint.base_url + path, json=body)
        attempt = 0
        while True:
            try:
                # The whole answer, or for a stream its headers, within the timeout.
                response = await within(self.client.send(request, stream=stream), self.timeout,
                                        self.endpoint.timed_out)
            except httpx.HTTPError as e:
                raise self.endpoint.unreachable(e) from None
            if response.is_success:
                return response
            try:
                content = await self._body(response)
            except httpx.HTTPError:
                content = b""
            finally:
                await response.aclose()
            retry_after = retry_after_seconds(response)
            error = self.endpoint.http_error(response.status_code, content, model, retry_after)
            wait = retry_delay(retry_after, self.backoff * 2 ** attempt)
            if response.status_code not in RETRYABLE or attempt >= self.max_retries or wait is None:
                raise error
            log.info("%s answered HTTP %s; retrying in %.1f s", self.endpoint.host,
                     response.status_code, wait)
            await asyncio.sleep(wait)
            attempt += 1

    async def _body(self, response: httpx.Response) -> bytes:
        """The rest of an answer that is not a reply stream, within the timeout (a trickling
        server cannot hold the question)."""
        return await within(response.aread(), self.timeout, self.endpoint.timed_out)


async def reply_events(response: httpx.Response, endpoint: Endpoint, model: str,
                       timeout: float) -> AsyncIterator[ReplyEvent]:
    """The events of one streamed reply, read from an open event-stream response; each network
    read that completes events must come within `timeout` of the last (a trickling server
    cannot hold a reply open)."""
    reply = ReplyAssembler(endpoint, model)
    silent = f"nothing complete arrived for {timeout:g} s"
    try:
        async with aclosing(sse_batches(response, timeout,
                                        lambda: endpoint.interrupted(silent))) as batches:
            async for batch in batches:
                for reply_event in reply.feed(batch):
                    yield reply_event
                if reply.failure is not None:
                    raise reply.failure
                if reply.done:
                    break
    except httpx.TimeoutException:
        raise endpoint.interrupted(silent) from None
    except EventTooLarge as e:
        raise endpoint.interrupted(str(e)) from None
    except httpx.TransportError as e:
        raise endpoint.interrupted(f"the connection broke: {type(e).__name__}") from None
    # A server that closes cleanly after saying why it stopped has finished; one that closes
    # without either [DONE] or a finish reason was cut off.
    if not reply.done and reply.finish_reason is None:
        raise endpoint.interrupted("the stream closed without [DONE]")
    yield reply.finished()
