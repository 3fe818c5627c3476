"""The scrolling conversation: follows a streaming reply, walkable message by message.

A long saved conversation is shown from its end, a page of messages at a time: rendering
markdown costs tens of milliseconds per message, so mounting hundreds would keep the user
waiting for messages they may never scroll back to. Earlier pages are mounted on demand, when
the user walks, jumps or scrolls up to the "earlier messages" line, or clicks it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui.domain.conversation import Message as ChatMessage
from tui.ui.bindings import MESSAGE, bindings
from tui.ui.copying import copy_message
from tui.ui.widgets.messages import MessageView

PAGE = 8  # messages mounted at once when opening a conversation or reaching its top


class EarlierMessages(Static):
    """The line above the oldest message shown, while older ones are not mounted yet."""

    DEFAULT_CSS = """
    EarlierMessages {
        color: $text-muted;
        text-align: center;
        margin-bottom: 1;
    }
    """

    def show_count(self, count: int) -> None:
        plural = "s" if count != 1 else ""
        self.update(f"↑ {count} earlier message{plural} · scroll up, Home or click to show them")

    def on_click(self) -> None:
        if isinstance(self.parent, ConversationView):
            self.parent.run_worker(self.parent.show_earlier(), group="earlier")


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._earlier: list[ChatMessage] = []
        # Loads can be asked for by several keys and scrolls at once; each takes a page in turn
        # (cancelling one half-way would lose the page it had taken).
        self._loading = asyncio.Lock()
        self._views_of: Callable[[ChatMessage], list[MessageView]] = lambda message: []

    @property
    def views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    @property
    def earlier_count(self) -> int:
        """Messages of the conversation not mounted yet."""
        return len(self._earlier)

    async def show_conversation(self, messages: list[ChatMessage],
                                views_of: Callable[[ChatMessage], list[MessageView]]) -> None:
        """Show a saved conversation from its end; earlier pages wait until asked for."""
        await self.clear()
        self._earlier, latest = messages[:-PAGE], messages[-PAGE:]
        self._views_of = views_of
        if self._earlier:
            marker = EarlierMessages()
            marker.show_count(len(self._earlier))
            await self.mount(marker)
        await self.mount_all([view for message in latest for view in views_of(message)])

    async def show_earlier(self, *, keep_place: bool = True) -> list[MessageView]:
        """Mount the page of messages just above the oldest one shown and return the new views.
        With `keep_place` (the user scrolled or clicked), the message that was oldest stays
        where it is on screen; without, the caller focuses a new one and the view follows it."""
        async with self._loading:
            return await self._mount_page_above(keep_place)

    async def _mount_page_above(self, keep_place: bool) -> list[MessageView]:
        if not self._earlier:
            return []
        self._earlier, page = self._earlier[:-PAGE], self._earlier[-PAGE:]
        views = [view for message in page for view in self._views_of(message)]
        marker = self.query_one(EarlierMessages)
        oldest_shown = self.views[0] if self.views else None
        # Where it stands in the viewport now (virtual geometry is current; screen regions
        # are only updated at the next refresh).
        offset = oldest_shown.virtual_region.y - self.scroll_y if oldest_shown else 0
        await self.mount_all(views, after=marker)
        if self._earlier:
            marker.show_count(len(self._earlier))
        else:
            await marker.remove()
        if keep_place and oldest_shown is not None:
            self.call_after_refresh(self._keep_in_place, oldest_shown, offset)
        return views

    def _keep_in_place(self, view: MessageView, offset: int) -> None:
        self.scroll_to(y=view.virtual_region.y - offset, animate=False, immediate=True)

    async def clear(self) -> None:
        self._earlier = []
        await self.remove_children()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 < old_value and self._earlier:
            self.run_worker(self.show_earlier(), group="earlier")

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
        if target < 0 and self._earlier:
            self.run_worker(self._focus_earlier(last=True), group="earlier")
            return
        views[max(0, target)].focus()

    async def _focus_earlier(self, *, last: bool) -> None:
        if views := await self.show_earlier(keep_place=False):
            target = views[-1 if last else 0]
            target.focus()
            self.call_after_refresh(self.scroll_to_widget, target, top=not last, animate=False)

    def action_walk(self, delta: int) -> None:
        self.walk(delta)

    def action_first(self) -> None:
        """The first message shown; from there, each Home shows a page of earlier ones."""
        views = self.views
        if views and self.screen.focused is not views[0]:
            views[0].focus()
        elif self._earlier:
            self.run_worker(self._focus_earlier(last=False), group="earlier")

    def action_last(self) -> None:
        if views := self.views:
            views[-1].focus()

    def action_copy(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, MessageView):
            copy_message(focused)
