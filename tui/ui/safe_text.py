"""Text from the network, made safe for the widgets that show it.

Two dangers: control characters (an escape sequence could clear the screen or write the
clipboard if it reached the terminal) and Textual markup (a reply holding "[@click=app.quit]"
must not become a live link). Control characters become visible glyphs (tui.domain.inert_text);
plain text is wrapped in Content so no widget ever parses it as markup. Notifications need
nothing from here: `AichatApp.notify`, which every screen's and widget's `notify` goes
through, makes their text inert and never reads it as markup.
"""

from __future__ import annotations

from textual.content import Content

from tui.domain.inert_text import make_inert


def plain(text: str) -> Content:
    """`text` as inert, unparsed content for a Static or Label."""
    return Content(make_inert(text))
