"""The messages of a conversation: the user's, the replies, errors and notices.

Every message can take the focus (to walk the conversation with the keyboard and copy one).
Everything shown here that came from the network goes through tui.ui.safe_text first.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.message import Message as TextualMessage
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.domain.conversation import Message, MessageStatus
from tui.domain.events import ClarifyOptions, Extra
from tui.domain.finish import finish_notice
from tui.domain.inert_text import make_inert
from tui.domain.reply import Edit
from tui.ui.notices import quoted_names
from tui.ui.safe_text import plain
from tui.ui.widgets.tall_layout import tall_arrangement
from tui.ui.widgets.thinking import ThinkingBlock

if TYPE_CHECKING:
    from tui.ui.widgets.markdown_feed import MarkdownFeed

# Characters of one reply drawn as markdown. Beyond, the rest is only counted (and kept: in the
# history, the export and the clipboard): drawing tens of megabytes would stall the app.
SHOW_LIMIT = 500_000
_COUNT_STEP = 100_000  # while it streams, the count of what is not shown moves in these steps

# A status worth saying next to a reply's time (a complete reply says nothing).
_STATUS_WORDS = {
    MessageStatus.STREAMING: "arriving…",
    MessageStatus.CANCELLED: "cancelled",
    MessageStatus.INTERRUPTED: "interrupted",
    MessageStatus.FAILED: "failed",
}


def time_label(timestamp: float, now: float) -> str:
    """14:02 today; 2024-01-02 14:02 on another day (local time)."""
    when, today = time.localtime(timestamp), time.localtime(now)
    same_day = (when.tm_year, when.tm_yday) == (today.tm_year, today.tm_yday)
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", when)


class MessageView(Vertical, can_focus=True):
    """One message: a line saying who and when, then the body."""

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
        border-left: wide $panel;
        & > .meta { color: $text-muted; }
        & > .body { height: auto; }
        &:focus {
            background: $boost;
            border-left: wide $accent;
        }
    }
    """

    def __init__(self, message: Message, speaker: str, now: float) -> None:
        super().__init__()
        self.message = message
        self._speaker = speaker
        self._now = now

    def compose(self) -> ComposeResult:
        yield Static(self._meta_line(), classes="meta")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield Static(plain(self.message.text), classes="body")

    @property
    def copy_text(self) -> str:
        """What copying this message puts on the clipboard: the text as shown."""
        return make_inert(self.message.text)

    @property
    def shown_message(self) -> Message:
        """The message with its text as shown (a streaming reply's text so far)."""
        return replace(self.message, text=self.copy_text, meta=dict(self.message.meta))

    def recipe(self) -> Callable[[], MessageView]:
        """How to make this view again once it is unmounted: from the data it shows now,
        holding on to no widget."""
        kind, message, speaker, now = type(self), self.message, self._speaker, self._now
        return lambda: kind(message, speaker, now)

    def _meta_line(self) -> Content:
        parts: list[tuple[str, str] | str] = [
            (self._speaker, "bold"), f" · {time_label(self.message.created_at, self._now)}"]
        word = _STATUS_WORDS.get(self.message.status)
        if word:
            parts.append((f" · {word}", "italic"))
        return Content.assemble(*parts)


class UserMessage(MessageView):
    DEFAULT_CSS = """
    UserMessage {
        border-left: wide $secondary;
        & > .meta { color: $text-secondary; }
    }
    """


class ErrorMessage(MessageView):
    DEFAULT_CSS = """
    ErrorMessage {
        border-left: wide $error;
        & > .meta { color: $text-error; }
    }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(quoted_names(self.message.text), classes="body")


class NoticeMessage(MessageView):
    DEFAULT_CSS = """
    NoticeMessage {
        border-left: wide $warning;
        & > .meta { color: $text-warning; }
    }
    """

    def compose_body(self) -> ComposeResult:
        yield Static(quoted_names(self.message.text), classes="body")


class ClarifyOptionList(OptionList):
    """The options of a clarifying question, numbered; choosing one sends it."""

    DEFAULT_CSS = """
    ClarifyOptionList {
        height: auto;
        max-height: 12;
        border: none;
        padding: 0;
        background: transparent;
    }
    """


class ReplyMessage(MessageView):
    """A reply: a reasoning model's thinking, Markdown that can stream, then its extras
    (options, hand-over notice) and why it stopped short (cut at the length limit)."""

    DEFAULT_CSS = """
    ReplyMessage {
        border-left: wide $primary;
        & > .meta { color: $text-primary; }
        & > ReplyMarkdown {
            padding: 0;
            margin: 0;
            & > MarkdownParagraph:last-child, & > MarkdownFence:last-child { margin-bottom: 0; }
        }
        & > .extra { margin-top: 1; }
        & > .hand-over, & > .finish { color: $text-warning; }
        & > .trimmed { color: $text-muted; }
        & > .empty, & > .not-shown { color: $text-muted; text-style: italic; }
    }
    """

    class OptionChosen(TextualMessage):
        """The user picked one of the reply's clarifying options."""

        def __init__(self, option: str) -> None:
            super().__init__()
            self.option = option

    def __init__(self, message: Message, speaker: str, now: float,
                 extras: tuple[Extra, ...] = (), *, thinking: str = "",
                 finish_reason: str | None = None) -> None:
        super().__init__(message, speaker, now)
        self.extras = extras
        self.shown_text = make_inert(message.text)
        self.finish_reason = finish_reason
        self._thinking = make_inert(thinking)
        self._feed: MarkdownFeed | None = None

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # It can hold a long reply: see tall_layout.
        return tall_arrangement(super().arrange(size, optimal))

    @property
    def options(self) -> tuple[str, ...]:
        """The clarifying options offered, as sent back when chosen."""
        return next((x.options for x in self.extras if isinstance(x, ClarifyOptions)), ())

    @property
    def copy_text(self) -> str:
        return self.shown_text

    def recipe(self) -> Callable[[], MessageView]:
        # The text as shown (inert already: making it inert again changes nothing).
        message = self.shown_message
        speaker, now, extras = self._speaker, self._now, self.extras
        block = self.thinking_block
        thinking = block.text if block is not None else self._thinking
        finish_reason = self.finish_reason
        return lambda: ReplyMessage(message, speaker, now, extras, thinking=thinking,
                                    finish_reason=finish_reason)

    def compose_body(self) -> ComposeResult:
        # Markdown (and markdown-it) load with the first reply: start-up does not pay for them.
        from tui.ui.widgets.reply_markdown import ReplyMarkdown

        if self._thinking:
            yield ThinkingBlock(self._thinking)
        yield ReplyMarkdown(self.shown_text[:SHOW_LIMIT] or None)
        yield Static(self._not_shown_line(), classes="not-shown")
        yield from self._compose_extras()

    def on_mount(self) -> None:
        self.query_one(".not-shown").display = len(self.shown_text) > SHOW_LIMIT

    def _not_shown_line(self) -> str:
        rest = len(self.shown_text) - SHOW_LIMIT
        arriving = self.message.status == MessageStatus.STREAMING
        return (f"… {rest:,} more characters {'arriving, ' if arriving else ''}not shown here: "
                "the whole reply is saved (export it or copy it).")

    @property
    def thinking_block(self) -> ThinkingBlock | None:
        blocks = self.query_children(ThinkingBlock)
        return blocks.first() if blocks else None

    def think(self, text: str) -> None:
        """Show a reasoning model's thinking so far (inert), above the answer."""
        block = self.thinking_block
        if block is None:
            from tui.ui.widgets.reply_markdown import ReplyMarkdown

            self.mount(ThinkingBlock(text, thinking=True), before=self.query_one(ReplyMarkdown))
        else:
            block.grow(text)

    def left_out(self, omitted: int) -> None:
        """Say that `omitted` older turns did not go with the question."""
        turns = "turn was" if omitted == 1 else "turns were"
        self.mount(Static(plain(f"{omitted} older {turns} left out: they did not fit in "
                                "[chat] context_chars."), classes="trimmed"),
                   after=self.query_one(".meta"))

    def apply(self, edit: Edit, text: str) -> None:
        """Show one change of a streaming reply; `text` is the whole (inert) reply after it."""
        if self._feed is None:
            block = self.thinking_block
            if block is not None and block.thinking:
                block.answer_started()
            from tui.ui.widgets.markdown_feed import MarkdownFeed
            from tui.ui.widgets.reply_markdown import ReplyMarkdown

            self._feed = MarkdownFeed(self.query_one(ReplyMarkdown))
        before, self.shown_text = len(self.shown_text), text
        if len(text) <= SHOW_LIMIT:
            self._feed.apply(edit, text)
        elif edit.keep < SHOW_LIMIT:  # the change reaches into what is drawn: draw up to the limit
            drawn = min(before, SHOW_LIMIT)
            cut = text[:SHOW_LIMIT]
            keep = min(edit.keep, drawn)
            self._feed.apply(Edit(keep, cut[keep:], drawn), cut)
            self._show_not_shown()
        elif before <= SHOW_LIMIT or len(text) // _COUNT_STEP != before // _COUNT_STEP:
            # Now and then: saying how much is hidden must not cost per event.
            self._show_not_shown()

    def _show_not_shown(self) -> None:
        line = self.query_one(".not-shown", Static)
        line.update(self._not_shown_line())
        line.display = len(self.shown_text) > SHOW_LIMIT

    def set_status(self, status: MessageStatus) -> None:
        self.message.status = status
        self.query_one(".meta", Static).update(self._meta_line())

    async def finish(self, text: str, status: MessageStatus, extras: tuple[Extra, ...],
                     finish_reason: str | None = None) -> None:
        """End streaming: one full render of `text` (inert), the status, then the extras and
        why it stopped short, if it did."""
        self.shown_text = text
        self.extras = extras
        self.finish_reason = finish_reason
        block = self.thinking_block
        if block is not None and block.thinking:  # it thought, and never answered
            block.answer_started()
        if self._feed is not None:
            await self._feed.finish(text[:SHOW_LIMIT])
            self._feed = None
        self.set_status(status)
        self._show_not_shown()
        await self.mount_all(list(self._compose_extras()))

    def _compose_extras(self) -> list[Static | OptionList]:
        widgets: list[Static | OptionList] = []
        arriving = self.message.status == MessageStatus.STREAMING
        if not self.shown_text and not self.extras and not arriving:
            widgets.append(Static("(no text arrived)", classes="empty"))
        for extra in self.extras:
            if isinstance(extra, ClarifyOptions):
                # Providers often make the title and question the reply text: no need to repeat.
                heading = "\n".join(part for part in (extra.title, extra.content)
                                    if part.strip() and make_inert(part) not in self.shown_text)
                if heading:
                    widgets.append(Static(plain(heading), classes="extra"))
                widgets.append(ClarifyOptionList(
                    *(Option(plain(f"{n}. {option}")) for n, option in enumerate(extra.options, 1)),
                    classes="extra"))
            else:
                detail = f" {extra.detail}" if extra.detail.strip() else ""
                widgets.append(Static(
                    plain(f"⚑ {self._speaker} suggests handing this conversation over to a "
                          f"human agent.{detail}"),
                    classes="extra hand-over"))
        notice = finish_notice(self.finish_reason)
        if notice:
            widgets.append(Static(plain(notice), classes="extra finish"))
        return widgets

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.OptionChosen(self.options[event.option_index]))
