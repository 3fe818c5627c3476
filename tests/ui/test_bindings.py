"""One binding table for every screen: ids, help sections, typos, footers at 80 columns."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from tui.ui.app import AichatApp
from tui.ui.bindings import ALL, HELP_SECTIONS, help_sections, unknown_ids
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
