"""One line under the conversation: speech input (recording or voice conversation, with its
level), the reply's state, whether something is being read aloud, time to first token,
provider, title."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.ui.safe_text import plain

_STATE_STYLES = {
    "ready": "$text-muted",
    "connecting": "$text-warning",
    "streaming": "$text-accent",
    "done": "$text-success",
    "cancelled": "$text-warning",
    "interrupted": "$text-error",
    "error": "$text-error",
}


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
    speaking: reactive[bool] = reactive(False)
    provider: reactive[str] = reactive("")
    title: reactive[str] = reactive("New conversation")
    # Speech input, when on: "recording 3 s ▮▮▯▯▯" or "voice: listening ▮▯▯▯▯ “words”".
    voice: reactive[str] = reactive("")

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = []
        if self.voice:
            parts += [plain(f"🎙 {self.voice}").stylize("bold $text-accent"), " · "]
        parts.append((f"● {self.state}", _STATE_STYLES.get(self.state, "")))
        if self.speaking and not self.voice:
            parts.append((" · speaking", "$text-accent"))
        if self.first_token is not None:
            parts.append(f" · first token {self.first_token:.2f} s")
        parts.append((f" · {self.provider} · ", "$text-muted"))
        parts.append(plain(self.title).stylize("bold"))
        return Content.assemble(*parts)
