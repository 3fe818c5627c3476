"""Snapshots of the chat window at 80x24: a conversation with a code block, and the help.

Regenerate after a deliberate change with `./run pytest tests/ui/test_chat_snapshots.py
--snapshot-update`, and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tui.domain.conversation import Message, MessageStatus, Role
from tui.settings import load_settings
from tui.store import History
from tui.ui.app import make_app
from tui.ui.widgets.prompt import Prompt

# 2024-01-02 12:00 UTC: a fixed day that is never "today", so times show their date.
NOON = 1704196800.0

QUESTION = "How do I read a file line by line in Python?"
ANSWER = """Iterate over the file object: it yields **one line at a time**.

```python
with open("notes.txt", encoding="utf-8") as f:
    for line in f:
        print(line.rstrip("\\n"))
```

The `with` block closes the file even if an error occurs."""


@pytest.fixture(autouse=True)
def steady_environment(monkeypatch, utc_clock):
    # The help shows the settings path: one that is the same on every run (it need not exist).
    monkeypatch.setenv("AICHAT_TUI_CONFIG", "/home/you/.config/aichat-tui/config.toml")


@pytest.fixture
def conversation_app(tmp_path):
    history = History.open(tmp_path / "history.sqlite3", clock=lambda: NOON)
    conversation = history.create_conversation("Reading files in Python",
                                               session_id="snapshot-session")
    history.add_message(conversation.id, Message(Role.USER, QUESTION, NOON))
    history.add_message(conversation.id, Message(Role.ASSISTANT, ANSWER, NOON + 60,
                                                 MessageStatus.COMPLETE))
    app = make_app(load_settings(), history=history, clock=lambda: NOON + 120)
    yield app, conversation.id
    history.close()


def steady_prompt(pilot) -> None:
    # A blinking cursor would make the picture depend on when it is taken.
    pilot.app.screen.query_one(Prompt).cursor_blink = False


def test_a_conversation_with_a_code_block(snap_compare, conversation_app):
    app, conversation_id = conversation_app

    async def open_it(pilot) -> None:
        steady_prompt(pilot)
        await pilot.app.screen.open_conversation(conversation_id)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_it)


def test_the_help_screen(snap_compare, conversation_app):
    app, _ = conversation_app
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady_prompt, press=["f1"])
