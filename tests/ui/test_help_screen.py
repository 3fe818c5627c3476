"""The help screen: the bindings it is given, how to remap them, how to send and break lines.

Snapshot: regenerate after a deliberate change with
`./run pytest tests/ui/test_help_screen.py --snapshot-update`, and look at the SVG.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.chat_support import help_lines, screen_text, words
from tui.ui.bindings import help_sections
from tui.ui.screens.help import HelpScreen
from tui.ui.themes import builtin_themes_dir, load_themes

CONFIG = Path("/home/you/.config/aichat-tui/config.toml")
SECTIONS = [
    ("Chat · writing", [
        ("enter", "Send the message", "prompt.send"),
        ("ctrl+j", "New line in the message", "prompt.newline"),
    ]),
    ("Chat · conversations", [
        ("ctrl+o", "History of conversations", "chat.history"),
        ("[", "A key that looks like markup", "chat.bracket"),
    ]),
]


class HelpHost(App[None]):
    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        super().__init__()
        self._sections = sections
        self.closed = 0

    def compose(self) -> ComposeResult:
        yield Static("the chat screen")

    def on_mount(self) -> None:
        for theme in load_themes(builtin_themes_dir(), Path("/nonexistent"))[0]:
            self.register_theme(theme)
        self.theme = "aichat-dark"
        self.push_screen(HelpScreen(self._sections, config_path=CONFIG), self._count_close)

    def _count_close(self, _: None) -> None:
        self.closed += 1


async def test_lists_every_binding_given_with_its_id_under_its_heading():
    app = HelpHost(SECTIONS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = [words(line.strip("█ ")) for line in screen_text(app).splitlines()]
        assert "Keys Action Id (for [keymap])" in lines
        for heading, rows in SECTIONS:
            at = lines.index(heading)
            for offset, (keys, description, binding_id) in enumerate(rows, 1):
                assert lines[at + offset] == f"{keys} {description} {binding_id}"


async def test_says_how_to_remap_keys_and_how_to_send_and_break_lines():
    app = HelpHost(SECTIONS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = words(screen_text(app).replace("█", " "))
        assert "Help" in text
        assert "Enter sends the message; ctrl+j starts a new line." in text
        assert f"add a [keymap] table to {CONFIG}" in text
        assert '"prompt.send" = "f5"' in text


@pytest.mark.parametrize("key", ["escape", "f1", "q"])
async def test_closes_with_escape_f1_or_q(key):
    app = HelpHost(SECTIONS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert app.closed == 1
        assert not isinstance(app.screen, HelpScreen)


async def test_scrolls_to_rows_below_the_fold():
    many = [(f"f{n}", f"Action number {n}", f"test.action_{n}") for n in range(1, 41)]
    app = HelpHost([("Many", many)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Action number 40" not in screen_text(app)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert "Action number 40" in screen_text(app)


async def test_shows_every_key_and_id_whole_at_80_by_24():
    sections = help_sections({})
    app = HelpHost(sections)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = await help_lines(pilot, app)
        for _, rows in sections:
            for keys, description, binding_id in rows:
                first_word = description.split()[0]
                assert any(line.startswith(f"{keys} {first_word}")
                           and line.endswith(f" {binding_id}") for line in lines), binding_id


def test_snapshot(snap_compare):
    assert snap_compare(HelpHost(SECTIONS), terminal_size=(80, 24))
