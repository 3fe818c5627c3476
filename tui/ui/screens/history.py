"""Every saved conversation: open, rename, delete, export, and search the text of all messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.backends.registry import label
from tui.domain.conversation import Conversation, Role
from tui.domain.errors import AichatError
from tui.domain.inert_text import make_inert
from tui.store import (
    MARK_END,
    MARK_START,
    BackgroundSearch,
    History,
    SearchHit,
    SearchResult,
    Stale,
)
from tui.ui.bindings import HISTORY, bindings
from tui.ui.conversation_actions import ConversationActions, display_title
from tui.ui.safe_text import plain
from tui.ui.widgets.footer import Footer

LIST_LIMIT = 500
# Search runs as the user types, once typing pauses this long (seconds).
SEARCH_DEBOUNCE = 0.06
_DATE_FORMAT = "%Y-%m-%d %H:%M"
_DATE_WIDTH = 16
_COUNT_WIDTH = 5
_MODEL_WIDTH = 16
# Cell padding of four columns, the frame's border and the scrollbar.
_TABLE_CHROME = 2 * 4 + 2 + 2
_MIN_TITLE_WIDTH = 16
# The frame's border, the option's padding and the scrollbar.
_HIT_CHROME = 2 + 2 + 2
_SPEAKERS = {Role.USER: "You", Role.ASSISTANT: "Reply", Role.ERROR: "Error", Role.NOTICE: "Notice"}
# Reverse video in the accent colour: visible in every theme, also on the highlighted row.
MATCH_STYLE = "bold reverse $accent"


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime(_DATE_FORMAT)


def highlighted_snippet(snippet: str) -> Content:
    """A search snippet with its marked matches styled and every control character made inert."""
    parts: list[str | tuple[str, str]] = []
    for index, piece in enumerate(snippet.split(MARK_START)):
        match, marker, rest = piece.partition(MARK_END)
        if index == 0 or not marker:  # text before the first match, or an unterminated mark
            parts.append(make_inert(piece.replace(MARK_END, "")))
            continue
        parts += [(make_inert(match), MATCH_STYLE), make_inert(rest.replace(MARK_END, ""))]
    return Content.assemble(*parts)


@dataclass(frozen=True)
class Opened:
    """What the history screen chose: a conversation, and the message to open it at (a
    search hit's), if any."""

    conversation_id: int
    message_id: int | None = None


class HistoryScreen(Screen[Opened | None]):
    """Dismisses with the conversation (and message) to open, or None (Esc)."""

    DEFAULT_CSS = """
    HistoryScreen > Vertical {
        border: round $primary;
        border-title-style: bold;
        height: 1fr;
    }
    HistoryScreen DataTable, HistoryScreen OptionList {
        height: 1fr;
        border: none;
        background: $surface;
    }
    HistoryScreen OptionList > .option-list--option {
        padding: 0 1;
    }
    HistoryScreen #empty {
        height: 1fr;
        padding: 1 2;
        color: $text-muted;
    }
    HistoryScreen .-hidden {
        display: none;
    }
    """

    BINDINGS = bindings(HISTORY)

    def __init__(self, history: History, export_dir: Path) -> None:
        super().__init__()
        self._history = history
        self._export_dir = export_dir
        self._conversations: list[Conversation] = []
        self._hits: list[SearchHit] = []
        self._actions = ConversationActions(self, history, export_dir)
        self._window: int | None = None  # the hits shown come from the newest N messages
        # The UI never waits on SQLite: queries run on a thread of their own, newest wins.
        self._searcher = BackgroundSearch(history.path)
        self._debounce: Timer | None = None
        self._search_pending = False

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="frame"):
            yield Input(placeholder="Search every message  ( / )", id="search")
            yield DataTable(id="conversations", cursor_type="row", zebra_stripes=True)
            yield OptionList(id="hits", classes="-hidden")
            yield Static(id="empty", classes="-hidden")
        yield Footer()

    @property
    def _search(self) -> Input:
        return self.query_one("#search", Input)

    @property
    def _table(self) -> DataTable[Text]:
        return self.query_one("#conversations", DataTable)

    @property
    def _hit_list(self) -> OptionList:
        return self.query_one("#hits", OptionList)

    @property
    def _searching(self) -> bool:
        return bool(self._search.value.strip())

    @property
    def search_pending(self) -> bool:
        """Whether the hits for what the search box holds are still being looked for."""
        return self._search_pending

    def on_mount(self) -> None:
        self._reload()
        self._table.focus()

    def on_unmount(self) -> None:
        self._searcher.close()

    def on_resize(self) -> None:
        # The title column takes whatever the date and count leave, so it depends on the width.
        if self._conversations:
            self._fill_table(self._selected_row_id())
        if self._hits:
            self._show_hits(self._hit_list.highlighted or 0)

    # -- filling -------------------------------------------------------------------------------

    def _reload(self, keep: int | None = None) -> None:
        """Read the list (and the hits, when searching) again, keeping the cursor near `keep`."""
        try:
            self._conversations = self._history.list_conversations(limit=LIST_LIMIT)
        except AichatError as error:
            self._conversations = []
            self._show_empty(str(error))
            self.notify(str(error), severity="error")
            return
        self._fill_table(keep)
        if self._searching:
            # The hit just renamed (or the one after the hit just deleted) stays highlighted.
            self._search_soon(self._hit_list.highlighted or 0, now=True)
        else:
            self._show_list()

    def _fill_table(self, keep: int | None) -> None:
        table = self._table
        old_row = table.cursor_row
        table.clear(columns=True)
        title_width = max(_MIN_TITLE_WIDTH, self.size.width - _DATE_WIDTH - _COUNT_WIDTH
                          - _MODEL_WIDTH - _TABLE_CHROME)
        table.add_column("Conversation", width=title_width)
        table.add_column("Answered by", width=_MODEL_WIDTH)
        table.add_column("Last active", width=_DATE_WIDTH)
        table.add_column(Text("Msgs".rjust(_COUNT_WIDTH)), width=_COUNT_WIDTH)
        for conversation in self._conversations:
            untitled = not conversation.title.strip()
            table.add_row(
                Text(display_title(conversation.title), style="italic" if untitled else "",
                     no_wrap=True, overflow="ellipsis"),
                # Who answers it when it is reopened: the model, else the provider (model ids
                # come from servers: inert).
                Text(make_inert(conversation.model or label(conversation.provider)),
                     no_wrap=True, overflow="ellipsis"),
                Text(_when(conversation.updated_at)),
                # The table ignores justify, so pad by hand.
                Text(str(conversation.message_count).rjust(_COUNT_WIDTH)),
                key=str(conversation.id),
            )
        if not self._conversations:
            return
        ids = [c.id for c in self._conversations]
        row = ids.index(keep) if keep in ids else min(old_row, len(ids) - 1)
        table.move_cursor(row=row, animate=False)
        count = len(self._conversations)
        frame = self.query_one("#frame")
        frame.border_title = f"History · {count} conversation{'s' if count != 1 else ''}"
        if count >= LIST_LIMIT:
            frame.border_title += f" (the newest {LIST_LIMIT}; search finds all)"

    def _show_list(self) -> None:
        frame = self.query_one("#frame")
        frame.border_subtitle = ""
        self._hit_list.add_class("-hidden")
        if self._conversations:
            self._table.remove_class("-hidden")
            self.query_one("#empty").add_class("-hidden")
        else:
            frame.border_title = "History"
            self._show_empty("No conversations yet. Every conversation you have in the chat is "
                             "kept here, to open again, rename, export or delete.")

    def _show_empty(self, message: str) -> None:
        self._table.add_class("-hidden")
        self._hit_list.add_class("-hidden")
        empty = self.query_one("#empty", Static)
        empty.update(plain(message))  # it may quote the query: text, never markup
        empty.remove_class("-hidden")

    # -- search --------------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._searching:
            self._search_soon()
        else:
            self._cancel_search()
            self._hits = []
            self._show_list()

    def _search_soon(self, highlight: int = 0, *, now: bool = False) -> None:
        self._cancel_search()
        self._search_pending = True
        if now:
            self.run_worker(self._run_search(highlight), group="search")
        else:
            self._debounce = self.set_timer(
                SEARCH_DEBOUNCE,
                lambda: self.run_worker(self._run_search(highlight), group="search"))

    def _cancel_search(self) -> None:
        self._search_pending = False
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    async def _run_search(self, highlight: int) -> None:
        query = self._search.value.strip()
        try:
            result: SearchResult = await self._searcher.search(query)
        except Stale:
            return
        except AichatError as error:
            if query == self._search.value.strip():
                self._search_pending = False
                self._hits = []
                self._show_empty(str(error))
            return
        if query != self._search.value.strip():
            return  # typed on meanwhile: that search is on its way
        self._search_pending = False
        self._hits, self._window = result.hits, result.window
        self._show_hits(highlight)

    def _show_hits(self, highlight: int) -> None:
        query = self._search.value.strip()
        frame = self.query_one("#frame")
        count = len(self._hits)
        frame.border_subtitle = f"{count} message{'s' if count != 1 else ''} found"
        if self._window is not None:
            frame.border_subtitle += f" in the newest {self._window:,} (3+ characters search all)"
        if not self._hits:
            self._show_empty(f"No message contains “{query}”.")
            return
        hits = self._hit_list
        width = max(_MIN_TITLE_WIDTH, self.size.width - _HIT_CHROME)
        hits.set_options(Option(self._hit_prompt(hit, width)) for hit in self._hits)
        hits.highlighted = min(highlight, len(self._hits) - 1)
        hits.remove_class("-hidden")
        self._table.add_class("-hidden")
        self.query_one("#empty").add_class("-hidden")

    @staticmethod
    def _hit_prompt(hit: SearchHit, width: int) -> Content:
        # Who and when first, so a long title is what gets cut; the snippet may wrap.
        heading = Content.assemble(
            (f"{_SPEAKERS.get(hit.role, hit.role.value)} · {_when(hit.created_at)} · ",
             "$text-muted"),
            (display_title(hit.conversation_title), "bold"),
        ).truncate(width, ellipsis=True)
        return Content("\n").join([heading, highlighted_snippet(hit.snippet)])

    # -- which conversation --------------------------------------------------------------------

    def _selected_row_id(self) -> int | None:
        table = self._table
        if not self._conversations or table.cursor_row >= len(self._conversations):
            return None
        return self._conversations[table.cursor_row].id

    def _selected_id(self) -> int | None:
        """The conversation keys act on: the highlighted hit's while searching, else the row's."""
        if hit := self._selected_hit():
            return hit.conversation_id
        return None if self._searching else self._selected_row_id()

    def _selected_hit(self) -> SearchHit | None:
        index = self._hit_list.highlighted
        if self._searching and self._hits and index is not None:
            return self._hits[index]
        return None

    # -- actions -------------------------------------------------------------------------------

    def action_open(self) -> None:
        if self.focused is self._search:
            self.action_results()
            return
        conversation_id = self._selected_id()
        if conversation_id is not None:
            hit = self._selected_hit()
            self.dismiss(Opened(conversation_id, hit.message_id if hit else None))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a mouse click; Enter arrives as action_open
        self.action_open()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_search(self) -> None:
        self._search.focus()

    def action_results(self) -> None:
        if self._searching:
            if self._hits:
                self._hit_list.focus()
        elif self._conversations:
            self._table.focus()

    def action_close(self) -> None:
        if self._search.value:
            # Esc first leaves the search, so one stray press does not lose the whole screen.
            self._search.value = ""
            self._table.focus()
            return
        self.dismiss(None)

    def action_rename(self) -> None:
        conversation_id = self._selected_id()
        if conversation_id is not None:
            self._actions.rename(conversation_id, lambda _: self._reload(keep=conversation_id))

    def action_delete(self) -> None:
        conversation_id = self._selected_id()
        if conversation_id is not None:
            self._actions.delete(conversation_id, self._reload)

    def action_export(self) -> None:
        conversation_id = self._selected_id()
        if conversation_id is not None:
            self._actions.export(conversation_id)
