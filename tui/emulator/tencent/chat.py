"""Chat scenarios by keyword, with each session remembering what it was told.

* `我叫X` / `my name is X` is remembered for the session; `我叫什么` / `what is my name` recalls it.
* `#silent` answers ret 16394 (no answer), `#timeout` ret 16453, `#crash` a negative ret.
* `你好` / `hello` greets; anything else is echoed back in a sentence.

The names are kept in `state_dir` when there is one, so that `--demo ask --session` (a new
emulator per command) finds what the platform would have remembered.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

from tui.emulator.state import load_state, save_state
from tui.emulator.tencent import rets
from tui.emulator.tencent.rets import Refusal

MAX_SESSIONS = 1000
STATE_FILE = "emulator_tencent_chats.json"
_NAME_ZH = re.compile(r"我叫(?!什么)([^\s，。,.!！?？]{1,20})")
_NAME_EN = re.compile(r"\bmy name is ([\w\-]{1,30})", re.IGNORECASE)


class ChatSessions:
    def __init__(self, state_dir: Path | None = None) -> None:
        self._state_dir = state_dir
        self._names: OrderedDict[str, str] = OrderedDict(
            (str(k), str(v)) for k, v in load_state(state_dir, STATE_FILE).items())
        self.turns: dict[str, int] = {}

    def answer(self, session: str, question: str) -> str:
        lowered = question.casefold()
        if "#silent" in lowered:
            raise Refusal(rets.EMPTY_ANSWER, "chat answer is empty")
        if "#timeout" in lowered:
            raise Refusal(rets.CHAT_TIMEOUT, "chat timeout")
        if "#crash" in lowered:
            raise Refusal(rets.SYSTEM_ERROR, "system error")
        self.turns[session] = self.turns.get(session, 0) + 1
        if match := _NAME_ZH.search(question) or _NAME_EN.search(question):
            self._remember(session, match.group(1))
            return f"好的，{match.group(1)}，我记住你的名字了。"
        if "我叫什么" in question or "what is my name" in lowered or "what's my name" in lowered:
            name = self._names.get(session)
            return f"你叫{name}。" if name else "你还没有告诉我你的名字呢。"
        if "你好" in question or re.search(r"\b(hello|hi)\b", lowered):
            return "你好！我是腾讯AI开放平台的闲聊机器人，很高兴和你聊天。"
        return f"你说的是“{question.strip()}”，我明白了。"

    def _remember(self, session: str, name: str) -> None:
        self._names[session] = name
        self._names.move_to_end(session)
        while len(self._names) > MAX_SESSIONS:
            self._names.popitem(last=False)
        save_state(self._state_dir, STATE_FILE, dict(self._names))
