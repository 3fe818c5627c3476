"""POST /sse/paas4Json/{token}/{channel}/{sign}/{timestamp}: the Tongyi chat stream.

The URL is the credential: a token from ApplyForStreamAccessToken that has not expired, its
channel, and md5("streamSecret=" + secret + "&timestamp=" + ts) for a 13-digit ts within 15
minutes. Anything else gets the front proxy's HTML 403 page instead of a stream. Input
errors in the body come back inside the stream as a `success: false` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from tui.emulator.aliyun.chat_request import InvalidChatRequest, parse_chat_request
from tui.emulator.aliyun.clock import FRESHNESS_WINDOW, Clock
from tui.emulator.aliyun.envelope import (
    PING,
    ReplyIds,
    failure_event,
    opening_event,
    query_segments,
    reply_event,
)
from tui.emulator.aliyun.scenarios import (
    EVENT_END,
    Cut,
    Failure,
    Opening,
    Ping,
    Question,
    Reply,
    Script,
    script_for,
)
from tui.emulator.aliyun.tokens import TokenStore
from tui.emulator.state import load_state, save_state

ROUTE = "/sse/paas4Json/{token}/{channel}/{sign}/{timestamp}"
_STATE_FILE = "emulator_sessions.json"
_MAX_SESSIONS = 1000


class SessionTurns:
    """How many turns each session has had; kept in `state_dir` (if given) between runs."""

    def __init__(self, state_dir: Path | None) -> None:
        self._state_dir = state_dir
        self._turns: dict[str, int] = {}
        with contextlib.suppress(ValueError, TypeError):
            self._turns = {str(k): int(v) for k, v in load_state(state_dir, _STATE_FILE).items()}

    def next(self, session_id: str) -> int:
        turn = self._turns[session_id] = self._turns.get(session_id, 0) + 1
        save_state(self._state_dir, _STATE_FILE, dict(list(self._turns.items())[-_MAX_SESSIONS:]))
        return turn
FORBIDDEN_PAGE = ("<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
                  "<center><h1>403 Forbidden</h1></center>\r\n<hr><center>Tengine</center>\r\n"
                  "</body>\r\n</html>\r\n")
_TIMESTAMP = re.compile(r"[0-9]{13}")

log = logging.getLogger(__name__)


class ChatStream:
    def __init__(self, config: Any, tokens: TokenStore, clock: Clock) -> None:
        self.config = config
        self.tokens = tokens
        self.clock = clock
        # Why each refused stream request was refused (the page itself does not say).
        self.rejections: list[str] = []
        self._turns = SessionTurns(getattr(config, "state_dir", None))
        self._streaming: set[asyncio.Task[Any]] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        reason = self._refusal(request.match_info)
        if reason is not None:
            self.rejections.append(reason)
            log.info("stream request refused: %s", reason)
            return web.Response(status=403, text=FORBIDDEN_PAGE, content_type="text/html")
        response = web.StreamResponse(headers={"Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"})
        response.content_type = "text/event-stream"
        response.charset = "UTF-8"
        await response.prepare(request)
        task = asyncio.current_task()
        assert task is not None  # aiohttp runs every handler in a task
        self._streaming.add(task)
        try:
            # The client may hang up at any point, e.g. when the user cancels the reply or
            # quits: aiohttp then says ConnectionResetError or a bare ConnectionError.
            with contextlib.suppress(ConnectionError):
                await self._reply(request, response)
        finally:
            self._streaming.discard(task)
        return response

    async def close(self, app: web.Application) -> None:
        """On server shutdown: end the replies in flight instead of letting the server wait
        for them (a #slow reply takes 10 s or more)."""
        for task in list(self._streaming):
            task.cancel()

    def _refusal(self, url: Mapping[str, str]) -> str | None:
        grant = self.tokens.find(url["token"])
        if grant is None:
            return "unknown access token"
        if self.tokens.is_expired(grant):
            return "access token expired"
        if url["channel"] != grant.channel_id:
            return "channel does not belong to the access token"
        timestamp = url["timestamp"]
        if not _TIMESTAMP.fullmatch(timestamp):
            return "timestamp is not 13 digits of epoch milliseconds"
        if abs(self.clock.now() * 1000 - int(timestamp)) > FRESHNESS_WINDOW * 1000:
            return "timestamp is more than 15 minutes away from the server's time"
        signed = f"streamSecret={grant.stream_secret}&timestamp={timestamp}".encode()
        # The protocol's choice of MD5; marking it lets the emulator run on FIPS-mode Pythons.
        expected = hashlib.md5(signed, usedforsecurity=False).hexdigest()
        if not hmac.compare_digest(expected.encode(), url["sign"].encode()):
            return "sign is not md5(streamSecret=<secret>&timestamp=<timestamp>)"
        return None

    async def _reply(self, request: web.Request, response: web.StreamResponse) -> None:
        try:
            chat = parse_chat_request(await request.read(), self.config.instance_ids)
        except InvalidChatRequest as invalid:
            await response.write(failure_event(Failure(invalid.code, invalid.message),
                                               invalid.message_id))
            return
        session_id = chat.session_id or uuid.uuid4().hex
        turn = self._turns.next(session_id)
        script = script_for(Question(chat.utterance, turn, self.config.event_delay))
        ids = ReplyIds(chat.message_id, str(uuid.uuid4()), session_id,
                       query_segments(chat.utterance))
        await self._play(script, ids, request, response)

    async def _play(self, script: Script, ids: ReplyIds, request: web.Request,
                    response: web.StreamResponse) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        pause = False  # no pause before the first event, nor after one left open (#merged)
        for step in script.steps:
            if isinstance(step, Ping):
                await response.write(PING)
                continue
            if pause and script.pace > 0:
                # Keep to the schedule, but never burst to catch up after a slow write.
                deadline = max(deadline + script.pace, loop.time())
                await asyncio.sleep(deadline - loop.time())
            if isinstance(step, Cut):
                if request.transport is not None:
                    request.transport.close()  # flushes what was written, then drops the line
                return
            if isinstance(step, Failure):
                await response.write(failure_event(step, ids.request_message_id))
                return
            if isinstance(step, Opening):
                await response.write(opening_event(ids))
            else:
                await response.write(reply_event(step, ids))
            pause = not isinstance(step, Reply) or step.terminator == EVENT_END
