"""The scrolling conversation: follows a streaming reply, walkable message by message.

Only a window of a few messages is ever mounted, however long the conversation: Textual lays
out and places every mounted widget on each refresh, so a streaming reply (and every key)
would cost more with each message kept. The view knows every message of the conversation as
a slot; the slots in the window have widgets, the others hold only what it takes to make them
again: a saved message its id (read back from the store a page at a time, by id range), a
message of this session a way to rebuild its widgets from what they showed.

The window moves a page at a time: scrolling to its top or bottom, walking past its first or
last message, or clicking the line that stands for the messages beyond it. Home and End jump
straight to the first and last page; a search hit opens a window around the message. When
the window grows past MAX_MOUNTED slots, the slots farthest from where the user is going are
unmounted. A reply that is streaming is never unmounted: if the window jumps away from it,
it stays mounted after the line standing for the messages in between.

Heights are known only once Textual has laid out what was mounted (a message's Markdown is
parsed off the loop and mounted later still), so nothing here is decided from the layout
right after a change: the view settles each time its laid-out content changes size. A window
that does not fill the view is filled then, never past MAX_MOUNTED; the message the user was
taken to (Home, a search hit, a walk past the window) or the one kept in place while a page
was added is put back where it belongs then, until the user scrolls, pages or walks. While
the view follows a last message that began more than a screen above it, only that message
and its question stay mounted: the others would be laid out again at every frame of a
streaming reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from textual import events
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from tui.domain.conversation import Message as ChatMessage
from tui.domain.conversation import MessageStatus
from tui.domain.errors import AichatError
from tui.ui.bindings import MESSAGE, bindings
from tui.ui.copying import copy_message
from tui.ui.widgets.messages import MessageView, ReplyMessage

PAGE = 4  # slots mounted at once when the window moves or opens
MAX_MOUNTED = 2 * PAGE  # slots kept mounted before the farthest are let go
FOLLOWED = 2  # slots kept once a followed last message outgrows the screen: it, its question


class SavedMessages(NamedTuple):
    """A saved conversation, as the view reads it: every id, and how to read and show a range."""

    ids: list[int]
    load: Callable[[int, int], list[ChatMessage]]  # the messages with first <= id <= last
    views_of: Callable[[ChatMessage], list[MessageView]]


@dataclass(eq=False)
class _Slot:
    """One message of the conversation (its views: the message and, for a failed reply saved
    with its error, that error)."""

    message_id: int | None = None  # saved: read back from the store
    rebuild: Callable[[], list[MessageView]] | None = None  # shown this session: made again
    views: list[MessageView] = field(default_factory=list)

    @property
    def streaming(self) -> bool:
        return any(isinstance(view, ReplyMessage) and view.message.status == MessageStatus.STREAMING
                   for view in self.views)


class _Hold(NamedTuple):
    """A message kept in place as the window settles: at the top of the view (`top`), just in
    view, or `offset` lines below the view's top; a focused one only while it has the focus."""

    view: MessageView
    top: bool = False
    offset: float | None = None
    focused: bool = False


class _Beyond(Static):
    """The line standing for the messages beyond the window, on one side."""

    DEFAULT_CSS = """
    _Beyond {
        color: $text-muted;
        text-align: center;
        margin-bottom: 1;
    }
    """
    ARROW = ""
    WHICH = ""
    KEY = ""

    def show_count(self, count: int) -> None:
        plural = "s" if count != 1 else ""
        self.update(f"{self.ARROW} {count} {self.WHICH} message{plural} · "
                    f"scroll, {self.KEY} or click to show them")

    def on_click(self) -> None:
        if isinstance(self.parent, ConversationView):
            self.parent.show_beyond(self.ARROW == "↓")


class EarlierMessages(_Beyond):
    ARROW, WHICH, KEY = "↑", "earlier", "Home"


class LaterMessages(_Beyond):
    ARROW, WHICH, KEY = "↓", "later", "End"


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
        self._slots: list[_Slot] = []
        # Mounted: the window [_lo, _hi), and the slots from _tail on (a streaming reply the
        # window jumped away from; _tail == len(_slots) when there is none).
        self._lo = self._hi = self._tail = 0
        self._saved: SavedMessages | None = None
        # Moves can be asked for by several keys and scrolls at once; each takes its turn
        # (cancelling one half-way would lose the page it had taken).
        self._moving = asyncio.Lock()
        # Set while the view scrolls itself (after a move, to a focused message): only the
        # user's scrolling to the top or bottom moves the window, or a move and its own
        # scrolling could set off a move back.
        self._quiet = False
        self._asked: bool | None = None  # the direction of a move asked for, not begun yet
        self._hold: _Hold | None = None
        # Whether the user's last move was on the scroll bar: only then does reaching the top
        # or bottom of the window move it (the wheel, page keys and walking ask for that
        # themselves; a scroll Textual makes, to a focused message or after a layout, never).
        self._scroll_bar = False
        self._settling = self._reshaping = False  # a settle, a fill or let-go asked for, not done

    # -- what is there ---------------------------------------------------------------------

    @property
    def views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    @property
    def replies(self) -> list[ReplyMessage]:
        return list(self.query_children(ReplyMessage))

    @property
    def message_count(self) -> int:
        """Messages of the conversation, mounted or not."""
        return len(self._slots)

    @property
    def shows_last(self) -> bool:
        """Whether the conversation's last message is mounted."""
        return self._hi == len(self._slots) or self._tail < len(self._slots)

    @property
    def earlier_count(self) -> int:
        """Messages above the window, not mounted."""
        return self._lo

    @property
    def later_count(self) -> int:
        """Messages below the window, not mounted (a streaming reply kept below is mounted)."""
        return self._tail - self._hi

    # -- filling -----------------------------------------------------------------------------

    async def show_conversation(self, saved: SavedMessages, at: int | None = None) -> None:
        """Show a saved conversation: its last page, or the page around message `at` (which
        takes the focus)."""
        async with self._changing():
            await self._clear()
            self._saved = saved
            self._slots = [_Slot(message_id=message_id) for message_id in saved.ids]
            count = len(self._slots)
            self._lo = self._hi = self._tail = count
            if at in saved.ids:
                index = saved.ids.index(at)
                lo = max(0, min(index - PAGE // 2, count - PAGE))
                await self._show_window(lo, lo + PAGE)
                self._focus_slot(index, top=True)
            else:
                await self._show_window(count - PAGE, count)

    async def add(self, *views: MessageView) -> None:
        """Show new messages at the end of the conversation (each view its own message)."""
        async with self._changing():
            count = len(self._slots)
            if self._hi < count or self._tail < count:
                await self._show_window(count - PAGE, count)
            self._slots += [_Slot(views=[view]) for view in views]
            self._hi = self._tail = len(self._slots)
            await self.mount_all(views)
            # The user is reading what is new: a page above it is enough, and each message
            # kept mounted is laid out again at every frame of a streaming reply.
            await self._trim(from_top=True, keep=PAGE + len(views))

    async def clear(self) -> None:
        async with self._changing():
            await self._clear()

    async def _clear(self) -> None:
        self._slots, self._saved, self._hold = [], None, None
        self._lo = self._hi = self._tail = 0
        await self.remove_children()

    @asynccontextmanager
    async def _changing(self) -> AsyncIterator[None]:
        """Change what is mounted, one change at a time (cancelling one half-way would lose the
        page it had taken); the view scrolls itself meanwhile, and settles once laid out."""
        async with self._moving:
            self._quiet = True
            try:
                yield
            finally:
                self._quiet_after_refresh()
        self.call_after_refresh(self._settle_soon)

    # -- settling: deciding from the layout ------------------------------------------------

    def watch_virtual_size(self, size: Size) -> None:
        # Called as Textual lays the view out: its content has a new height.
        self._settle_soon()

    def on_resize(self) -> None:
        self._settle_soon()

    def _settle_soon(self) -> None:
        if not self._settling:
            self._settling = True
            self.call_later(self._settle)

    def _settle(self) -> None:
        """From the latest layout: put the held message back in place, then fill a window too
        short to scroll or let go of what a followed last message left far above. A change
        under way settles again when it is done."""
        self._settling = False
        if self._moving.locked():
            return
        self._apply_hold()
        if self._reshaping:
            return
        window = (self._lo, self._hi, self._tail)
        if (self.max_scroll_y == 0 and self._hi - self._lo < MAX_MOUNTED
                and (self._lo > 0 or self._hi < self._tail)):
            self._reshaping = True
            self.run_worker(self._fill(window), group="window")
        elif self._far_above():
            self._reshaping = True
            self.run_worker(self._let_go_above(window), group="window")

    def _far_above(self) -> bool:
        """Whether the view follows the end of a last message that began more than a screen
        above the view: the messages before it (all but the one it answers) are out of reach
        of anything but the user scrolling up, yet each is laid out again at every frame of a
        streaming reply."""
        if self._hi - self._lo <= FOLLOWED or self._hi != len(self._slots):
            return False
        if not self.is_anchored or self.scroll_y < self.max_scroll_y:
            return False
        views = self._slots[self._hi - 1].views
        # The last message is on screen (the view follows it): its place is cheap to ask for.
        return bool(views) and views[0].virtual_region.y < self.scroll_y - self.size.height

    async def _let_go_above(self, window: tuple[int, int, int]) -> None:
        try:
            async with self._changing():
                if (self._lo, self._hi, self._tail) == window:
                    await self._trim(from_top=True, keep=FOLLOWED)
                    await self._show_markers()
        finally:
            self._reshaping = False

    async def _fill(self, window: tuple[int, int, int]) -> None:
        """Mount up to a page more (above if there is any) into a window too short to scroll."""
        try:
            async with self._changing():
                # A window changed since the layout that found it short is looked at again
                # once that change is laid out.
                if (self._lo, self._hi, self._tail) != window:
                    return
                room = MAX_MOUNTED - (self._hi - self._lo)
                if self._lo > 0:
                    await self._extend_up(False, MAX_MOUNTED, count=min(PAGE, room))
                else:
                    await self._extend_down(False, MAX_MOUNTED, count=min(PAGE, room))
        finally:
            self._reshaping = False

    def _hold_in_place(self, hold: _Hold) -> None:
        self._hold = hold
        # Scrolled to by the view, not the bottom: not followed until the user is back there.
        self.release_anchor()
        self.call_after_refresh(self._settle_soon)

    def _apply_hold(self) -> None:
        hold = self._hold
        if hold is None:
            return
        if hold.view.parent is not self:
            self._hold = None
            return
        self._quiet_after_refresh()
        if hold.offset is not None:
            self.scroll_to(y=hold.view.virtual_region.y - hold.offset, animate=False,
                           immediate=True)
        else:
            self.scroll_to_widget(hold.view, top=hold.top, animate=False, immediate=True)

    def user_moves(self) -> None:
        """The user scrolls, pages or walks: what the view held in place is theirs to move."""
        self._hold = None
        self._scroll_bar = False

    def anchor(self, anchor: bool = True) -> None:
        if anchor:  # following the end: nothing else is held in view
            self._hold = None
        super().anchor(anchor)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if self._hold is not None and self._hold.focused and event.widget is self._hold.view:
            self._hold = None

    def on_scroll_up(self) -> None:  # the scroll bar's messages
        self._on_scroll_bar()

    def on_scroll_down(self) -> None:
        self._on_scroll_bar()

    def on_scroll_to(self) -> None:
        self._on_scroll_bar()

    def _on_scroll_bar(self) -> None:
        self.user_moves()
        self._scroll_bar = True

    # -- moving the window -----------------------------------------------------------------

    def move_window(self, down: bool, *, spare_focused: bool = True) -> None:
        """Show the page beyond the window, above or below (in a worker), what was on screen
        kept where it is; asked for again before it has begun (a wheel turn and the scroll it
        caused), it is done once."""
        if self._asked == down:
            return
        self._asked = down

        async def move() -> None:
            self._asked = None
            await self._move(down, keep_place=True, spare_focused=spare_focused)

        self.run_worker(move(), group="window")

    def show_beyond(self, down: bool) -> None:
        """The user asks for the page beyond the window (a wheel turn, a page key or a click
        past its edge): nothing is held in place any more, and a focused message at the far
        end may be let go (or the window could not move while it is full)."""
        self.user_moves()
        self.move_window(down, spare_focused=False)

    def page(self, direction: int) -> None:
        """A page up or down; at the top or bottom of the window, the page beyond it."""
        # No animation: a page key held down must not queue up a long glide.
        self.user_moves()
        if direction < 0:
            if self.scroll_y <= 0 and self._lo:
                self.show_beyond(down=False)
            else:
                self.scroll_page_up(animate=False)
        elif self.scroll_y >= self.max_scroll_y and self._hi < self._tail:
            self.show_beyond(down=True)
        else:
            self.scroll_page_down(animate=False)

    def on_mouse_scroll_up(self) -> None:
        self.user_moves()
        # At the top, the wheel does not scroll: nothing else would show what is above.
        if self.scroll_y <= 0 and self._lo:
            self.show_beyond(down=False)

    def on_mouse_scroll_down(self) -> None:
        self.user_moves()
        if self.scroll_y >= self.max_scroll_y and self._hi < self._tail:
            self.show_beyond(down=True)

    async def _move(self, down: bool, *, keep_place: bool,
                    spare_focused: bool = True) -> list[MessageView]:
        """Mount the page beyond the window and return its views, then unmount from the other
        side down to MAX_MOUNTED slots; with `keep_place` (the user scrolled or clicked) what
        was on screen stays where it is."""
        async with self._changing():
            if down:
                return await self._extend_down(keep_place, MAX_MOUNTED, spare_focused=spare_focused)
            return await self._extend_up(keep_place, MAX_MOUNTED, spare_focused=spare_focused)

    def _quiet_after_refresh(self) -> None:
        def done() -> None:
            self._quiet = False

        self._quiet = True
        self.call_after_refresh(done)

    async def _extend_up(self, keep_place: bool, keep: int, count: int = PAGE, *,
                         spare_focused: bool = True) -> list[MessageView]:
        count = min(count, self._room(from_top=False, keep=keep, spare_focused=spare_focused))
        if self._lo == 0 or count <= 0:
            return []
        lo = max(0, self._lo - count)
        views = self._views_for(lo, self._lo)
        anchor_view = self.views[0] if self.views else None
        offset = anchor_view.virtual_region.y - self.scroll_y if anchor_view else 0
        marker = self.query_one(EarlierMessages)
        await self.mount_all(views, after=marker)
        self._lo = lo
        await self._trim(from_top=False, keep=keep, spare_focused=spare_focused)
        await self._show_markers()
        if self._hi < len(self._slots):
            self.anchor(False)  # not at the end: nothing to follow
        if keep_place and anchor_view is not None and self._hold is None:
            self._hold_in_place(_Hold(anchor_view, offset=offset))
        return views

    async def _extend_down(self, keep_place: bool, keep: int, count: int = PAGE, *,
                           spare_focused: bool = True) -> list[MessageView]:
        count = min(count, self._room(from_top=True, keep=keep, spare_focused=spare_focused))
        if self._hi >= self._tail or count <= 0:
            return []
        hi = min(self._tail, self._hi + count)
        views = self._views_for(self._hi, hi)
        shown = [view for slot in self._slots[self._lo:self._hi] for view in slot.views]
        anchor_view = shown[-1] if shown else None
        offset = anchor_view.virtual_region.y - self.scroll_y if anchor_view else 0
        await self.mount_all(views, before=self.query_one(LaterMessages))
        self._hi = hi
        lo = self._lo
        await self._trim(from_top=True, keep=keep, spare_focused=spare_focused)
        await self._show_markers()
        if self._hi == len(self._slots):
            # Back at the end: follow the conversation again from the bottom.
            self.anchor()
        # What is added below moves nothing on screen; what is let go above does.
        if keep_place and anchor_view is not None and self._lo != lo and self._hold is None:
            self._hold_in_place(_Hold(anchor_view, offset=offset))
        return views

    async def _show_window(self, lo: int, hi: int) -> None:
        """Mount exactly the slots [lo, hi), and a streaming reply wherever it is."""
        count = len(self._slots)
        lo, hi = max(0, lo), min(count, hi)
        # A streaming reply is the last message; it keeps its widgets (they are being fed).
        streaming = next((index for index, slot in enumerate(self._slots) if slot.streaming),
                         count)
        gone: list[Widget] = [child for child in self.children
                              if not isinstance(child, MessageView)]
        for index, slot in enumerate(self._slots[:streaming]):
            if slot.views:
                gone += self._unmount(index)
        await self.remove_children(gone)
        self._lo, self._hi = lo, hi
        self._tail = streaming if streaming >= hi else count
        views = self._views_for(lo, hi)
        kept = [view for slot in self._slots[streaming:] for view in slot.views]
        await self.mount_all(views, before=kept[0] if kept else None)
        await self._show_markers()
        self.anchor(hi == count)

    def _pinned(self, slot: _Slot, *, spare_focused: bool) -> bool:
        """Whether a slot stays mounted when the window lets go of its end: a streaming reply
        (it is being fed), and, unless the user moves away, the focused message."""
        focused = self.screen.focused if self.is_attached else None
        return slot.streaming or (spare_focused and focused in slot.views)

    def _room(self, *, from_top: bool, keep: int, spare_focused: bool) -> int:
        """How many slots a move can mount and still keep the window to `keep` slots once it
        lets go from the other end (`from_top`)."""
        window = self._slots[self._lo:self._hi]
        free = 0
        for slot in window if from_top else reversed(window):
            if self._pinned(slot, spare_focused=spare_focused):
                break
            free += 1
        return keep - len(window) + free

    async def _trim(self, *, from_top: bool, keep: int, spare_focused: bool = True) -> None:
        """Unmount slots from one end of the window until it holds `keep`, stopping at a
        pinned one."""
        removed: list[Widget] = []
        while self._hi - self._lo > keep:
            index = self._lo if from_top else self._hi - 1
            slot = self._slots[index]
            if self._pinned(slot, spare_focused=spare_focused):
                break
            removed += self._unmount(index)
            if from_top:
                self._lo += 1
            else:
                self._hi -= 1
        if removed:
            await self.remove_children(removed)

    def _unmount(self, index: int) -> list[MessageView]:
        """Let a slot's views go (the caller removes them), keeping what it takes to make them
        again: a saved message is read back by id; the others keep only their data."""
        slot = self._slots[index]
        views, slot.views = slot.views, []
        if slot.message_id is None:
            recipes = [view.recipe() for view in views]
            slot.rebuild = lambda: [make() for make in recipes]
        return views

    def _views_for(self, lo: int, hi: int) -> list[MessageView]:
        """New views for the slots [lo, hi) that have none, read from the store if need be."""
        slots = [slot for slot in self._slots[lo:hi] if not slot.views]
        wanted = [slot.message_id for slot in slots if slot.message_id is not None]
        loaded: dict[int, ChatMessage] = {}
        if wanted and self._saved is not None:
            try:
                loaded = {message.id: message
                          for message in self._saved.load(min(wanted), max(wanted))
                          if message.id is not None}
            except AichatError as error:
                self.notify(str(error), severity="error", markup=False)
        for slot in slots:
            if slot.rebuild is not None:
                slot.views = slot.rebuild()
            elif slot.message_id in loaded and self._saved is not None:
                slot.views = self._saved.views_of(loaded[slot.message_id])
        return [view for slot in slots for view in slot.views]

    async def _show_markers(self) -> None:
        for marker_type, count, place in ((EarlierMessages, self.earlier_count, "top"),
                                          (LaterMessages, self.later_count, "bottom")):
            markers = list(self.query_children(marker_type))
            if not count:
                if markers:
                    await self.remove_children(markers)
                continue
            marker = markers[0] if markers else marker_type()
            marker.show_count(count)
            if markers:
                continue
            if place == "top":
                await self.mount(marker, before=0 if self.children else None)
            else:
                tail = [view for slot in self._slots[self._tail:] for view in slot.views]
                await self.mount(marker, before=tail[0] if tail else None)

    def _focus_slot(self, index: int, *, top: bool) -> None:
        views = self._slots[index].views
        if views:
            self._show_focused(views[0] if top else views[-1], top=top)

    def _show_focused(self, view: MessageView, *, top: bool) -> None:
        view.focus(scroll_visible=False)
        self._hold_in_place(_Hold(view, top=top, focused=True))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._quiet or not self._scroll_bar:
            return
        if new_value <= 0 < old_value and self._lo:
            self.move_window(down=False)
        elif new_value >= self.max_scroll_y > old_value and self._hi < self._tail:
            self.move_window(down=True)

    # -- walking -----------------------------------------------------------------------------

    def walk(self, delta: int) -> None:
        """Focus the message `delta` steps from the focused one (from below the last if none)."""
        views = self.views
        if not views:
            return
        self.user_moves()
        focused = self.screen.focused
        index = views.index(focused) if focused in views else len(views)
        target = index + delta
        window = [view for slot in self._slots[self._lo:self._hi] for view in slot.views]
        if target < 0 and self._lo:
            self.run_worker(self._walk_beyond(down=False), group="window")
        elif (focused in window and window and focused is window[-1] and delta > 0
              and self._hi < self._tail):
            self.run_worker(self._walk_beyond(down=True), group="window")
        elif target >= len(views):
            self.post_message(self.WalkedOff())
        else:
            views[max(0, target)].focus()

    async def _walk_beyond(self, *, down: bool) -> None:
        if views := await self._move(down, keep_place=False):
            self._show_focused(views[0 if down else -1], top=down)

    def action_walk(self, delta: int) -> None:
        self.walk(delta)

    def action_first(self) -> None:
        """The first message of the conversation, however long it is."""
        self.run_worker(self._jump(last=False), group="window")

    def action_last(self) -> None:
        self.run_worker(self._jump(last=True), group="window")

    async def _jump(self, *, last: bool) -> None:
        count = len(self._slots)
        if not count:
            return
        async with self._changing():
            if last and (self._hi < count or self._tail < count):
                await self._show_window(count - PAGE, count)
            elif not last and self._lo > 0:
                await self._show_window(0, PAGE)
        if last:
            # The end: followed from the bottom as it grows.
            if views := self._slots[-1].views:
                views[-1].focus(scroll_visible=False)
            self.anchor()
        else:
            self._focus_slot(0, top=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_prompt":
            # While the screen has something Esc stops (a reply, speech), Esc is for that.
            return not self.screen.check_action("cancel", ())
        return True

    def action_to_prompt(self) -> None:
        self.post_message(self.WalkedOff())

    def action_copy(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, MessageView):
            copy_message(focused)
