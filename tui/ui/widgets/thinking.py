"""A reasoning model's thinking, above its answer: muted and framed apart from the answer.

Open while the model thinks (showing the latest lines, so each update costs the same however
long the thinking grows), folded to one line once the answer starts; a key opens it again.
It is never part of what is copied or read aloud.
"""

from __future__ import annotations

from typing import cast

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tui.ui.bindings import keys_for
from tui.ui.safe_text import plain

# While thinking streams, this much of its end is shown.
_TAIL_CHARS = 600


class ThinkingBlock(Static):
    DEFAULT_CSS = """
    ThinkingBlock {
        height: auto;
        color: $text-muted;
        text-style: italic;
        border: round $foreground 30%;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 0 1 0;
        &.-folded {
            border: none;
            padding: 0;
            text-style: not italic;
        }
    }
    """

    open: reactive[bool] = reactive(True, init=False)

    def __init__(self, text: str = "", *, thinking: bool = False) -> None:
        """`text` is inert already; `thinking`: it is still arriving (else folded)."""
        super().__init__()
        self.text = text
        self.thinking = thinking
        self.set_reactive(ThinkingBlock.open, thinking)

    def on_mount(self) -> None:
        self._show()

    def grow(self, text: str) -> None:
        """The thinking so far (inert)."""
        self.text = text
        self._show()

    def answer_started(self) -> None:
        """The answer began: the thinking is over, and folds away."""
        self.thinking = False
        self.open = False
        self._show()

    def toggle(self) -> None:
        self.open = not self.open

    def watch_open(self) -> None:
        self._show()

    def _show(self) -> None:
        self.set_class(not self.open, "-folded")
        if self.open:
            self.border_title = "Thinking…" if self.thinking else "Thinking"
            text = self.text
            if self.thinking and len(text) > _TAIL_CHARS:
                text = "…" + text[-_TAIL_CHARS:]
            self.update(plain(text))
            return
        self.border_title = None
        keymap = cast("dict[str, str]", getattr(self.app, "keymap", {}))
        self.update(Content.assemble(
            ("▸ Thinking", "bold"),
            f" · {len(self.text.split())} words · {keys_for('message.thinking', keymap)} on "
            "the reply shows it"))
