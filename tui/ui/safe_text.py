"""Text from the network, made safe for the widgets that show it.

Two dangers: control characters (an escape sequence could clear the screen or write the
clipboard if it reached the terminal) and Textual markup (a reply holding "[@click=app.quit]"
must not become a live link). Control characters become visible glyphs (tui.domain.inert_text);
plain text is wrapped in Content so no widget ever parses it as markup. Notifications need
nothing from here: `AichatApp.notify`, which every screen's and widget's `notify` goes
through, makes their text inert and never reads it as markup. A terminal's paste is made inert
by the app too (`pasted`, in `AichatApp.on_event`) before any field holds it: a field writes
what it holds to the terminal. What the app copies is inert already (the text as shown).
"""

from __future__ import annotations

import re

from textual.content import Content

from tui.domain.inert_text import make_inert


def plain(text: str) -> Content:
    """`text` as inert, unparsed content for a Static or Label."""
    return Content(make_inert(text))


_LINE_BREAK = re.compile(r"\r\n?")


def pasted(text: str) -> str:
    """Pasted text as a field should hold it: inert, as a recalled question is, its line
    breaks (\\r\\n, or the \\r terminals paste for a newline) kept as newlines."""
    return make_inert(_LINE_BREAK.sub("\n", text))
