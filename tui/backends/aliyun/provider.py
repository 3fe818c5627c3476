"""TongyiProvider: the ChatProvider for Alibaba Cloud's Tongyi chatbot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tui.backends.aliyun.chat_result import ChatResult, parse_value
from tui.backends.aliyun.network import network_error
from tui.backends.aliyun.sse_frames import envelopes
from tui.backends.aliyun.stream_request import millis_timestamp, request_body, stream_url
from tui.backends.aliyun.token import SharedTokenFile, TokenSource, retry_after_seconds
from tui.backends.deadlines import retry_delay, try_again_hint, within
from tui.backends.http_client import http_client
from tui.backends.sse_text import EventTooLarge
from tui.domain.errors import (
    AichatError,
    AuthError,
    InvalidInput,
    NetworkError,
    RateLimited,
    ServiceError,
    StreamInterrupted,
)
from tui.domain.events import (
    ClarifyOptions,
    HandOverToHuman,
    ReplyEvent,
    ReplyFinished,
    TextChanged,
)
from tui.domain.inert_text import inert_value
from tui.domain.providers import ChatRequest
from tui.domain.reply import ReplyText
from tui.settings import NetworkSettings, TongyiSettings

log = logging.getLogger(__name__)

MAX_UTTERANCE = 512
_STREAM_SETTING = "[tongyi] stream_url / AICHAT_TONGYI_STREAM_URL"
# The app adds its retry key, the CLI user runs the command again: say "retry" neither here.
_KEPT = "What arrived is kept."
# Server trouble (a proxy's 5xx or 429) is retried this many times, with backoff.
_SERVER_RETRIES = 2


class _ServerTrouble(Exception):
    def __init__(self, status: int, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after


class TongyiProvider:
    name = "tongyi"

    def __init__(self, settings: TongyiSettings, *, network: NetworkSettings | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, backoff: float = 0.5,
                 token_file: Path | None = None) -> None:
        self.settings = settings
        self.timeout = (network or NetworkSettings()).timeout
        self.backoff = backoff
        # transport: how tests put something else under the client (see docs/architecture.md).
        self.client = http_client(self.timeout, transport=transport)
        # token_file: where processes share the stream token (see SharedTokenFile).
        shared = SharedTokenFile(token_file, settings) if token_file is not None else None
        self.tokens = TokenSource(settings, self.client, backoff=backoff, timeout=self.timeout,
                                  shared=shared)
        self._host = httpx.URL(settings.stream_url).host

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
        token_retried, trouble = False, 0
        while True:
            response = await self._open(body)
            try:
                if _token_refused(response):
                    if token_retried:
                        raise AuthError(
                            f"The Tongyi stream refused the access token (HTTP "
                            f"{response.status_code}) even after applying for a new one.",
                            "Check the agent_key and instance_id in [tongyi], and the system "
                            "clock.")
                    # Tokens can expire or be revoked early: apply for a new one, once.
                    log.info("stream refused the token (HTTP %s); applying again",
                             response.status_code)
                    self.tokens.invalidate()
                    token_retried = True
                    continue
                _check_stream_response(response)
                events = _reply_events(envelopes(response, self.timeout, self._stalled),
                                       session_id, self._host)
                async for event in events:
                    yield event
                return
            except _ServerTrouble as e:
                delay = retry_delay(e.retry_after, self.backoff * 2 ** trouble)
                if trouble >= _SERVER_RETRIES or delay is None:
                    raise _trouble_error(e, self._host, delay is None) from None
                log.info("stream answered HTTP %s; retrying in %.1f s", e.status, delay)
                trouble += 1
                await asyncio.sleep(delay)
            finally:
                await response.aclose()

    async def _open(self, body: dict) -> httpx.Response:
        """Send the question; the answer's headers within the network timeout."""
        token = await self.tokens.get()
        request = self.client.build_request(
            "POST", stream_url(self.settings.stream_url, token, millis_timestamp()), json=body,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-store"})
        try:
            return await within(self.client.send(request, stream=True), self.timeout,
                                self._no_answer)
        except httpx.TransportError as e:
            raise network_error(e, self._host, _STREAM_SETTING) from None

    def _no_answer(self) -> AichatError:
        return NetworkError(f"{self._host} did not answer within {self.timeout:g} s.",
                            "Check the network and try again; [network] timeout sets the limit.")

    def _stalled(self) -> AichatError:
        return StreamInterrupted(
            f"The reply from {self._host} made no progress for {self.timeout:g} s.",
            f"{_KEPT} ([network] timeout sets the limit.)")


def _token_refused(response: httpx.Response) -> bool:
    # Only the stream's own refusal (the gateway's 403 page) means a bad token; a proxy's
    # HTML 5xx or 429 is server trouble, retried as such.
    return response.status_code in (401, 403)


def _check_stream_response(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429 or status >= 500:
        raise _ServerTrouble(status, retry_after_seconds(response))
    content_type = response.headers.get("content-type", "")
    if status // 100 != 2 or "text/event-stream" not in content_type:
        raise ServiceError(f"The Tongyi stream answered HTTP {status} "
                           f"({inert_value(content_type) or 'no content type'}) instead of an "
                           "event stream.", "Check the [tongyi] stream_url setting; try again "
                           "later.")


def _trouble_error(trouble: _ServerTrouble, host: str, wait_too_long: bool) -> AichatError:
    hint = try_again_hint(trouble.retry_after) if wait_too_long else "Try again in a minute."
    if trouble.status == 429:
        return RateLimited(f"{host} is limiting requests (HTTP 429).", hint,
                           retry_after=trouble.retry_after)
    return ServiceError(f"{host} is having trouble (HTTP {trouble.status}).", hint)


async def _reply_events(envelopes_: AsyncIterator[dict], session_id: str | None, host: str
                        ) -> AsyncIterator[ReplyEvent]:
    """Envelopes -> reply events. An error raised here names the session when it is known."""
    reply = ReplyText()
    last: ChatResult | None = None
    clarify: ClarifyOptions | None = None
    hand_over: HandOverToHuman | None = None
    try:
        async for envelope in envelopes_:
            if envelope.get("success") is False:
                code = inert_value(envelope.get("code") or envelope.get("errorCode") or "unknown")
                message = inert_value(envelope.get("message") or envelope.get("errorMsg")
                                      or "no message")
                raise ServiceError(f"Tongyi reported an error ({code}): {message}",
                                   "What arrived is kept.", code=code)
            data = envelope.get("data")
            for item in data if isinstance(data, list) else ():
                result = parse_value(item.get("value")) if isinstance(item, dict) else None
                if result is None:
                    continue
                last = result
                session_id = result.session_id or session_id
                clarify = result.clarify or clarify
                hand_over = result.hand_over or hand_over
                edit = reply.update(result.text)
                if edit is not None:
                    yield TextChanged(edit, reply.text)
                if result.stream_end:
                    extras = tuple(x for x in (clarify, hand_over) if x is not None)
                    yield ReplyFinished(reply.text, session_id, result.message_id, extras)
                    return
    except EventTooLarge as e:
        error: AichatError = StreamInterrupted(
            f"The reply stopped: one event of the stream was larger than {e.limit // 2**20} MiB.",
            "What arrived before it is kept.")
    except AichatError as e:
        error = e
    except httpx.HTTPError as e:  # the connection broke, or the body could not be decoded
        error = StreamInterrupted(f"The connection to {host} broke before the reply was "
                                  f"complete ({type(e).__name__}).", _KEPT)
    else:
        error = StreamInterrupted(
            "The reply stopped before Tongyi said it was complete." if last else
            "The stream closed before any reply arrived.", _KEPT)
    error.session_id = session_id
    raise error
