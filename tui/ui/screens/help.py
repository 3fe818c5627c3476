"""Every key binding of the app, by screen and purpose; how to change them, and how sending
and new lines work."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.ui.bindings import HELP, HelpRow, bindings
from tui.ui.widgets.footer import Footer


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
    HelpScreen DataTable {
        height: 1fr;
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
            yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Text, not str: a DataTable reads str cells as markup, and "[" is common in keys.
        table.add_columns(Text("Keys"), Text("Action"), Text("Id (for [keymap])"))
        for index, (heading, rows) in enumerate(self._sections):
            if index:
                table.add_row(Text(), Text(), Text())
            table.add_row(Text(heading, style="bold underline"), Text(), Text())
            for keys, description, binding_id in rows:
                table.add_row(Text(keys, style="bold"), Text(description), Text(binding_id))
        table.focus()

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
