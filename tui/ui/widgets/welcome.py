"""The welcome in an empty conversation: what this is, the keys that matter, the latest
conversations (Enter opens one) and, in the demo, the emulator's scenarios to try.

It stands above the (empty) conversation and goes away when chatting starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.conversation import Conversation
from tui.ui.bindings import keys_for
from tui.ui.safe_text import plain
from tui.ui.widgets.messages import time_label


class Try(NamedTuple):
    """A demo question: its scenario keyword (docs/emulator.md) and what it shows."""

    question: str
    shows: str


DEMO_TRIES = (
    Try("#markdown Show me some markdown", "a long answer: headings, a table, code"),
    Try("#slow Tell me a long story", "a slow reply: Esc stops it, keeping the text"),
    Try("#clarify Book a table", "a question back, with options to pick"),
    Try("#fail Try something risky", "a reply that fails half-way: ctrl+r retries"),
    Try("#human Let me talk to a person", "a hand-over to a human agent"),
    Try("Hello!", "a plain answer; ask again: it counts the turns"),
)


_KEY_WORDS = {"up": "↑", "down": "↓", "enter": "Enter"}


class _Choices(OptionList):
    DEFAULT_CSS = """
    _Choices {
        height: auto;
        border: none;
        padding: 0;
        background: transparent;
        &:focus { background-tint: $foreground 5%; }
    }
    """


class Welcome(Vertical):
    DEFAULT_CSS = """
    Welcome {
        height: auto;
        padding: 1 1 0 1;
        & > .heading { text-style: bold; color: $text-accent; margin-top: 1; }
        & > #keys { color: $text-muted; }
        & > #no-conversations { color: $text-muted; }
    }
    """

    class TryChosen(Message):
        def __init__(self, question: str) -> None:
            super().__init__()
            self.question = question

    class ConversationChosen(Message):
        def __init__(self, conversation_id: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    def __init__(self, speaker: str, keymap: Mapping[str, str], *, demo: bool,
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self._speaker = speaker
        self._keymap = keymap
        self.tries = DEMO_TRIES if demo else ()
        self.conversations: list[Conversation] = []

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble(
            ("aichat-tui", "bold"), f": chat with {self._speaker} in the terminal "
            f"({self._key('chat.models')} picks another model); "
            f"{self._key('app.read_aloud')} reads the replies aloud."), id="about")
        yield Static(self._keys_line(), id="keys")
        if self.tries:
            yield Static("Try the demo: press a number, or click", classes="heading")
            yield _Choices(*(Option(Content.assemble(
                (f"{n} ", "bold"), (f"{t.question.split()[0]:<11}", "$text-accent"), t.shows),
                id=str(n)) for n, t in enumerate(self.tries, 1)), id="tries")
        yield Static(f"Recent conversations: {self._key('prompt.to_messages')} then Enter "
                     f"opens one · {self._key('chat.history')} all of them", classes="heading")
        yield Static("None yet: your first question starts one.", id="no-conversations")
        yield _Choices(id="conversations")

    def _key(self, command_id: str) -> str:
        """The keys as the welcome writes them: "F1", "Enter", "ctrl+↑"."""
        keys = keys_for(command_id, self._keymap)
        keys = re.sub(r"\bf(\d+)\b", r"F\1", keys)
        return re.sub(r"\b(up|down|enter)\b", lambda m: _KEY_WORDS[m.group(1)], keys)

    def _keys_line(self) -> Content:
        keys = (("prompt.send", "send"), ("prompt.newline", "new line"),
                ("prompt.older", "past questions"), ("app.help", "help"),
                ("app.quit", "quit"))
        parts: list[str | tuple[str, str]] = []
        for command_id, does in keys:
            if parts:
                parts.append(" · ")
            parts += [(self._key(command_id), "bold"), f" {does}"]
        return Content.assemble(*parts)

    def show_conversations(self, conversations: Sequence[Conversation], now: float) -> None:
        self.conversations = list(conversations)
        listing = self.query_one("#conversations", _Choices)
        listing.clear_options()
        listing.add_options(Option(Content.assemble(
            plain(c.title), (f"  {time_label(c.updated_at, now)}", "$text-muted")))
            for c in self.conversations)
        listing.display = bool(self.conversations)
        self.query_one("#no-conversations").display = not self.conversations

    def focus_last_list(self) -> bool:
        """Take the focus from the prompt below: the nearest list that has something."""
        for choices in reversed(list(self.query(_Choices))):
            if choices.option_count:
                choices.focus()
                if choices.highlighted is None:
                    choices.highlighted = 0
                return True
        return False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "tries":
            self.post_message(self.TryChosen(self.tries[event.option_index].question))
        else:
            conversation_id = self.conversations[event.option_index].id
            if conversation_id is not None:
                self.post_message(self.ConversationChosen(conversation_id))
