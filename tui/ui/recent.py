"""What the chat window offers from the history when it opens: the user's earlier questions
(for the prompt to walk) and the latest conversations (for the welcome).

Read in a thread on a connection of its own, so the first frame never waits on the disk. A
history that cannot be read offers nothing; the chat screen reports history problems already.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tui.domain.conversation import Conversation
from tui.domain.errors import AichatError
from tui.store import History

QUESTIONS = 200
CONVERSATIONS = 5


class Recent(NamedTuple):
    questions: Sequence[str] = ()  # newest first
    conversations: Sequence[Conversation] = ()  # latest activity first


async def read_recent(path: Path) -> Recent:
    return await asyncio.to_thread(_read, path)


def _read(path: Path) -> Recent:
    if str(path) == ":memory:":
        return Recent()  # only the app's own connection sees it
    try:
        with History.open_reader(path) as history:
            return Recent(history.recent_questions(QUESTIONS),
                          history.list_conversations(CONVERSATIONS))
    except AichatError:
        return Recent()
