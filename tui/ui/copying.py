"""Copying out of the conversation, over OSC 52 (`App.copy_to_clipboard`): a clipboard library
would crash on machines without one."""

from __future__ import annotations

from textual.widget import Widget

from tui.ui.widgets.messages import MessageView


def copy_text(widget: Widget, text: str, what: str) -> None:
    widget.app.copy_to_clipboard(text)
    widget.notify(f"Copied {what} ({len(text)} characters).")


def copy_message(view: MessageView, what: str = "the message") -> None:
    copy_text(view, view.copy_text, what)


def last_code_block(markdown: str) -> str | None:
    """The code of the last code block of `markdown`, as the reply's Markdown shows it."""
    # From the text rather than the reply's widgets: the reply need not be mounted (a long
    # conversation is shown a window at a time), nor wholly shown (an enormous one is cut).
    # markdown-it loads with the first use, not at start-up.
    from markdown_it import MarkdownIt

    blocks = [token for token in MarkdownIt("gfm-like").parse(markdown)
              if token.type in ("fence", "code_block")]
    return blocks[-1].content.rstrip() if blocks else None


def copy_last_code_block(widget: Widget, markdown: str) -> None:
    code = last_code_block(markdown)
    if code is None:
        widget.notify("The last reply has no code block.", severity="warning")
        return
    widget.app.copy_to_clipboard(code)
    lines = code.count("\n") + 1
    widget.notify(f"Copied the last code block ({lines} line{'s' * (lines != 1)}).")
