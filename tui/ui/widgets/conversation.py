"""The scrolling conversation: follows a streaming reply, walkable message by message."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.message import Message

from tui.ui.bindings import MESSAGE, bindings
from tui.ui.widgets.messages import MessageView


class ConversationView(VerticalScroll, can_focus=False, inherit_bindings=False):
    """Anchored to the bottom (so a reply stays in view as it grows) until the user scrolls
    up; back at the bottom, it follows again. The bindings act on the focused message."""

    DEFAULT_CSS = """
    ConversationView {
        height: 1fr;
        padding: 1 1 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    BINDINGS = bindings(MESSAGE)

    class WalkedOff(Message):
        """The user walked down past the last message: the prompt should take the focus."""

    @property
    def views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    def walk(self, delta: int) -> None:
        """Focus the message `delta` steps from the focused one (from below the last if none)."""
        views = self.views
        if not views:
            return
        focused = self.screen.focused
        index = views.index(focused) if focused in views else len(views)
        target = index + delta
        if target >= len(views):
            self.post_message(self.WalkedOff())
            return
        views[max(0, target)].focus()

    def action_walk(self, delta: int) -> None:
        self.walk(delta)

    def action_first(self) -> None:
        if views := self.views:
            views[0].focus()

    def action_last(self) -> None:
        if views := self.views:
            views[-1].focus()

    def action_copy(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, MessageView):
            text = focused.copy_text
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied the message ({len(text)} characters).")
