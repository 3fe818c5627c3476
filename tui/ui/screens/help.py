"""Every key binding of the app, by screen and purpose; how to change them, and how sending
and new lines work."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui.bindings import HELP, HelpRow, bindings
from tui.ui.widgets.footer import Footer

_HEADER = ("Keys", "Action", "Id (for [keymap])")


class HelpScreen(ModalScreen[None]):
    """`sections` are (heading, rows); a row is (keys, description, binding id), as the app
    has them right now."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Vertical {
        width: 96;
        max-width: 100%;
        height: 100%;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
    }
    HelpScreen #notes {
        height: auto;
        padding: 0 1 1 1;
    }
    HelpScreen VerticalScroll {
        height: 1fr;
        padding: 0 1;
    }
    """

    BINDINGS = bindings(HELP)

    def __init__(self, sections: list[tuple[str, list[HelpRow]]], *,
                 config_path: Path | None = None) -> None:
        super().__init__()
        self._sections = sections
        self._config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Help"
            yield Static(self._notes(), id="notes")
            with VerticalScroll():
                yield Static(self._map(), id="map")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def _map(self) -> Group:
        """One table per section under its heading, a heading on a line of its own so it never
        widens a column. Keys and ids are as wide as the widest of them, whole, and line up
        across sections; the action takes the rest of the width and wraps."""
        rows = [row for _, section in self._sections for row in section]
        keys_width, id_width = (max(cell_len(row[column]) for row in (_HEADER, *rows))
                                for column in (0, 2))

        def table(header: bool) -> Table:
            # Text, not str: Rich reads str cells as markup, and "[" is common in keys.
            grid = Table(box=None, pad_edge=False, expand=True, show_header=header,
                         header_style="bold")
            grid.add_column(Text(_HEADER[0]), width=keys_width, no_wrap=True)
            grid.add_column(Text(_HEADER[1]), ratio=1)
            grid.add_column(Text(_HEADER[2]), width=id_width, no_wrap=True)
            return grid

        parts: list[Table | Text] = [table(header=True)]
        for heading, section in self._sections:
            grid = table(header=False)
            for keys, description, binding_id in section:
                grid.add_row(Text(keys, style="bold"), Text(description), Text(binding_id))
            parts += [Text(), Text(heading, style="bold underline"), grid]
        return Group(*parts)

    def _notes(self) -> Text:
        where = str(self._config_path) if self._config_path else "the settings file"
        # A grouped row's id ("a … b") is no example; ids hold dots, so TOML needs the quotes.
        example = next((row[2] for _, rows in self._sections for row in rows
                        if " " not in row[2]), "app.help")
        notes = Text()
        notes.append("Enter", style="bold")
        notes.append(" sends the message; ")
        notes.append("ctrl+j", style="bold")
        notes.append(" starts a new line.\n")
        notes.append("To change a key, add a ")
        notes.append("[keymap]", style="bold")
        notes.append(f" table to {where} and set a binding by its id, e.g. ")
        notes.append(f'"{example}" = "f5"', style="bold")
        notes.append(" (several keys: comma-separated).")
        return notes

    def action_close(self) -> None:
        self.dismiss(None)
