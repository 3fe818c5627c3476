"""The multi-line prompt: Enter sends, ctrl+j starts a new line.

alt+enter is not offered: tmux and many terminals deliver it as Esc then Enter, which Textual
reads as a plain Enter.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import TextArea

from tui.ui.bindings import PROMPT, bindings, keys_for
from tui.ui.prompt_history import PromptHistory


class Prompt(TextArea):
    DEFAULT_CSS = """
    Prompt {
        height: auto;
        min-height: 3;
        max-height: 8;
        border: round $panel;
        padding: 0 1;
        &:focus { border: round $accent; }
    }
    """

    BINDINGS = bindings(PROMPT)

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class OptionChosen(Message):
        """A number key was pressed in the empty prompt while options are on offer."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    class WalkUp(Message):
        """Up was pressed in the empty prompt: walk into the conversation."""

    def __init__(self, placeholder: str | Content = "", *, keymap: Mapping[str, str] | None = None,
                 id: str | None = None) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         highlight_cursor_line=False, placeholder=placeholder, id=id)
        # How many clarifying options the number keys may choose from (set by the screen).
        self.option_count = 0
        self._keymap = keymap or {}
        self.questions = PromptHistory()
        self.questions_loaded = False  # the questions of earlier sessions are in (tests wait)

    async def _on_key(self, event: events.Key) -> None:
        # The prompt's own bindings (keymap applied) win over the text area's handling of the
        # same keys. Looked up here, in the order keys arrive, rather than as priority
        # bindings: those run ahead of keys still queued for the prompt, so fast typing (or a
        # paste without bracketed paste) would send before its last characters were in.
        active = self.screen.active_bindings.get(event.key)
        if active is not None and active.node is self and active.enabled:
            event.stop()
            event.prevent_default()
            await self.run_action(active.binding.action)
            return
        await super()._on_key(event)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help":
            return not self.text
        if action == "option":
            number = parameters[0]
            return not self.text and isinstance(number, int) and 1 <= number <= self.option_count
        return super().check_action(action, parameters)

    def action_send(self) -> None:
        text = self.text
        if not text.strip():
            return
        # Emptied now, before the next key is handled: keys typed in the same burst as Enter
        # land in the empty prompt, and nothing that happens to the question later (saving,
        # refusing) can wipe them. The screen puts back a question it did not send (restore).
        self.clear()
        self.post_message(self.Submitted(text))

    def restore(self, question: str) -> None:
        """Put back a question that was not sent, in front of whatever was typed since."""
        self.insert(question, (0, 0))

    def action_newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    async def action_help(self) -> None:
        await self.app.run_action("help")

    def action_to_messages(self) -> None:
        # This binding takes "up" from the text area: with text, up is the cursor's again.
        if self.text:
            self.action_cursor_up()
        else:
            self.post_message(self.WalkUp())

    def action_option(self, number: int) -> None:
        self.post_message(self.OptionChosen(number))

    # -- earlier questions ---------------------------------------------------------------------

    def action_older(self) -> None:
        self._recall(self.questions.older(self.text))

    def action_newer(self) -> None:
        self._recall(self.questions.newer(self.text))

    def action_cursor_up(self, select: bool = False) -> None:
        # Up on the first line recalls, as in a shell (an empty prompt's up is a binding of
        # its own: into the conversation).
        if not select and self.cursor_location[0] == 0:
            recalled = self.questions.older(self.text)
            if recalled is not None:
                self._recall(recalled)
                return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        if not select and self.questions.walking and \
                self.cursor_location[0] == self.document.line_count - 1:
            self._recall(self.questions.newer(self.text))
            return
        super().action_cursor_down(select)

    def _recall(self, text: str | None) -> None:
        if text is None:
            return
        # An edit, not a reload: ctrl+z undoes a recall like any other change.
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.move_cursor(self.document.end)

    # -- clearing and copying ------------------------------------------------------------------

    def action_clear_draft(self) -> None:
        self.replace("", (0, 0), self.document.end, maintain_selection_offset=False)

    def action_copy(self) -> None:
        if self.selected_text:
            self.app.copy_to_clipboard(self.selected_text)
            self.notify(f"Copied {len(self.selected_text)} characters.", timeout=2)
            return
        quit_keys = keys_for("app.quit", self._keymap)
        self.notify(f"Nothing is selected to copy. To quit: {quit_keys}.", timeout=4,
                    markup=False)
