"""TongyiProvider: the ChatProvider for Alibaba Cloud's Tongyi chatbot."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx

from tui.backends.aliyun.chat_result import ChatResult, parse_value
from tui.backends.aliyun.network import network_error
from tui.backends.aliyun.sse_frames import envelopes
from tui.backends.aliyun.stream_request import millis_timestamp, request_body, stream_url
from tui.backends.aliyun.token import TokenSource
from tui.domain.errors import AuthError, InvalidInput, ServiceError, StreamInterrupted
from tui.domain.events import ClarifyOptions, HandOverToHuman, ReplyEvent, ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest
from tui.domain.reply import ReplyText
from tui.settings import TongyiSettings

log = logging.getLogger(__name__)

MAX_UTTERANCE = 512
_STREAM_SETTING = "[tongyi] stream_url / AICHAT_TONGYI_STREAM_URL"


class TongyiProvider:
    name = "tongyi"

    def __init__(self, settings: TongyiSettings, *, client: httpx.AsyncClient | None = None,
                 backoff: float = 0.5) -> None:
        self.settings = settings
        # The read timeout is the longest silence tolerated inside a reply.
        self.client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(60.0, connect=10.0), headers={"user-agent": "aichat-tui"})
        self.tokens = TokenSource(settings, self.client, backoff=backoff)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
        # Tongyi keeps the conversation on the server: the session id is all it needs.
        utterance, session_id = request.utterance.strip(), request.session_id
        if not utterance:
            raise InvalidInput("There is nothing to send.", "Type a question first.")
        if len(utterance) > MAX_UTTERANCE:
            raise InvalidInput(f"The question is {len(utterance)} characters long; Tongyi accepts "
                               f"at most {MAX_UTTERANCE}.", "Shorten it and send it again.")
        body = request_body(self.settings.instance_id, utterance, session_id)
        host = httpx.URL(self.settings.stream_url).host
        for attempt in (1, 2):
            token = await self.tokens.get()
            url = stream_url(self.settings.stream_url, token, millis_timestamp())
            try:
                async with self.client.stream(
                        "POST", url, json=body,
                        headers={"Accept": "text/event-stream", "Cache-Control": "no-store"}
                ) as response:
                    if _token_refused(response) and attempt == 1:
                        # Tokens can expire or be revoked early: apply for a new one, once.
                        log.info("stream refused the token (HTTP %s); applying again",
                                 response.status_code)
                        self.tokens.invalidate()
                        continue
                    await _check_stream_response(response)
                    async for event in _reply_events(response):
                        yield event
                    return
            except httpx.TransportError as e:
                if isinstance(e, (httpx.ConnectError, httpx.ConnectTimeout)):
                    raise network_error(e, host, _STREAM_SETTING) from None
                raise StreamInterrupted(
                    f"The connection to {host} broke before the reply was complete "
                    f"({type(e).__name__}).", "What arrived is kept; ask again to retry.") from None
        raise AssertionError("unreachable")  # pragma: no cover


def _token_refused(response: httpx.Response) -> bool:
    return response.status_code in (401, 403) or response.headers.get(
        "content-type", "").startswith("text/html")


async def _check_stream_response(response: httpx.Response) -> None:
    if _token_refused(response):
        raise AuthError(f"The Tongyi stream refused the access token (HTTP {response.status_code}) "
                        "even after applying for a new one.",
                        "Check the agent_key and instance_id in [tongyi], and the system clock.")
    content_type = response.headers.get("content-type", "")
    if response.status_code // 100 != 2 or "text/event-stream" not in content_type:
        await response.aread()
        raise ServiceError(f"The Tongyi stream answered HTTP {response.status_code} "
                           f"({content_type or 'no content type'}) instead of an event stream.",
                           "Check the [tongyi] stream_url setting; try again later.")


async def _reply_events(response: httpx.Response) -> AsyncIterator[ReplyEvent]:
    reply = ReplyText()
    last: ChatResult | None = None
    clarify: ClarifyOptions | None = None
    hand_over: HandOverToHuman | None = None
    async for envelope in envelopes(response):
        if envelope.get("success") is False:
            code = str(envelope.get("code") or envelope.get("errorCode") or "unknown")
            message = str(envelope.get("message") or envelope.get("errorMsg") or "no message")
            raise ServiceError(f"Tongyi reported an error ({code}): {message}",
                               "What arrived is kept; try again.", code=code)
        for item in envelope.get("data") or ():
            result = parse_value(item.get("value")) if isinstance(item, dict) else None
            if result is None:
                continue
            last = result
            clarify = result.clarify or clarify
            hand_over = result.hand_over or hand_over
            edit = reply.update(result.text)
            if edit is not None:
                yield TextChanged(edit, reply.text)
            if result.stream_end:
                extras = tuple(x for x in (clarify, hand_over) if x is not None)
                yield ReplyFinished(reply.text, result.session_id, result.message_id, extras)
                return
    raise StreamInterrupted(
        "The reply stopped before Tongyi said it was complete." if last else
        "The stream closed before any reply arrived.", "What arrived is kept; ask again to retry.")
