"""Markdown export: what the file says, and what it is called."""

from __future__ import annotations

import os
import stat
from datetime import timezone
from pathlib import Path

import pytest

from tui.domain.conversation import Message, MessageStatus, Role
from tui.domain.events import ClarifyOptions, HandOverToHuman
from tui.store import (
    ExportError,
    History,
    HistoryError,
    export_in_thread,
    export_markdown,
    export_to_file,
    reply_meta,
)

from .conftest import START

UTC = timezone.utc
DAY = 24 * 3600


@pytest.fixture
def chat(history):
    conversation = history.create_conversation("杭州 weather / plans?")
    add = history.add_message
    add(conversation.id, Message(Role.USER, "What's the weather in Hangzhou?", START + 60))
    add(conversation.id, Message(Role.ASSISTANT, "Which day do you mean?", START + 62,
                                 meta=reply_meta([ClarifyOptions("Did you mean", "Pick one:",
                                                                 ("Today", "Tomorrow"))])))
    add(conversation.id, Message(Role.USER, "Show me code", START + DAY + 30))
    add(conversation.id, Message(Role.ASSISTANT, "Here:\n\n```python\nprint('hi')", START + DAY + 31,
                                 MessageStatus.INTERRUPTED))
    add(conversation.id, Message(Role.ASSISTANT, "Let me", START + DAY + 40, MessageStatus.CANCELLED))
    add(conversation.id, Message(Role.ERROR, "", START + DAY + 50, MessageStatus.FAILED,
                                 meta=reply_meta(error="Tongyi refused the access key. Check it.")))
    add(conversation.id, Message(Role.ASSISTANT, "", START + DAY + 60,
                                 meta=reply_meta([HandOverToHuman("queue 3")])))
    return conversation


def test_the_export_reads_as_the_conversation_did(history, chat):
    text = export_markdown(history.get_conversation(chat.id), history.messages(chat.id), tz=UTC)

    assert text.startswith("# 杭州 weather / plans?\n\n"
                           "*Tongyi conversation, started 2024-05-01 12:00. Exported from aichat-tui.*\n")
    assert ("### You · 12:01\n\nWhat's the weather in Hangzhou?\n\n---\n\n"
            "### Tongyi · 12:01\n\nWhich day do you mean?\n\n"
            "**Did you mean**\n\nPick one:\n\n- Today\n- Tomorrow\n") in text
    # A later day shows its date.
    assert "### You · 2024-05-02 12:00\n\nShow me code\n" in text
    # The cut-off code block is closed, so the notes after it are not swallowed as code.
    assert ("```python\nprint('hi')\n```\n\n"
            "> *This reply was cut off: aichat-tui closed before it finished.*\n") in text
    assert "Let me\n\n> *This reply was cancelled before it finished.*\n" in text
    assert ("### Error · 2024-05-02 12:00\n\n"
            "> *This reply failed. Tongyi refused the access key. Check it.*\n") in text
    assert "> *Tongyi asked to hand this conversation over to a human agent. queue 3*\n" in text
    assert text.count("\n---\n") == 7


def test_an_untitled_conversation_still_gets_a_heading(history):
    conversation = history.create_conversation("  \n ")
    assert export_markdown(conversation, [], tz=UTC).startswith("# Untitled conversation\n")


def test_export_to_file_names_it_from_title_and_date_and_never_overwrites(history, chat, tmp_path):
    target = tmp_path / "exports" / "new folder"

    first = export_to_file(history, chat.id, target, tz=UTC)
    second = export_to_file(history, chat.id, target, tz=UTC)
    third = export_to_file(history, chat.id, target, tz=UTC)

    assert [p.name for p in (first, second, third)] == [
        "杭州-weather-plans-2024-05-01.md",
        "杭州-weather-plans-2024-05-01-2.md",
        "杭州-weather-plans-2024-05-01-3.md",
    ]
    expected = export_markdown(chat, history.messages(chat.id), tz=UTC)
    assert first.read_bytes() == expected.encode("utf-8") == third.read_bytes()


@pytest.mark.parametrize(("title", "name"), [
    ("../../etc/passwd", "etc-passwd-2024-05-01.md"),
    ('a<b>c:d"e|f?g*h\\i', "a-b-c-d-e-f-g-h-i-2024-05-01.md"),
    ("...", "conversation-2024-05-01.md"),
    ("", "conversation-2024-05-01.md"),
    ("CON", "CON-2024-05-01.md"),
])
def test_file_names_are_safe_on_every_system(history, tmp_path, title, name):
    conversation = history.create_conversation(title)
    assert export_to_file(history, conversation.id, tmp_path, tz=UTC).name == name


def test_a_long_title_is_cut_to_a_usable_file_name(history, tmp_path):
    conversation = history.create_conversation("长" * 300)

    path = export_to_file(history, conversation.id, tmp_path, tz=UTC)

    assert len(path.name.encode("utf-8")) < 200
    assert path.name == "长" * 40 + "-2024-05-01.md"


def test_exporting_a_missing_conversation_says_so(history, tmp_path):
    with pytest.raises(HistoryError, match="no conversation 404 in the history file"):
        export_to_file(history, 404, tmp_path)


def test_an_unwritable_folder_is_explained(history, chat, tmp_path):
    blocker = tmp_path / "exports"
    blocker.write_text("a file, not a folder")

    with pytest.raises(ExportError) as caught:
        export_to_file(history, chat.id, blocker, tz=UTC)

    assert "Could not write the export" in str(caught.value)
    assert "Choose another folder" in str(caught.value)


def test_terminal_escapes_in_a_reply_are_exported_inert(history):
    conversation = history.create_conversation("escapes")
    history.add_message(conversation.id, Message(Role.ASSISTANT, "clip \x1b]52;c;aGk=\x07 cls \x1b[2J",
                                                 START))
    text = export_markdown(history.get_conversation(conversation.id),
                           history.messages(conversation.id), tz=UTC)
    assert "\x1b" not in text and "\x07" not in text
    assert "␛]52;c;aGk=␇" in text


def test_a_reasoning_reply_exports_its_thinking_model_and_length_cut(history):
    conversation = history.create_conversation("Thinking", provider="qiniu", model="deepseek-r1")
    history.add_message(conversation.id, Message(Role.USER, "Why?", START))
    meta = reply_meta(reasoning="First, the sky.\n\nThen \x1b[2J the sea.", finish_reason="length")
    history.add_message(conversation.id, Message(Role.ASSISTANT, "Because of", START + 5,
                                                 meta=meta, provider="qiniu", model="deepseek-r1"))
    text = export_markdown(history.get_conversation(conversation.id),
                           history.messages(conversation.id), tz=UTC)
    assert "### Qiniu (deepseek-r1) · 12:00\n" in text
    assert ("> **Thinking**\n>\n> First, the sky.\n>\n> Then ␛[2J the sea.\n\nBecause of\n\n"
            "> *The reply was cut at the length limit.*") in text


def test_every_service_field_is_exported_inert_and_the_file_is_private(history, tmp_path):
    esc = "\x1b[2J\u202e"
    conversation = history.create_conversation("fields")
    history.add_message(conversation.id, Message(
        Role.ASSISTANT, "pick", START, MessageStatus.COMPLETE,
        meta=reply_meta([ClarifyOptions(f"title{esc}", f"content{esc}", (f"one{esc}",)),
                         HandOverToHuman(f"detail{esc}")])))
    history.add_message(conversation.id, Message(Role.ASSISTANT, "half", START,
                                                 MessageStatus.FAILED,
                                                 meta=reply_meta(error=f"boom{esc}")))
    path = export_to_file(history, conversation.id, tmp_path / "out", tz=UTC)
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\u202e" not in text
    for word in ("title", "content", "one", "detail", "boom"):
        assert f"{word}␛[2J\\u202e" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_clarifying_reply_whose_text_is_its_title_and_question_says_them_once(history):
    conversation = history.create_conversation("Book a table")
    history.add_message(conversation.id, Message(
        Role.ASSISTANT, "Which one did you mean?\n\nYour question matches several topics.",
        START, meta=reply_meta([ClarifyOptions("Which one did you mean?",
                                               "Your question matches several topics.",
                                               ("Reset", "Close"))])))
    text = export_markdown(history.get_conversation(conversation.id),
                           history.messages(conversation.id), tz=UTC)
    assert text.count("Which one did you mean?") == 1
    assert text.count("Your question matches several topics.") == 1
    assert "several topics.\n\n- Reset\n- Close\n" in text


def test_a_write_that_fails_half_way_leaves_no_export_behind(history, chat, tmp_path):
    # Where the text is written before it takes its name cannot be written (a folder stands
    # there), as a disk filling up would fail it.
    name = "杭州-weather-plans-2024-05-01.md"
    (tmp_path / f".{name}.{os.getpid()}.tmp").mkdir()

    with pytest.raises(ExportError, match="Could not write the export"):
        export_to_file(history, chat.id, tmp_path, tz=UTC)

    assert not (tmp_path / name).exists()


async def test_an_export_in_a_thread_reads_the_file_on_its_own_connection(history, chat,
                                                                          tmp_path):
    path = await export_in_thread(history, chat.id, tmp_path, tz=UTC)

    expected = export_markdown(chat, history.messages(chat.id), tz=UTC)
    assert path.read_text(encoding="utf-8") == expected


async def test_a_history_in_memory_is_exported_too(tmp_path):
    with History.open(Path(":memory:")) as memory:
        conversation = memory.create_conversation("not saved")
        memory.add_message(conversation.id, Message(Role.USER, "only here", START))

        path = await export_in_thread(memory, conversation.id, tmp_path, tz=UTC)

    assert "only here" in path.read_text(encoding="utf-8")
