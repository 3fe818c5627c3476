"""Walking earlier questions from the prompt: the logic, then the keys in the app."""

from __future__ import annotations

from tests.ui.chat_support import (
    notifications,
    send,
    terminal_output,
    wait_for_reply,
    wait_until,
)
from tui.domain.conversation import Message, MessageStatus, Role
from tui.ui.prompt_history import PromptHistory
from tui.ui.widgets.prompt import Prompt


def test_walking_back_and_forth_returns_to_the_draft():
    history = PromptHistory(["newest", "older", "oldest"])
    assert history.older("my draft") == "newest"
    assert history.older("newest") == "older"
    assert history.older("older") == "oldest"
    assert history.older("oldest") is None
    assert history.newer("oldest") == "older"
    assert history.newer("older") == "newest"
    assert history.newer("newest") == "my draft"
    assert history.newer("my draft") is None


def test_an_edited_question_becomes_the_draft_and_is_not_lost():
    history = PromptHistory(["newest", "older"])
    history.older("")
    assert history.older("newest, edited") == "newest"
    assert history.newer("newest") == "newest, edited"


def test_a_sent_question_comes_first_once_and_loaded_ones_follow():
    history = PromptHistory()
    history.add("asked now")
    history.load(["from the file", "asked now"])
    history.add("from the file")
    assert [history.older(""), history.older("from the file"),
            history.older("asked now")] == ["from the file", "asked now", None]


def _saved_questions(history, *texts: str) -> None:
    conversation = history.create_conversation("earlier").id
    for text in texts:
        history.add_message(conversation, Message(Role.USER, text, 0.0))
        history.add_message(conversation, Message(Role.ASSISTANT, "ok", 0.0,
                                                  MessageStatus.COMPLETE))


async def recall_over_a_draft(pilot) -> Prompt:
    """Once the saved questions are read, type "draft" and recall the newest with ctrl+up."""
    prompt = pilot.app.screen.query_one(Prompt)
    await wait_until(pilot, lambda: prompt.questions_loaded, "the questions read")
    await pilot.press(*"draft")
    await pilot.press("ctrl+up")
    return prompt


async def test_ctrl_up_walks_questions_of_earlier_conversations_and_ctrl_down_comes_back(
        app, history):
    _saved_questions(history, "first question", "second question")
    async with app.run_test() as pilot:
        prompt = await recall_over_a_draft(pilot)
        assert prompt.text == "second question"
        await pilot.press("ctrl+up")
        assert prompt.text == "first question"
        await pilot.press("ctrl+down", "ctrl+down")
        assert prompt.text == "draft"


async def test_a_question_with_escapes_is_recalled_inert(app, history):
    # `cat build.log | aichat-tui ask -` saves a question full of colour codes: recalled into
    # the prompt, it must show them, not send them to the terminal.
    _saved_questions(history, "why does \x1b[31mthis\x1b[0m fail\x1b]52;c;eA==\x07?")
    async with app.run_test() as pilot:
        prompt = await recall_over_a_draft(pilot)
        assert prompt.text == "why does ␛[31mthis␛[0m fail␛]52;c;eA==␇?"
        assert "\x1b]52" not in terminal_output(app)
        await pilot.press("ctrl+down")
        assert prompt.text == "draft"


async def test_up_on_the_first_line_recalls_and_up_in_an_empty_prompt_still_walks_messages(
        app, history):
    async with app.run_test() as pilot:
        prompt = app.screen.query_one(Prompt)
        await send(pilot, "what is new")
        await wait_for_reply(pilot)
        await pilot.press(*"x", "up")
        assert prompt.text == "what is new"
        await pilot.press("down")
        assert prompt.text == "x"
        await pilot.press("backspace", "up")
        assert app.focused is not prompt  # walked into the conversation


async def test_ctrl_u_clears_the_draft_and_ctrl_z_brings_it_back(app):
    async with app.run_test() as pilot:
        prompt = app.screen.query_one(Prompt)
        await pilot.press(*"a long", "ctrl+j", *"draft")
        await pilot.press("ctrl+u")
        assert prompt.text == ""
        await pilot.press("ctrl+z")
        assert prompt.text == "a long\ndraft"


async def test_ctrl_c_copies_the_selection_or_says_how_to_quit(app):
    async with app.run_test(notifications=True) as pilot:
        prompt = app.screen.query_one(Prompt)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert any("ctrl+q" in n and "quit" in n for n in notifications(app))
        await pilot.press(*"hello world", "shift+home")
        await pilot.press("ctrl+c")
        assert app.clipboard == "hello world"
        assert prompt.text == "hello world"
