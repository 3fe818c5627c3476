"""A yes/no question that must be answered before anything irreversible happens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.ui.bindings import CONFIRM, bindings
from tui.ui.safe_text import plain
from tui.ui.widgets.footer import Footer


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True (yes) or False (no, Esc). "No" has the focus: Enter alone is safe."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        border: thick $error;
        background: $surface;
    }
    ConfirmScreen #question {
        width: 100%;
        margin-bottom: 1;
    }
    ConfirmScreen Horizontal {
        height: auto;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        margin-left: 2;
    }
    """

    BINDINGS = bindings(CONFIRM)

    def __init__(self, question: str, *, title: str = "Are you sure?", yes: str = "Yes",
                 no: str = "No") -> None:
        super().__init__()
        self._question = question
        self._heading = title
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = self._heading
            # The question often quotes a title, which is text the user typed or pasted.
            yield Label(plain(self._question), id="question")
            with Horizontal():
                yield Button(self._yes, id="yes", variant="error")
                yield Button(self._no, id="no", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
