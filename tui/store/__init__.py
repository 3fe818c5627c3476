"""The conversation history: an SQLite file, saved as you chat, searchable, exportable."""

from __future__ import annotations

from tui.store.background_search import BackgroundSearch, SearchResult, Stale
from tui.store.errors import ExportError, HistoryCorrupt, HistoryError, HistoryTooNew
from tui.store.export import export_in_thread, export_markdown, export_to_file
from tui.store.history import History
from tui.store.meta import reply_error, reply_extras, reply_meta
from tui.store.recorder import ReplyRecorder
from tui.store.search import MARK_END, MARK_START, SearchHit

__all__ = [
    "MARK_END", "MARK_START", "BackgroundSearch", "ExportError", "History", "HistoryCorrupt",
    "HistoryError", "HistoryTooNew", "ReplyRecorder", "SearchHit", "SearchResult", "Stale",
    "export_in_thread", "export_markdown", "export_to_file", "reply_error", "reply_extras",
    "reply_meta",
]
