"""A conversation written out as a Markdown file a person can read, share or archive."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from tui.domain.conversation import Conversation, Message, MessageStatus, Role
from tui.domain.events import ClarifyOptions
from tui.domain.finish import finish_notice
from tui.domain.inert_text import make_inert
from tui.private_files import open_private, write_private
from tui.store.errors import ExportError, missing_error
from tui.store.history import History
from tui.store.meta import reply_error, reply_extras, reply_finish_reason, reply_reasoning

# Room for the date, a "-9999" suffix and ".md" inside the usual 255-byte file name limit.
_MAX_NAME_BYTES = 120
_MAX_SUFFIX = 9999
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")

_SPEAKERS = {Role.USER: "You", Role.ERROR: "Error", Role.NOTICE: "Notice"}  # else the assistant
_STATUS_NOTES = {
    MessageStatus.STREAMING: "This reply was still arriving when the conversation was exported.",
    MessageStatus.CANCELLED: "This reply was cancelled before it finished.",
    MessageStatus.INTERRUPTED: "This reply was cut off: aichat-tui closed before it finished.",
    MessageStatus.FAILED: "This reply failed.",
}


def export_markdown(conversation: Conversation, messages: Sequence[Message], *,
                    tz: tzinfo | None = None) -> str:
    """The conversation as Markdown. Times are shown in `tz` (default: the local time zone)."""
    started = _when(conversation.created_at, tz)
    assistant = conversation.provider.title()
    lines = [
        f"# {_one_line(conversation.title) or 'Untitled conversation'}",
        "",
        f"*{assistant} conversation, started {started:%Y-%m-%d %H:%M}. "
        f"Exported from aichat-tui.*",
        "",
    ]
    for message in messages:
        speaker = _speaker(message.role, (message.provider or conversation.provider).title())
        if message.model and message.role is Role.ASSISTANT:
            speaker += f" ({_one_line(message.model)})"
        lines += ["---", "", f"### {speaker} · "
                             f"{_time_label(_when(message.created_at, tz), started)}", ""]
        reasoning = reply_reasoning(message.meta)
        if reasoning:
            # Quoted, so it reads as an aside and cannot open blocks in the answer below.
            thought = make_inert(reasoning).strip().splitlines()
            lines += ["> **Thinking**", ">", *(f"> {line}".rstrip() for line in thought), ""]
        # Replies are stored exactly as received; a file a person opens must not carry
        # live terminal escapes.
        body = _close_open_fence(make_inert(message.text).rstrip())
        if body:
            lines += [body, ""]
        for extra in reply_extras(message.meta):
            lines += (_clarify_lines(extra, body) if isinstance(extra, ClarifyOptions) else
                      [f"> *{assistant} asked to hand this conversation over to a human agent."
                       f"{' ' + _one_line(extra.detail) if extra.detail else ''}*", ""])
        notice = finish_notice(reply_finish_reason(message.meta))
        if notice:
            lines += [f"> *{notice}*", ""]
        if message.status in _STATUS_NOTES:
            note = _STATUS_NOTES[message.status]
            error = reply_error(message.meta)
            lines += [f"> *{note}{' ' + _one_line(error) if error else ''}*", ""]
    return "\n".join(lines)


def export_to_file(history: History, conversation_id: int, directory: Path, *,
                   tz: tzinfo | None = None) -> Path:
    """Write the conversation to a new file in `directory` and return its path.

    The name comes from the title and start date; an existing file is never overwritten (a
    "-2", "-3", ... suffix is added instead).
    """
    conversation, messages = _read(history, conversation_id)
    return _write(conversation, messages, Path(directory), tz)


async def export_in_thread(history: History, conversation_id: int, directory: Path, *,
                           tz: tzinfo | None = None) -> Path:
    """`export_to_file` without the caller's thread waiting: a long conversation takes tens of
    ms to read and write, a slow or hung disk as long as it likes. The thread reads the history
    on a read-only connection of its own (a connection belongs to the thread that made it); a
    history in memory, which no other connection sees and no disk holds, is read here."""
    if str(history.path) == ":memory:":
        conversation, messages = _read(history, conversation_id)
        return await asyncio.to_thread(_write, conversation, messages, Path(directory), tz)
    return await asyncio.to_thread(_export_reading, history.path, conversation_id,
                                   Path(directory), tz)


def _export_reading(history_path: Path, conversation_id: int, directory: Path,
                    tz: tzinfo | None) -> Path:
    with History.open_reader(history_path) as reader:
        return export_to_file(reader, conversation_id, directory, tz=tz)


def _read(history: History, conversation_id: int) -> tuple[Conversation, list[Message]]:
    conversation = history.get_conversation(conversation_id)
    if conversation is None:
        raise missing_error(history.path, "conversation", conversation_id)
    return conversation, history.messages(conversation_id)


def _write(conversation: Conversation, messages: Sequence[Message], directory: Path,
           tz: tzinfo | None) -> Path:
    text = export_markdown(conversation, messages, tz=tz)
    stem = f"{_slug(conversation.title)}-{_when(conversation.created_at, tz):%Y-%m-%d}"
    path = directory / f"{stem}.md"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for suffix in range(2, _MAX_SUFFIX + 2):
            try:
                # "x" creates or fails atomically: the name taken is free, not even a file
                # appearing meanwhile is overwritten.
                open_private(path, "x").close()
            except FileExistsError:
                path = directory / f"{stem}-{suffix}.md"
                continue
            try:
                # Written whole beside it, then put in its place: a disk that fills up
                # half-way leaves no half export that looks whole.
                write_private(path, text)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return path
    except OSError as exc:
        raise ExportError(f"Could not write the export {path}: {exc.strerror or exc}.",
                          "Choose another folder, or check that you may write to this one.",
                          code="export") from exc
    raise ExportError(f"Could not export to {directory}: it already holds {_MAX_SUFFIX} exports "
                      f"named {stem}.", "Choose another folder, or tidy this one up.",
                      code="export")


def _when(timestamp: float, tz: tzinfo | None) -> datetime:
    return datetime.fromtimestamp(timestamp, tz)


def _time_label(when: datetime, started: datetime) -> str:
    return f"{when:%H:%M}" if when.date() == started.date() else f"{when:%Y-%m-%d %H:%M}"


def _speaker(role: Role, assistant: str) -> str:
    return _SPEAKERS.get(role, assistant)


def _clarify_lines(clarify: ClarifyOptions, body: str) -> list[str]:
    # Providers often make the title and the question the reply's text too: say them once.
    lines: list[str] = []
    title = _one_line(clarify.title)
    if title and title not in _one_line(body):
        lines += [f"**{title}**", ""]
    content = make_inert(clarify.content.strip())
    if content and _one_line(content) not in _one_line(body):
        lines += [content, ""]
    return [*lines, *(f"- {_one_line(option)}" for option in clarify.options), ""]


def _one_line(text: str) -> str:
    return make_inert(" ".join(text.split()))


def _close_open_fence(text: str) -> str:
    # A reply cut off inside a code block would otherwise turn the rest of the file into code.
    opener: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if not match:
            continue
        fence = match.group(1)
        if opener is None:
            opener = fence
        elif fence[0] == opener[0] and len(fence) >= len(opener) and not line.strip()[len(fence):]:
            opener = None
    return text if opener is None else f"{text}\n{opener}"


def _slug(title: str) -> str:
    """The title as a file name: letters and digits of any script, joined by dashes."""
    slug = "-".join(re.findall(r"[^\W_]+", title))
    encoded = slug.encode("utf-8")[:_MAX_NAME_BYTES]
    return encoded.decode("utf-8", errors="ignore").strip("-") or "conversation"
