"""One line under the conversation: speech input (recording or voice conversation, with its
level, and the words being heard), the reply's state (or that setup is needed), a hint about
that state, whether replies are read aloud and whether something is being read, time to first
token, who answers (provider and model), web search when on, title.

The hint belongs to the state it was given in (a reply arriving counts as one): the next state
clears it, so it is never out of date.

Whatever the width, the speech-input state and the reply's state stay on the line: the words
being heard get the room left between them, cut at the front (the latest words show), and
what follows the reply's state is cut at the end when the line is too narrow.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.ui.safe_text import plain

_STATE_STYLES = {
    "ready": "$text-muted",
    "setup needed": "$text-error",
    "connecting": "$text-warning",
    "streaming": "$text-accent",
    "done": "$text-success",
    "cancelled": "$text-warning",
    "interrupted": "$text-error",
    "error": "$text-error",
}


_ARRIVING = ("connecting", "streaming")


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    state: reactive[str] = reactive("ready")
    first_token: reactive[float | None] = reactive(None)
    hint: reactive[str] = reactive("")
    read_aloud: reactive[bool] = reactive(False)
    speaking: reactive[bool] = reactive(False)
    provider: reactive[str] = reactive("")  # who answers: "Qiniu · deepseek-r1"
    search: reactive[bool] = reactive(False)
    title: reactive[str] = reactive("New conversation")
    # Speech input, when on: "recording 3 s ▮▮▯▯▯" or "voice: listening ▮▯▯▯▯".
    voice: reactive[str] = reactive("")
    heard: reactive[str] = reactive("")  # the words being heard in voice conversation mode

    def watch_state(self, old: str, new: str) -> None:
        if not (old in _ARRIVING and new in _ARRIVING):  # connecting → streaming: same reply
            self.hint = ""

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        state = f"● {self.state}"
        if self.voice:
            voice = f"🎙 {self.voice}"
            # What must stay in view around the words, and a cell for the cut after the state.
            room = self.content_size.width - cell_len(f"{voice} “” · {state} …")
            heard = _latest(self.heard, room)
            if heard:
                voice += f" “{heard}”"
            parts += [plain(voice).stylize("bold $text-accent"), " · "]
        parts.append((state, _STATE_STYLES.get(self.state, "")))
        if self.hint:
            parts.append((f" · {self.hint}", "$text-warning"))
        if self.speaking and not self.voice:
            parts.append((" · speaking", "$text-accent"))
        elif self.read_aloud:
            parts.append((" · read aloud", "$text-accent"))
        if self.first_token is not None:
            parts.append(f" · first token {self.first_token:.2f} s")
        parts.append((f" · {self.provider}", "$text-muted"))
        if self.search:
            parts.append((" + web search", "$text-accent"))
        parts.append((" · ", "$text-muted"))
        parts.append(plain(self.title).stylize("bold"))
        return Content.assemble(*parts)


def _latest(words: str, cells: int) -> str:
    """The end of `words` in at most `cells` cells, "…" where it was cut; nothing when not
    even a word's start would fit."""
    if cell_len(words) <= cells:
        return words
    if cells < 4:
        return ""
    kept = ""
    for char in reversed(words):
        if cell_len(char + kept) + 1 > cells:
            break
        kept = char + kept
    return "…" + kept.lstrip()
