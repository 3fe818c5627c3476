"""Driving the chat app in tests: what is on screen, what reaches the terminal, waiting."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

from rich.console import Console
from textual import events
from textual.app import App
from textual.keys import key_to_character
from textual.pilot import Pilot

from tui.settings import Settings, load_settings
from tui.ui.widgets.messages import ReplyMessage


def _render(app: App) -> Console:
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    # The very update Textual writes to a real terminal, full screen.
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console


def screen_text(app: App) -> str:
    """The screen as plain text, as a user reads it."""
    return _render(app).export_text()


def screen_words(app: App) -> str:
    """The screen's words in order, joined by single spaces: wrapped sentences read whole.

    Message and notification borders (▎ ▌) are left out, so a sentence wrapped inside a
    message can be found with `words(sentence) in screen_words(app)`.
    """
    return words(screen_text(app).replace("▎", " ").replace("▌", " "))


def notifications(app: App) -> list[str]:
    """The text of each notification on screen (title and message), unwrapped.

    Needs `run_test(notifications=True)`.
    """
    return [words(toast.render().plain) for toast in app.screen.query("Toast")]


async def help_lines(pilot: Pilot, app: App) -> list[str]:
    """Every line the help screen shows, paging down to its end, as words: what is inside its
    border, the scroll bar left out."""
    pages: list[str] = []
    while not pages or pages[-1] != screen_text(app):
        pages.append(screen_text(app))
        await pilot.press("pagedown")
        await pilot.pause()
    return [words(line.partition("█")[2].rpartition("█")[0].strip("▁▂▃▄▅▆▇ "))
            for page in pages for line in page.splitlines()]


def words(text: str) -> str:
    return " ".join(text.split())


def terminal_output(app: App) -> str:
    """The characters and escape sequences Textual would write to the terminal for the screen."""
    console = _render(app)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def settings_for(emulator) -> Settings:
    """Settings pointing every backend at `emulator` (the isolated config and data dirs)."""
    return load_settings(env={**os.environ, **emulator.client_env()})


async def send(pilot: Pilot, text: str) -> None:
    """Type `text` into the prompt key by key and press Enter."""
    await pilot.press(*text, "enter")


def press_now(pilot: Pilot, *keys: str) -> None:
    """Press `keys` in one burst, as a terminal delivers a paste or `tmux send-keys`: without
    Pilot.press's wait for the app to go idle after each (which, while a reply streams, can
    outlast the reply). Printable keys go by name: "a", "question_mark"."""
    for key in keys:
        character = key_to_character(key)
        pilot.app.post_message(
            events.Key(key, character if character and character.isprintable() else None))


async def wait_for_reply(pilot: Pilot) -> None:
    """Until the reply asked for has finished and its final render is on screen."""
    await pilot.pause()  # the key that asked has been handled, the reply has begun
    await pilot.app.workers.wait_for_complete()
    await wait_until(pilot, lambda: not getattr(pilot.app.screen, "replying", False),
                     "the reply to end")
    await pilot.pause()


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str,
                     timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def replies(app: App) -> list[ReplyMessage]:
    return list(app.screen.query(ReplyMessage))
