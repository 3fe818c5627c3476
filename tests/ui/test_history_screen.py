"""The history screen on a real history file: list, open, rename, delete, export, search.

The screen is mounted on a bare host app (as the chat app pushes it) at 80x24, the size it
must work at. Snapshots: regenerate after a deliberate change with
`./run pytest tests/ui/test_history_screen.py --snapshot-update`, and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static

from tests.ui.chat_support import (
    notifications,
    screen_text,
    terminal_output,
    wait_until,
    words,
)
from tui.domain.conversation import Message, Role
from tui.store import History
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.history import HistoryScreen, Opened
from tui.ui.screens.rename import RenameScreen
from tui.ui.themes import builtin_themes_dir, load_themes

# 2024-05-01 12:00 UTC, and the three conversations an hour apart from there.
START = 1714564800.0
HOUR = 3600.0

RICE = "How do I cook rice in a pot?"
WEATHER = "上海明天的天气怎么样？"
DECORATORS = "Explain Python decorators"


class Host(App[None]):
    """A bare app that pushes one screen, as the chat app does, and keeps what it returns."""

    def __init__(self, make_screen: Callable[[], Screen], theme: str = "aichat-dark") -> None:
        super().__init__()
        self._make_screen = make_screen
        self._wanted_theme = theme
        self.results: list[object] = []

    def compose(self) -> ComposeResult:
        yield Static("the chat screen")

    def on_mount(self) -> None:
        themes, _ = load_themes(builtin_themes_dir(), Path("/nonexistent"))
        for theme in themes:
            self.register_theme(theme)
        self.theme = self._wanted_theme
        self.push_screen(self._make_screen(), self.results.append)


pytestmark = pytest.mark.usefixtures("utc_clock")


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    now = [START]
    with History.open(tmp_path / "history.sqlite3", clock=lambda: now[0]) as opened:
        for offset, (title, exchange) in enumerate([
            (RICE, [(Role.USER, RICE),
                    (Role.ASSISTANT, "Rinse the rice, then simmer the rice covered for "
                                     "15 minutes.")]),
            (WEATHER, [(Role.USER, WEATHER),
                       (Role.ASSISTANT, "上海明天多云转晴，气温18到25度，适合出行。"),
                       (Role.USER, "需要带伞吗？")]),
            (DECORATORS, [(Role.USER, DECORATORS),
                          (Role.ASSISTANT, "A decorator wraps a function:\n\n```python\n"
                                           "@cache\ndef fib(n): ...\n```")]),
        ]):
            now[0] = START + offset * HOUR
            conversation = opened.create_conversation(title)
            for minute, (role, text) in enumerate(exchange):
                now[0] = START + offset * HOUR + minute * 60
                opened.add_message(conversation.id, Message(role, text, now[0]))
        yield opened


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "exports"


def ids_by_title(history: History) -> dict[str, int]:
    return {c.title: c.id for c in history.list_conversations()}


def host(history: History, export_dir: Path, theme: str = "aichat-dark") -> Host:
    return Host(lambda: HistoryScreen(history, export_dir), theme)


def table_rows(app: App) -> list[str]:
    """The rows of the conversation table as shown, header first."""
    lines = [words(line.strip("│ ")) for line in screen_text(app).splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Conversation"))
    return [line for line in lines[start:] if line and not line.startswith(("╰", "⏎"))][:6]


def reversed_runs(app: App) -> list[str]:
    """Every run of text the screen shows in reverse video (how search matches are marked)."""
    runs: list[str] = []
    for strip in app.screen._compositor.render_strips():
        current = ""
        for segment in strip:
            if segment.style is not None and segment.style.reverse:
                current += segment.text
            elif current:
                runs.append(current)
                current = ""
        if current:
            runs.append(current)
    return [run.strip() for run in runs if run.strip()]


async def search(pilot: Pilot, query: str) -> None:
    await pilot.press("slash")
    await pilot.press(*query)
    await hits_shown(pilot)


async def hits_shown(pilot: Pilot) -> None:
    """Wait for the search running on its own thread to show its hits."""
    await pilot.pause()
    for _ in range(200):
        if not pilot.app.screen.search_pending:
            break
        await pilot.pause(0.01)
    await pilot.pause()


# -- the list ----------------------------------------------------------------------------------


async def test_lists_conversations_newest_first_with_date_and_message_count(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        rows = table_rows(app)
        assert rows[0] == "Conversation Answered by Last active Msgs"
        assert rows[1:4] == [
            f"{DECORATORS} Tongyi 2024-05-01 14:01 2",
            f"{WEATHER} Tongyi 2024-05-01 13:02 3",
            f"{RICE} Tongyi 2024-05-01 12:01 2",
        ]
        assert "History · 3 conversations" in screen_text(app)


async def test_footer_shows_the_keys_of_the_screen(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = words(screen_text(app).splitlines()[-1])
        for label in ("Open", "Search", "Rename", "Delete", "Export", "Close"):
            assert label in footer


async def test_a_long_title_is_cut_to_fit_80_columns(history, export_dir):
    long_title = "Explain the difference between processes and threads " * 3
    history.create_conversation(long_title)
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        row = table_rows(app)[1]
        assert row.startswith("Explain the difference between")
        assert "…" in row and row.endswith(" 0")


async def test_the_title_column_grows_with_the_window(history, export_dir):
    long_title = "Explain the difference between processes and threads in Python and Go"
    history.create_conversation(long_title)
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert long_title not in screen_text(app)
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert table_rows(app)[1].startswith(f"{long_title} ")


async def test_enter_opens_the_conversation_under_the_cursor(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.results == [Opened(ids_by_title(history)[WEATHER])]


async def test_escape_closes_without_choosing(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, HistoryScreen)


async def test_an_empty_history_says_so(tmp_path, export_dir):
    with History.open(tmp_path / "empty.sqlite3") as empty:
        app = host(empty, export_dir)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter", "r", "d", "e")  # nothing to act on: nothing happens
            await pilot.pause()
            assert "No conversations yet" in screen_text(app)
            assert app.results == [] and isinstance(app.screen, HistoryScreen)


async def test_keys_can_be_remapped_by_binding_id(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"history.rename": "f6"})
        await pilot.press("f6")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)


# -- rename ------------------------------------------------------------------------------------


async def test_rename_saves_the_new_title_and_shows_it(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        await pilot.press(*"Python decorators, explained", "enter")  # replaces the selected text
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert DECORATORS not in ids_by_title(history)
        assert "Python decorators, explained" in ids_by_title(history)
        assert table_rows(app)[1].startswith("Python decorators, explained ")


async def test_rename_cancelled_or_blank_changes_nothing(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "backspace", "enter")  # a blank name is refused...
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        assert "The name cannot be empty." in screen_text(app)
        await pilot.press("escape")  # ...and Esc gives up
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert DECORATORS in ids_by_title(history)


async def test_a_title_with_escapes_is_offered_inert_to_rename(history, export_dir):
    # A title is the first question, which `ask -` may have read with escapes in it.
    history.create_conversation("build log \x1b]52;c;eA==\x07 \x1b[2J")
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("home", "r")
        await pilot.pause()
        assert isinstance(app.screen, RenameScreen)
        assert app.screen.query_one(Input).value == "build log ␛]52;c;eA==␇ ␛[2J"
        assert "\x1b]52" not in terminal_output(app)


# -- delete ------------------------------------------------------------------------------------


async def test_delete_asks_first_then_removes_the_conversation(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("down", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Delete “{WEATHER}” and its 3 messages?" in words(screen_text(app))
        await pilot.press("y")
        await pilot.pause()
        assert WEATHER not in ids_by_title(history)
        assert [row.split()[0] for row in table_rows(app)[1:3]] == ["Explain", "How"]
        assert any(f"Deleted “{WEATHER}”" in note for note in notifications(app))


@pytest.mark.parametrize("answer", ["n", "escape", "enter"], ids=["n", "escape", "enter-on-keep"])
async def test_delete_can_be_declined(history, export_dir, answer):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d", answer)
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert len(history.list_conversations()) == 3
        assert len(table_rows(app)) == 4


# -- export ------------------------------------------------------------------------------------


async def test_export_writes_markdown_and_tells_where(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("down", "down", "e")
        await wait_until(pilot, lambda: bool(notifications(app)), "the export")
        (exported,) = export_dir.glob("*.md")
        assert exported.read_text(encoding="utf-8").startswith(f"# {RICE}")
        assert "Rinse the rice" in exported.read_text(encoding="utf-8")
        (note,) = notifications(app)
        # Relative to the data folder the exports folder is in: whole, on one line.
        assert note == f"Exported exports/{exported.name}"


async def test_a_failed_export_says_why(history, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    app = host(history, blocked)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(notifications(app)), "the export")
        (note,) = notifications(app)
        assert note.startswith("Export failed")
        assert "Could not write the export" in note and "Choose another folder" in note


# -- search ------------------------------------------------------------------------------------


async def test_search_shows_hits_with_matches_highlighted(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "rice")
        text = words(screen_text(app))
        assert "2 messages found" in text
        assert f"Reply · 2024-05-01 12:01 · {RICE}" in text
        assert f"You · 2024-05-01 12:00 · {RICE}" in text
        assert "Rinse the rice, then simmer the rice covered" in text
        assert reversed_runs(app).count("rice") == 3  # two in the reply, one in the question
        assert "Explain Python decorators" not in text  # the list gives way to the hits


@pytest.mark.parametrize("query", ["天气", "明天的天气"],
                         ids=["two-characters", "five-characters"])
async def test_search_finds_and_highlights_chinese(history, export_dir, query):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, query)
        assert "1 message found" in screen_text(app)
        assert query in reversed_runs(app)


async def test_enter_in_search_goes_to_the_hits_and_enter_opens_one(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "a")  # matches messages of every conversation
        await pilot.press("enter", "down", "down", "enter")
        await pilot.pause()
        hits = history.search("a")
        assert app.results == [Opened(hits[2].conversation_id, hits[2].message_id)]


async def test_down_goes_from_the_search_box_to_the_hits(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "rice")
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        [opened] = app.results
        assert opened.conversation_id == ids_by_title(history)[RICE]
        assert opened.message_id == history.search("rice")[1].message_id  # the second hit


async def test_a_renamed_hit_stays_highlighted_with_its_new_title(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "a")
        await pilot.press("enter", "down")
        chosen = history.search("a")[1]
        await pilot.press("r", *"Renamed", "enter")
        await hits_shown(pilot)
        assert history.get_conversation(chosen.conversation_id).title == "Renamed"
        assert "· Renamed" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [Opened(chosen.conversation_id, chosen.message_id)]


async def test_search_with_no_hits_says_so(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, 'c++ "AND" *')
        assert "No message contains “c++ \"AND\" *”." in words(screen_text(app))


async def test_escape_leaves_the_search_first_then_the_screen(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "rice")
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == []
        assert len(table_rows(app)) == 4
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


async def test_a_search_for_markup_is_shown_as_typed(history, export_dir):
    # What the user typed is text, never markup: "[/]" would end the app, "[b]" turn bold.
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "[b]x[/]")
        assert app.is_running
        assert "No message contains “[b]x[/]”." in words(screen_text(app))


async def test_keys_act_on_the_highlighted_hit(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "伞")
        await pilot.press("enter", "d", "y")
        await hits_shown(pilot)
        assert WEATHER not in ids_by_title(history)
        assert "No message contains “伞”." in words(screen_text(app))


async def test_untrusted_text_is_shown_inert(history, export_dir):
    conversation = history.create_conversation("[bold]not markup[/] \x1b[2J")
    history.add_message(conversation.id, Message(Role.ASSISTANT, "evil \x1b]52;c;aGk=\x07 text",
                                                 START))
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "[bold]not markup[/] ␛[2J" in screen_text(app)
        await search(pilot, "evil")
        assert "evil ␛]52;c;aGk=␇ text" in screen_text(app)


async def test_a_short_query_in_a_long_history_says_what_it_searched(history, export_dir,
                                                                     monkeypatch):
    monkeypatch.setattr("tui.store.search.SHORT_TERM_WINDOW", 3)
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "天")
        assert "in the newest 3 (3+ characters search all)" in words(screen_text(app))
        await pilot.press(*"气怎")
        await hits_shown(pilot)
        text = words(screen_text(app))
        assert "1 message found" in text and "in the newest" not in text


async def test_only_the_last_query_typed_is_shown(history, export_dir):
    app = host(history, export_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await search(pilot, "decorator")
        await pilot.press(*["backspace"] * 9, *"rinse")
        await hits_shown(pilot)
        assert "1 message found" in screen_text(app)
        assert "Rinse" in reversed_runs(app) and "decorator" not in reversed_runs(app)


# -- snapshots ---------------------------------------------------------------------------------


def test_snapshot_the_list(snap_compare, history, export_dir):
    assert snap_compare(host(history, export_dir), terminal_size=(80, 24))


@pytest.mark.parametrize("theme", ["aichat-dark", "aichat-light", "aichat-contrast"])
def test_snapshot_a_search_in_each_theme(snap_compare, history, export_dir, theme):
    async def search_rice(pilot: Pilot) -> None:
        await search(pilot, "rice")
        app.screen.query_one("Input").cursor_blink = False

    app = host(history, export_dir, theme)
    assert snap_compare(app, terminal_size=(80, 24), run_before=search_rice)
