"""Copying out of the conversation, over OSC 52 (`App.copy_to_clipboard`): a clipboard library
would crash on machines without one."""

from __future__ import annotations

from tui.ui.widgets.messages import MessageView, ReplyMessage


def copy_message(view: MessageView, what: str = "the message") -> None:
    text = view.copy_text
    view.app.copy_to_clipboard(text)
    view.notify(f"Copied {what} ({len(text)} characters).")


def copy_last_code_block(reply: ReplyMessage) -> None:
    # Textual's markdown (and markdown-it) load with the first reply, not at start-up.
    from textual.widgets.markdown import MarkdownFence

    fences = list(reply.query(MarkdownFence))
    if not fences:
        reply.notify("The last reply has no code block.", severity="warning")
        return
    code = fences[-1].code
    reply.app.copy_to_clipboard(code)
    lines = code.count("\n") + 1
    reply.notify(f"Copied the last code block ({lines} line{'s' * (lines != 1)}).")
