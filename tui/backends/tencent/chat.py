"""`TencentChat`: the platform's chatbot (`nlp_textchat`) as a `ChatProvider`.

The service keeps the conversation: one `session` (at most 32 bytes) per conversation. The
answer arrives whole, so a reply is one `TextChanged` and its `ReplyFinished`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

from tui.backends.tencent.client import TencentClient
from tui.domain.errors import InvalidInput
from tui.domain.events import ReplyEvent, ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest
from tui.domain.reply import ReplyText

CHAT_API = "nlp/nlp_textchat"
MAX_QUESTION_BYTES = 300
MAX_SESSION_BYTES = 32


def session_for(session_id: str | None) -> str:
    """The conversation's session: a new one, the one it has, or (for an id longer than the
    platform takes) a stable 32-character digest of it."""
    if not session_id:
        return uuid.uuid4().hex
    if len(session_id.encode()) <= MAX_SESSION_BYTES:
        return session_id
    return hashlib.md5(session_id.encode()).hexdigest()


class TencentChat:
    name = "tencent"

    def __init__(self, client: TencentClient) -> None:
        self._client = client

    async def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
        question = request.utterance.strip()
        if not question:
            raise InvalidInput("There is no question to send.")
        size = len(question.encode())
        if size > MAX_QUESTION_BYTES:
            raise InvalidInput(f"The question is {size} bytes; Tencent's chatbot takes at most "
                               f"{MAX_QUESTION_BYTES} bytes (about 100 Chinese characters or 300 "
                               "English letters).", "Shorten it and send it again.")
        session = session_for(request.session_id)
        data = await self._client.call(CHAT_API, {"session": session, "question": question})
        answer = data.get("answer")
        if not isinstance(answer, str):
            raise self._client.errors.not_the_api("a chat answer without text")
        if not answer.strip():
            raise self._client.errors.from_ret(16394, "empty answer", CHAT_API)
        reply = ReplyText()
        edit = reply.update(answer)
        if edit is not None:
            yield TextChanged(edit, reply.text)
        returned = data.get("session")
        yield ReplyFinished(reply.text, returned if isinstance(returned, str) and returned
                            else session, None)

    async def aclose(self) -> None:
        await self._client.aclose()
