"""Renaming, deleting and exporting a conversation: one implementation for the chat window
and the history screen, so they ask, save and tell the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.screen import Screen

from tui.domain.conversation import Conversation
from tui.domain.errors import AichatError
from tui.domain.inert_text import make_inert
from tui.store import History, export_in_thread
from tui.ui.notices import shown_path

UNTITLED = "Untitled conversation"
SLOW_EXPORT = 1.0  # seconds: an export not written by then is said to be under way

Then = Callable[[], Awaitable[None] | None]


def display_title(title: str) -> str:
    """A title on one line, inert in case it was pasted with escapes (it is the first
    question)."""
    return make_inert(" ".join(title.split())) or UNTITLED


class ConversationActions:
    """Asks, saves and tells for `screen`; errors become notifications, nothing raises."""

    def __init__(self, screen: Screen[Any], history: History, export_dir: Path) -> None:
        self._screen = screen
        self._history = history
        self._export_dir = export_dir

    def rename(self, conversation_id: int, renamed: Callable[[str], Awaitable[None] | None]
               ) -> None:
        """Ask for a new title (the current one to edit), save it, then `renamed(title)`."""
        from tui.ui.screens.rename import RenameScreen

        conversation = self._read(conversation_id)
        if conversation is None:
            return

        async def answered(title: str | None) -> None:
            if not title:
                return
            try:
                self._history.rename(conversation_id, title)
            except AichatError as error:
                self._screen.notify(str(error), title="Not renamed", severity="error")
                return
            await _call(renamed, title)

        # Inert: the field writes what it holds to the terminal, and a title is the first
        # question, which may have been piped to `ask` with escapes in it.
        self._screen.app.push_screen(RenameScreen(make_inert(conversation.title)), answered)

    def delete(self, conversation_id: int, deleted: Then) -> None:
        """Ask first (naming the conversation and its size), delete, then `deleted()`."""
        from tui.ui.screens.confirm import ConfirmScreen

        conversation = self._read(conversation_id)
        if conversation is None:
            return
        title = display_title(conversation.title)
        count = conversation.message_count

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self._history.delete(conversation_id)
            except AichatError as error:
                self._screen.notify(str(error), title="Not deleted", severity="error")
                return
            self._screen.notify(f"Deleted “{title}”.")
            await _call(deleted)

        self._screen.app.push_screen(ConfirmScreen(
            f"Delete “{title}” and its {count} message{'s' if count != 1 else ''}? "
            "This cannot be undone.", title="Delete conversation", yes="Delete", no="Keep"),
            answered)

    def export(self, conversation_id: int) -> None:
        """Write the conversation as Markdown into the export folder and say where. In a worker
        of the app, on a thread: the screen never waits for the disk, and the outcome is told
        even if the screen that asked has closed by then."""
        self._screen.app.run_worker(self._export(conversation_id), group="export",
                                    exit_on_error=False)

    async def _export(self, conversation_id: int) -> None:
        app = self._screen.app
        # The exports folder is in the data folder: "exports/…" says where, and fits a toast.
        data_dir = self._export_dir.parent
        exporting = asyncio.ensure_future(
            export_in_thread(self._history, conversation_id, self._export_dir))
        try:
            if not (await asyncio.wait({exporting}, timeout=SLOW_EXPORT))[0]:
                app.notify(f"Still writing to {shown_path(self._export_dir, data_dir)}: the disk "
                           "is slow to answer.", title="Exporting…")
            path = await exporting
        except AichatError as error:
            app.notify(str(error), title="Export failed", severity="error")
            return
        app.notify(shown_path(path, data_dir), title="Exported")

    def _read(self, conversation_id: int) -> Conversation | None:
        """The conversation as saved now (its title and size may have changed)."""
        try:
            conversation = self._history.get_conversation(conversation_id)
        except AichatError as error:
            self._screen.notify(str(error), severity="error")
            return None
        if conversation is None:
            self._screen.notify("That conversation is no longer in the history.",
                                severity="warning")
        return conversation


async def _call(then: Callable[..., Awaitable[None] | None], *args: object) -> None:
    result = then(*args)
    if result is not None:
        await result
