"""How notifications look and read: off the prompt and the status line, short, and with
whole paths.

Toasts stand at the top right, under the header, where they cover only the top of the
conversation; they are compact (no blank lines inside) and may take most of a narrow window's
width, so that a path fits on one line. Messages quote names the way the CLI prints them
(`access_key_id`); a toast is not markdown, so the quotes are dropped there, and messages in
the conversation show the names in bold instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.content import Content

from tui.domain.inert_text import make_inert

TOAST_CSS = """
ToastRack {
    dock: top;
    align: right top;
    margin-top: 1;
    margin-bottom: 0;
}
Toast {
    width: auto;
    min-width: 30;
    max-width: 72%;
    padding: 0 1;
    margin-top: 0;
    margin-bottom: 1;
}
"""

# Seconds a toast stays: long enough to read a sentence, not so long that it outlives its news.
TIMEOUT = 6.0

_QUOTED = re.compile(r"`([^`\n]+)`")


def unquoted(text: str) -> str:
    """`text` without the backticks that quote names in messages."""
    return _QUOTED.sub(r"\1", text)


def quoted_names(text: str) -> Content:
    """A message for the conversation: inert, its `quoted` names in bold without backticks."""
    inert = make_inert(text)
    parts: list[str | tuple[str, str]] = []
    last = 0
    for match in _QUOTED.finditer(inert):
        parts += [inert[last:match.start()], (match.group(1), "bold")]
        last = match.end()
    parts.append(inert[last:])
    return Content.assemble(*parts)


def shown_path(path: Path, data_dir: Path) -> str:
    """A path as a toast shows it: relative to the data folder when inside it, else with ~."""
    try:
        return str(path.relative_to(data_dir))
    except ValueError:
        pass
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except (ValueError, RuntimeError):  # RuntimeError: no home directory to speak of
        return str(path)
