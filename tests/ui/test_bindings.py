"""One binding table for every screen: ids, help sections, typos, footers at 80 columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding

from tui.ui.app import AichatApp
from tui.ui.bindings import ALL, HELP_SECTIONS, command, help_sections, unknown_ids
from tui.ui.screens.chat import ChatScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.history import HistoryScreen
from tui.ui.screens.rename import RenameScreen
from tui.ui.screens.theme_picker import ThemePicker
from tui.ui.screens.voices import VoiceBrowser
from tui.ui.widgets.conversation import ConversationView
from tui.ui.widgets.prompt import Prompt

BOUND = [AichatApp, ChatScreen, ConfirmScreen, HelpScreen, HistoryScreen, RenameScreen,
         ThemePicker, VoiceBrowser, ConversationView, Prompt]


@pytest.mark.parametrize("owner", BOUND, ids=lambda owner: owner.__name__)
def test_every_binding_of_every_screen_comes_from_the_table(owner):
    ids = {c.id for c in ALL}
    for binding in owner.BINDINGS:
        assert isinstance(binding, Binding)
        if not binding.system:  # Textual's own ctrl+c hint
            assert binding.id in ids, f"{owner.__name__} binds {binding.key} inline"


def test_ids_are_unique_and_every_command_is_in_exactly_one_help_section():
    ids = [c.id for c in ALL]
    assert len(ids) == len(set(ids))
    listed = [c.id for _, commands in HELP_SECTIONS for c in commands]
    assert sorted(listed) == sorted(ids)


def test_help_rows_follow_the_keymap_and_group_the_option_keys():
    sections = dict(help_sections({"history.search": "ctrl+f"}))
    assert ("ctrl+f", "Search every message", "history.search") in sections["History"]
    assert ("1 … 9", "Send option N (empty prompt)", "prompt.option_1 … 9") in \
        sections["Chat · writing"]


def test_any_id_that_names_no_binding_is_a_typo():
    keymap = {"history.serch": "f2", "send": "ctrl+s", "prompt.send": "ctrl+s",
              "voices.refresh": "f5", "nosuch.thing": "x"}
    assert unknown_ids(keymap) == ["history.serch", "nosuch.thing", "send"]


README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
KEYS_TABLE = "| keys | action | id (for `[keymap]`) |"
ARROWS = {"←": "left", "→": "right", "↑": "up", "↓": "down"}


def _cells(row: str) -> list[str]:
    return [cell.strip().strip("`") for cell in row.strip().strip("|").split("|")]


def _readme_keys_tables() -> dict[str, list[tuple[str, str]]]:
    """Each keys table of the README under its bold heading: (keys, id) of every row."""
    tables: dict[str, list[tuple[str, str]]] = {}
    heading, rows = "", None
    for line in README.splitlines():
        if re.fullmatch(r"\*\*[^*]+\*\*", line):
            heading = line.strip("*")
        elif line == KEYS_TABLE:
            rows = tables.setdefault(heading, [])
        elif rows is not None and line.startswith("| `"):
            keys, _, binding_id = _cells(line)
            rows.append((keys, binding_id))
        elif not line.startswith("|"):
            rows = None
    return tables


def test_the_readme_keys_tables_are_the_binding_table():
    expected = {heading: [(keys, binding_id) for keys, _, binding_id in rows]
                for heading, rows in help_sections({})}
    assert _readme_keys_tables() == expected


def test_the_readme_remaps_name_real_ids_and_free_keys_and_the_keys_that_clash():
    bound = {key for c in ALL for key in c.keys.split(",")}
    examples = re.findall(r'"([a-z_]+\.[a-z_0-9]+)" = "([^"]+)"', README)
    assert len(examples) >= 7
    for binding_id, keys in examples:
        assert not unknown_ids({binding_id: keys})
        assert not bound & set(keys.split(",")), f"{keys} does something else already"
    clashes = README.split("| key | taken by | remap, e.g. |")[1].split("\n\n")[0]
    for row in clashes.splitlines()[2:]:
        taken, _, remap = _cells(row)
        keys = {"".join(ARROWS.get(ch, ch) for ch in key.strip(" `"))
                for key in taken.split(",")}
        for binding_id, _ in re.findall(r'"([a-z_]+\.[a-z_0-9]+)" = "([^"]+)"', remap):
            assert set(command(binding_id).keys.split(",")) & keys, (binding_id, taken)
