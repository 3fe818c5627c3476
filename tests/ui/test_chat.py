"""The chat screen against the emulator over real sockets: ask, stream, cancel, fail, retry."""

from __future__ import annotations

import socket
import sqlite3

from textual import events
from textual.widgets.markdown import MarkdownFence

from tests.ui.chat_support import (
    notifications,
    press_now,
    replies,
    screen_text,
    screen_words,
    send,
    settings_for,
    terminal_output,
    wait_for_reply,
    wait_until,
    words,
)
from tui.domain.conversation import MessageStatus, Role
from tui.emulator import Emulator, EmulatorConfig
from tui.emulator.aliyun.scenarios import (
    ANSI_REPLY,
    CLARIFY,
    DISCONNECT_PARTIAL,
    FAIL_MESSAGE,
    FAIL_PARTIAL,
    MARKDOWN_REPLY,
    SLOW_REPLY,
)
from tui.store import History, reply_error
from tui.ui.app import make_app
from tui.ui.screens.chat import ChatScreen
from tui.ui.widgets.messages import ClarifyOptionList, UserMessage
from tui.ui.widgets.prompt import Prompt


def saved(history: History):
    [conversation] = history.list_conversations()
    return conversation, history.messages(conversation.id)


async def test_a_question_streams_as_markdown_and_question_and_reply_are_saved(app, history):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#markdown please")
        await wait_for_reply(pilot)

        [reply] = replies(app)
        fence = reply.query_one(MarkdownFence)
        assert "def count_words(path: Path)" in fence.code
        assert fence.lexer == "python"
        text = screen_text(app)
        # The last line is on screen: the final render showed everything.
        assert "ask me if you want the same in another language." in text
        assert "● done" in text and "first token" in text

    conversation, (question, answer) = saved(history)
    assert conversation.title == "#markdown please"
    assert conversation.session_id, "the SessionId is kept for the next turn"
    assert (question.role, question.text, question.status) == (
        Role.USER, "#markdown please", MessageStatus.COMPLETE)
    assert (answer.role, answer.text, answer.status) == (
        Role.ASSISTANT, MARKDOWN_REPLY, MessageStatus.COMPLETE)


async def test_a_reply_is_on_screen_and_saved_while_it_streams(app, history):
    async with app.run_test() as pilot:
        await send(pilot, "#slow please")
        await wait_until(pilot, lambda: "● streaming" in screen_text(app), "streaming")
        first_word = SLOW_REPLY.split()[0]
        await wait_until(pilot, lambda: first_word in replies(app)[0].copy_text, "the first word")
        _, (question, answer) = saved(history)
        # The question was saved before it went out; the reply is saved as it grows.
        assert question.text == "#slow please"
        assert answer.status == MessageStatus.STREAMING
        assert SLOW_REPLY.startswith(answer.text)
        await pilot.press("escape")
        await wait_for_reply(pilot)


async def test_escape_cancels_keeping_the_partial_reply_and_the_prompt_works_on(app, history):
    async with app.run_test() as pilot:
        await send(pilot, "#slow please")
        await wait_until(pilot, lambda: len(replies(app)[0].copy_text.split()) >= 3,
                         "a few words")
        await pilot.press("escape")
        await wait_for_reply(pilot)
        shown = replies(app)[0].copy_text
        assert SLOW_REPLY.startswith(shown) and len(shown) < len(SLOW_REPLY)
        text = screen_text(app)
        assert "Tongyi · " in text and "· cancelled" in text and "● cancelled" in text
        _, (_, answer) = saved(history)
        assert (answer.text, answer.status) == (shown, MessageStatus.CANCELLED)

        assert app.focused is app.screen.query_one(Prompt)
        await send(pilot, "hello again")
        await wait_for_reply(pilot)
        assert "You asked: “hello again”" in replies(app)[1].copy_text
        assert "● done" in screen_text(app)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_service_is_an_error_message_and_ctrl_r_retries(history):
    port = _free_port()
    emulator = Emulator(EmulatorConfig(event_delay=0.0), port=port)  # not started yet
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "are you there?")
        await wait_for_reply(pilot)
        _, (_, failed) = saved(history)
        assert failed.status == MessageStatus.FAILED
        error = reply_error(failed.meta)
        assert error and "127.0.0.1" in error
        assert words(f"{error} ctrl+r asks again.") in screen_words(app)
        assert "● error" in screen_text(app)

        await emulator.start()
        try:
            await pilot.press("ctrl+r")
            await wait_for_reply(pilot)
        finally:
            await emulator.stop()
        assert "You asked: “are you there?”" in replies(app)[-1].copy_text
        # The question is asked again, not saved again.
        _, messages = saved(history)
        assert [(m.role, m.status) for m in messages] == [
            (Role.USER, MessageStatus.COMPLETE), (Role.ASSISTANT, MessageStatus.FAILED),
            (Role.ASSISTANT, MessageStatus.COMPLETE)]
        assert len(app.screen.query(UserMessage)) == 1


async def test_a_service_error_keeps_the_partial_text_and_says_what_happened(app, history):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#fail now")
        await wait_for_reply(pilot)
        text = screen_text(app)
        assert FAIL_PARTIAL in text and "· failed" in text
        assert FAIL_MESSAGE in screen_words(app)
    _, (_, answer) = saved(history)
    assert (answer.text, answer.status) == (FAIL_PARTIAL, MessageStatus.FAILED)
    assert FAIL_MESSAGE in reply_error(answer.meta)


async def test_a_cut_connection_marks_the_reply_interrupted(app, history):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#disconnect now")
        await wait_for_reply(pilot)
        text = screen_text(app)
        assert DISCONNECT_PARTIAL in text
        assert "· interrupted" in text and "● interrupted" in text
        assert "ctrl+r asks again." in screen_words(app)
    _, (_, answer) = saved(history)
    assert (answer.text, answer.status) == (DISCONNECT_PARTIAL, MessageStatus.INTERRUPTED)


async def test_clarify_options_are_numbered_and_a_number_key_sends_one(app, history):
    async with app.run_test(size=(100, 30)) as pilot:
        assert "Pick" not in screen_text(app).splitlines()[-1]
        await send(pilot, "#clarify")
        await wait_for_reply(pilot)
        text = screen_text(app)
        for number, option in enumerate(CLARIFY.options, 1):
            assert f"{number}. {option}" in text
        await pilot.pause()
        assert "1…9 Pick" in screen_text(app).splitlines()[-1], "the footer says how to pick"

        await pilot.press("2")
        await wait_for_reply(pilot)
        assert app.screen.query(UserMessage).last().message.text == CLARIFY.options[1]
        assert "You asked: “Change my phone number”" in replies(app)[-1].copy_text
        assert app.screen.query_one(Prompt).text == ""

        # Once the question is answered, numbers are just text again.
        await pilot.press("2")
        assert app.screen.query_one(Prompt).text == "2"
    _, messages = saved(history)
    assert [m.text for m in messages if m.role == Role.USER] == ["#clarify", CLARIFY.options[1]]


async def test_a_clarify_option_can_be_selected_in_its_list(app, history):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#clarify")
        await wait_for_reply(pilot)
        await pilot.press("a")  # a number in a prompt holding text is text
        await pilot.press("3")
        assert app.screen.query_one(Prompt).text == "a3"
        app.screen.query_one(ClarifyOptionList).focus()
        await pilot.press("down", "down", "enter")
        await wait_for_reply(pilot)
        asked = app.screen.query(UserMessage).last().message.text
        assert asked in CLARIFY.options and asked != "#clarify"


async def test_a_hand_over_request_is_shown_as_a_notice(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#human please")
        await wait_for_reply(pilot)
        assert ("Tongyi suggests handing this conversation over to a human agent. You asked to "
                "talk to a person."
                in screen_words(app))


async def test_escape_sequences_in_a_reply_are_shown_inert_never_sent_raw(app, history):
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "#ansi")
        await wait_for_reply(pilot)
        text = screen_text(app)
        assert "␛]52;c;aGk=␇" in text and "␛[2J" in text and "bell ␇" in text
        assert "report\\u202etxt.exe" in text, "the bidi override is shown, not obeyed"
        written = terminal_output(app)
        assert "\x1b]52" not in written and "\x1b[2J" not in written and "\x07" not in written
        assert "\u202e" not in written
        assert app.clipboard == ""  # the OSC 52 did not write the clipboard
    # The history keeps what was said; only what reaches the terminal is made inert.
    _, (_, answer) = saved(history)
    assert answer.text == ANSI_REPLY


async def test_pasted_escapes_are_held_inert_by_the_prompt_never_sent_raw(app):
    async with app.run_test(size=(120, 30)) as pilot:
        prompt = app.screen.query_one(Prompt)
        await pilot.press(*"see: ")
        # A terminal's (bracketed) paste of a log with its colour codes, an OSC 52 and a C1
        # CSI; its lines end in \r, as terminals paste a newline.
        app.post_message(events.Paste("\x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07\rnext line\r\n"
                                      "last \x9b2J"))
        await pilot.pause()
        assert prompt.text == "see: ␛[31mred␛[0m ␛]52;c;aGk=␇\nnext line\nlast \\x9b2J"
        assert "see: ␛[31mred␛[0m ␛]52;c;aGk=␇" in screen_text(app)
        written = terminal_output(app)
        assert "\x1b]52" not in written and "\x07" not in written and "\x9b" not in written
        assert "\x1b[31mred" not in written


async def test_keyboard_walks_the_messages_and_copies_one(app):
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.screen.query_one(Prompt)
        await send(pilot, "#markdown")
        await wait_for_reply(pilot)
        [question] = app.screen.query(UserMessage)
        [reply] = replies(app)

        await pilot.press("up")  # from the empty prompt: into the conversation
        assert app.focused is reply
        await pilot.press("up")
        assert app.focused is question
        await pilot.press("c")
        assert app.clipboard == "#markdown"
        await pilot.press("end")
        assert app.focused is reply
        await pilot.press("home")
        assert app.focused is question
        await pilot.press("down", "down")  # past the last message: back to the prompt
        assert app.focused is prompt
        await pilot.press("alt+up")
        assert app.focused is reply
        await pilot.press("escape")
        assert app.focused is prompt

        await pilot.press("x", "up")  # a prompt holding text keeps its arrow keys
        assert app.focused is prompt


async def test_f3_copies_the_last_reply_and_f4_its_last_code_block(app):
    async with app.run_test() as pilot:
        await send(pilot, "#markdown")
        await wait_for_reply(pilot)
        await pilot.press("f3")
        assert app.clipboard == MARKDOWN_REPLY
        await pilot.press("f4")
        assert app.clipboard.startswith("from pathlib import Path")
        assert app.clipboard.endswith('print(count_words(Path("README.md")))')


async def test_ctrl_j_starts_new_lines_and_enter_sends(app, history):
    async with app.run_test() as pilot:
        await pilot.press(*"one", "ctrl+j", *"two", "ctrl+j", *"three")
        assert app.screen.query_one(Prompt).text == "one\ntwo\nthree"
        await pilot.press("enter")
        await wait_for_reply(pilot)
    _, (question, _) = saved(history)
    assert question.text == "one\ntwo\nthree"


async def test_keys_typed_in_the_same_burst_as_enter_are_kept(app, history):
    # As tmux send-keys "hello" Enter "xb1": the next question is begun before this one is saved.
    async with app.run_test() as pilot:
        press_now(pilot, *"hello", "enter", *"xb1")
        await wait_for_reply(pilot)
        assert app.screen.query_one(Prompt).text == "xb1"
    _, (question, _) = saved(history)
    assert question.text == "hello"


async def test_a_question_that_could_not_be_saved_comes_back_before_what_was_typed_since(
        app, history, tmp_path):
    async with app.run_test() as pilot:
        locker = sqlite3.connect(tmp_path / "history.sqlite3", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            press_now(pilot, *"hello", "enter", *" again")
            await wait_until(pilot, lambda: "Could not" in screen_words(app)
                             or "locked" in screen_words(app), "the error")
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await wait_until(pilot, lambda: app.screen.query_one(Prompt).text == "hello again",
                         "the question put back")
        assert history.list_conversations() == []


async def test_keys_arriving_in_one_burst_are_handled_in_their_order(app, history):
    # As from a paste without bracketed paste, or tmux send-keys: Enter must not overtake the
    # text before it, nor "?" open the help because the "a" before it is not in yet.
    async with app.run_test() as pilot:
        press_now(pilot, "a", "question_mark", "ctrl+j", "b", "1", "enter")
        await wait_for_reply(pilot)
        assert isinstance(app.screen, ChatScreen)
    _, (question, _) = saved(history)
    assert question.text == "a?\nb1"


async def test_the_footer_says_how_to_send_and_start_a_new_line(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "⏎ Send" in footer and "^j Newline" in footer
        assert "f1 Help" in footer and "^p" in footer


async def test_anchored_while_streaming_until_the_user_scrolls_up(app):
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one("#conversation")
        app.screen.query_one(Prompt).text = "#bench chars=8000 events=80 rate=25"
        await pilot.press("enter")
        await wait_until(pilot, lambda: view.max_scroll_y > 10, "a reply taller than the view")
        assert view.scroll_y == view.max_scroll_y  # following the reply
        press_now(pilot, "pageup")
        await wait_until(pilot, lambda: view.scroll_y < view.max_scroll_y, "scrolled up")
        held, grown = view.scroll_y, view.max_scroll_y
        await wait_until(pilot, lambda: view.max_scroll_y > grown + 10, "more of the reply")
        assert view.scroll_y == held  # reading above: not yanked down
        while view.scroll_y < view.max_scroll_y:
            await pilot.press("pagedown")
        await wait_for_reply(pilot)
        assert "● done" in screen_text(app)
        assert view.scroll_y == view.max_scroll_y  # back at the bottom, it followed again


async def test_quitting_while_a_reply_streams_saves_all_it_shows_marked_cancelled(app, history):
    async with app.run_test() as pilot:
        await send(pilot, "#slow please")
        reply = replies(app)[0]
        # Past the first save: what arrives after it is only saved by the cancel path.
        await wait_until(pilot, lambda: len(reply.copy_text.split()) >= 3, "words")
        await pilot.press("ctrl+q")
    _, (_, answer) = saved(history)
    assert answer.status == MessageStatus.CANCELLED
    assert answer.text == reply.copy_text and SLOW_REPLY.startswith(answer.text)


async def test_a_locked_history_is_reported_once_and_the_reply_streams_on(app, history, tmp_path):
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "#slow please")
        await wait_until(pilot, lambda: replies(app)[0].copy_text, "the first word")
        # Another program holds the write lock: each save now fails after the busy timeout.
        locker = sqlite3.connect(tmp_path / "history.sqlite3", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            await wait_until(pilot, lambda: any(n.startswith("Not saved") for n in
                                                notifications(app)), "the warning")
            words = len(replies(app)[0].copy_text.split())
            await wait_until(pilot, lambda: len(replies(app)[0].copy_text.split()) > words + 3,
                             "more of the reply")
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert sum(n.startswith("Not saved") for n in notifications(app)) == 1
        shown = replies(app)[0].copy_text
    _, (_, answer) = saved(history)  # the final save, once the lock was gone, kept it all
    assert (answer.text, answer.status) == (shown, MessageStatus.CANCELLED)


async def test_enter_while_a_reply_arrives_keeps_the_question_and_says_so_until_it_ends(app):
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await send(pilot, "#slow please")
        await wait_until(pilot, lambda: replies(app)[0].copy_text, "the first word")
        await send(pilot, "next one")
        status = lambda: screen_text(app).splitlines()[-5]  # noqa: E731 (above the prompt)
        assert "not sent, a reply is arriving (escape stops it)" in status()
        assert app.screen.query_one(Prompt).text == "next one"
        assert notifications(app) == []
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert "● cancelled" in status() and "not sent" not in status()


async def test_notifications_leave_the_prompt_and_the_status_line_uncovered(app):
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press(*"draft")
        before = screen_text(app).splitlines()[-5:]
        await pilot.press("ctrl+c", "ctrl+c")  # nothing selected: how to quit, twice
        await wait_until(pilot, lambda: len(notifications(app)) == 2, "the notifications")
        await pilot.pause(0.3)
        assert screen_text(app).splitlines()[-5:] == before
        assert "To quit: ctrl+q" in words("\n".join(screen_text(app).splitlines()[:10]))
