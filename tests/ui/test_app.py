"""The app as launched: settings problems on screen, --demo, keymap, help, palette, themes,
and managing conversations."""

from __future__ import annotations

import os
import threading
from contextlib import ExitStack
from datetime import datetime

import pytest

from tests.ui.chat_support import (
    help_lines,
    notifications,
    replies,
    screen_text,
    screen_words,
    send,
    settings_for,
    wait_for_reply,
    wait_until,
)
from tui.commands.app import build_app
from tui.domain.conversation import Message, MessageStatus, Role
from tui.settings import ENVIRONMENT_NAMES, load_settings
from tui.store import History
from tui.ui.app import make_app
from tui.ui.screens.chat import ChatScreen
from tui.ui.widgets.prompt import Prompt


@pytest.fixture
def config_path():
    return load_settings().config_path  # the isolated one (AICHAT_TUI_CONFIG)


# -- launching -----------------------------------------------------------------------------

async def test_without_credentials_the_app_opens_and_says_what_to_set_and_where(config_path):
    with ExitStack() as stack:
        app = build_app(False, stack)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            shown = screen_words(app)
            for key in ("access_key_id", "access_key_secret", "instance_id"):
                assert ENVIRONMENT_NAMES[f"tongyi.{key}"] in shown
            assert str(config_path) in shown.replace(" ", "")
            assert "aichat-tui --demo" in shown
            assert "`" not in shown  # names quoted for the CLI read plainly here
            # The status line never says "ready" while nothing can be asked.
            assert "● setup needed · Tongyi" in shown and "● ready" not in shown

            await send(pilot, "hello")  # nothing is sent or saved, the message is not repeated
            await pilot.pause()
            assert screen_words(app).count("Setup needed") == shown.count("Setup needed") == 1
            assert app.screen.query_one(Prompt).text == "hello"  # the question is kept
            assert app.history.list_conversations() == []


async def test_a_malformed_settings_file_is_shown_on_screen_not_a_traceback(config_path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[tongyi\naccess_key_id = 1\n", encoding="utf-8")
    with ExitStack() as stack:
        app = build_app(False, stack)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            shown = screen_words(app)
            assert "is not valid TOML" in shown
            assert "Fix that line, or move the file away to start from defaults." in shown


async def test_demo_runs_against_the_embedded_emulator_with_its_own_history(tmp_path):
    with ExitStack() as stack:
        app = build_app(True, stack)
        async with app.run_test(size=(100, 30)) as pilot:
            # The header: who answers, and that this is the demo.
            assert "aichat-tui — Tongyi · demo" in screen_text(app).splitlines()[0]
            await send(pilot, "hello demo")
            await wait_for_reply(pilot)
            assert "You asked: “hello demo”" in replies(app)[0].copy_text
    with History.open(tmp_path / "data" / "demo" / "history.sqlite3") as demo_history:
        [conversation] = demo_history.list_conversations()
        assert conversation.title == "hello demo"
    assert not (tmp_path / "data" / "history.sqlite3").exists()


async def test_a_bad_qiniu_value_leaves_chat_working_in_demo_with_one_notice(config_path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[qiniu]\nspeed = "fast"\n', encoding="utf-8")
    with ExitStack() as stack:
        app = build_app(True, stack)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await wait_until(pilot, lambda: any("speed" in n for n in notifications(app)),
                             "the settings notice")
            [notice] = [n for n in notifications(app) if "speed" in n]
            assert "[qiniu]" in notice and "Qiniu voices, speech and chat is off" in notice
            await send(pilot, "hello demo")
            await wait_for_reply(pilot)
            assert "You asked: “hello demo”" in replies(app)[0].copy_text


async def test_a_damaged_history_is_kept_aside_and_chatting_goes_on(emulator, tmp_path):
    path = load_settings().history_path
    with History.open(path) as old:
        conversation = old.create_conversation("old")
        for i in range(300):
            old.add_message(conversation.id, Message(Role.USER, f"message {i} " * 20, 0.0))
    damaged = bytearray(path.read_bytes())
    damaged[4096 * 3: 4096 * 7] = bytes(4096 * 4)
    path.write_bytes(bytes(damaged))
    app = make_app(settings_for(emulator))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: any("damaged" in n for n in notifications(app)),
                         "the notice saying where the damaged file is")
        [aside] = path.parent.glob("history.sqlite3.damaged-*")
        assert any(aside.name in n.replace(" ", "") for n in notifications(app))
        await send(pilot, "still chatting")
        await wait_for_reply(pilot)
        assert [c.title for c in app.history.list_conversations()] == ["still chatting"]


async def test_a_second_window_leaves_a_reply_streaming_in_the_first_alone(emulator):
    settings = settings_for(emulator)
    with History.open(settings.history_path) as first_window:
        conversation = first_window.create_conversation("streaming elsewhere")
        first_window.add_message(conversation.id, Message(Role.USER, "q", 0.0))
        first_window.add_message(conversation.id, Message(Role.ASSISTANT, "still arriv", 0.0,
                                                          MessageStatus.STREAMING))
        app = make_app(settings)
        async with app.run_test(notifications=True) as pilot:
            await pilot.pause(0.3)
            assert not any("cut off" in n for n in notifications(app))
        assert first_window.messages(conversation.id)[1].status == MessageStatus.STREAMING


async def test_replies_cut_off_last_time_are_marked_interrupted_at_start(emulator, history):
    conversation = history.create_conversation("before the crash")
    history.add_message(conversation.id, Message(Role.USER, "q", 0.0))
    history.add_message(conversation.id, Message(Role.ASSISTANT, "half an ans", 0.0,
                                                 MessageStatus.STREAMING))
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(notifications=True) as pilot:
        await wait_until(pilot, lambda: "1 reply was cut off" in screen_words(app),
                         "the notice about the interrupted reply")
    assert history.messages(conversation.id)[1].status == MessageStatus.INTERRUPTED


# -- keys ----------------------------------------------------------------------------------

async def test_the_keymap_remaps_bindings_by_id_and_help_shows_the_keys_in_use(
        emulator, history, config_path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[keymap]\n"chat.new" = "f9"\n"chat.nwe" = "f10"\n'
                           '"history.serch" = "f11"\n"history.search" = "ctrl+f"\n',
                           encoding="utf-8")
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        for typo in ("chat.nwe", "history.serch"):
            await wait_until(pilot, lambda typo=typo: f"'{typo}', which is no binding id" in
                             screen_words(app), f"the warning about {typo}")
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await pilot.press("ctrl+n")  # no longer bound
        assert len(replies(app)) == 1
        await pilot.press("f9")
        assert replies(app) == [] and app.screen.conversation is None
        assert "f9 New" in screen_text(app).splitlines()[-1]

        app.clear_notifications()
        await pilot.press("f1")
        lines = await help_lines(pilot, app)
        for row in ("f9 New conversation chat.new", "ctrl+j New line in the message "
                    "prompt.newline", "enter Send the message prompt.send",
                    # Every screen's keys, under its heading.
                    "ctrl+f Search every message history.search",
                    "enter Hear the highlighted voice voices.preview",
                    "y Yes (delete) confirm.yes", "enter Save the new title rename.save"):
            assert row in lines
        assert {"Chat · writing", "Speech", "Voice browser", "History", "Dialogs"} <= set(lines)


async def test_question_mark_opens_help_only_from_an_empty_prompt(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test() as pilot:
        await pilot.press("a", "question_mark")
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.query_one(Prompt).text == "a?"
        app.screen.query_one(Prompt).clear()
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        assert "New line in the message" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_the_palette_runs_chat_commands(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await pilot.press("ctrl+p", *"copy the last reply")
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await pilot.pause()
        assert app.clipboard == replies(app)[0].copy_text

        await pilot.press("ctrl+p", *"new conversation")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert replies(app) == []


async def test_the_palette_finds_an_action_by_its_binding_id(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p", *"speak")
        await pilot.pause(0.3)  # the palette searches in the background
        assert "Read the last reply aloud" in screen_text(app)
        assert "chat.speak" in screen_text(app)


# -- conversations -------------------------------------------------------------------------

async def test_rename_and_delete_the_conversation(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await pilot.press("f2")
        await pilot.press(*"Greetings", "enter")
        await pilot.pause()
        [conversation] = history.list_conversations()
        assert conversation.title == "Greetings"
        [status_line] = [line for line in screen_text(app).splitlines() if "● " in line]
        assert status_line.rstrip().endswith("· Tongyi · Greetings")

        await pilot.press("f8")
        await pilot.press("n")  # keep it
        assert history.list_conversations() == [conversation]
        await pilot.press("f8", "y")
        await pilot.pause()
        assert history.list_conversations() == []
        assert replies(app) == []


MARKUP_TITLE = "[/bold] b[i]old [@click=app.quit]quit[/]"


@pytest.mark.parametrize("where", ["chat", "history"])
async def test_titles_that_look_like_markup_are_shown_literally_in_notifications(
        emulator, history, where):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, MARKUP_TITLE)
        await wait_for_reply(pilot)
        if where == "history":
            await pilot.press("ctrl+o")
            await pilot.press("d", "y")
        else:
            await pilot.press("f8", "y")
        await pilot.pause()
        assert history.list_conversations() == []
        assert f"Deleted “{MARKUP_TITLE}”." in notifications(app)
        # Literal text, not a live action: clicking the notification does not quit.
        toast = app.screen.query_one("Toast")
        await pilot.click(toast)
        assert app.is_running


async def test_control_characters_in_notifications_are_shown_inert(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(notifications=True) as pilot:
        app.screen.notify("a server said \x1b[2Jhi", title="Bell\x07")
        await pilot.pause()
        assert "Bell␇ a server said ␛[2Jhi" in notifications(app)


async def export_a_reply(pilot, told: str) -> None:
    """Ask "export me", export the conversation, and wait for a notification starting `told`."""
    await send(pilot, "export me")
    await wait_for_reply(pilot)
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: any(n.startswith(told) for n in notifications(pilot.app)),
                     f"{told!r}")


async def test_export_writes_a_markdown_file_and_says_where(emulator, history, tmp_path):
    app = make_app(settings_for(emulator), history=history, export_dir=tmp_path / "out")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await export_a_reply(pilot, told="Exported")
        [exported] = (tmp_path / "out").iterdir()
        # Relative to the folder the exports folder is in (the data folder), whole.
        assert f"Exported {exported.relative_to(tmp_path)}" in notifications(app)
    text = exported.read_text(encoding="utf-8")
    assert "export me" in text and "You asked: “export me”" in text


async def test_exporting_never_holds_up_the_screen_and_says_when_the_disk_is_slow(
        emulator, history, tmp_path):
    # Where the export is written first is a FIFO nobody reads yet: writing waits, as a slow
    # or hung disk would. The screen must not wait with it.
    exports = tmp_path / "exports"
    app = make_app(settings_for(emulator), history=history, export_dir=exports)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await send(pilot, "export me")
        await wait_for_reply(pilot)
        [conversation] = history.list_conversations()
        name = f"export-me-{datetime.fromtimestamp(conversation.created_at):%Y-%m-%d}.md"
        exports.mkdir()
        fifo = exports / f".{name}.{os.getpid()}.tmp"
        os.mkfifo(fifo)
        go, released, written = threading.Event(), threading.Event(), []

        def release() -> None:
            go.wait(10)  # the test says when; a screen stuck in the write never will
            released.set()
            with open(fifo, "rb") as file:
                written.append(file.read().decode("utf-8"))

        threading.Thread(target=release, daemon=True).start()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Exporting… Still writing to exports: the disk is slow "
                         "to answer." in notifications(app), "the export to say it waits")
        await pilot.press("x")
        assert not released.is_set(), "the screen waited for the disk"
        assert app.screen.query_one(Prompt).text == "x"
        go.set()
        await wait_until(pilot, lambda: f"Exported exports/{name}" in notifications(app),
                         "the export to finish")
    assert "You asked: “export me”" in written[0]


async def test_an_export_that_cannot_be_written_says_why_and_what_to_do(emulator, history,
                                                                        tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the export folder should be")
    app = make_app(settings_for(emulator), history=history, export_dir=blocked)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await export_a_reply(pilot, told="Export failed")
        [note] = [n for n in notifications(app) if n.startswith("Export failed")]
        assert f"Could not write the export {blocked}/export-me-" in note
        assert "Choose another folder, or check that you may write to this one." in note
        await pilot.press("x")
        assert app.screen.query_one(Prompt).text == "x"


async def test_a_theme_is_previewed_chosen_and_saved(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test() as pilot:
        assert app.theme == "aichat-dark"
        await pilot.press("ctrl+t", "down")
        previewed = app.theme
        assert previewed != "aichat-dark"
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == previewed
    assert load_settings().ui.theme == previewed  # saved: the next start uses it


async def test_an_unknown_theme_setting_falls_back_and_says_so(emulator, history, config_path):
    config_path.parent.mkdir(parents=True)
    config_path.write_text('[ui]\ntheme = "no-such-theme"\n', encoding="utf-8")
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        assert app.theme == "aichat-dark"
        await wait_until(pilot, lambda: "There is no theme named 'no-such-theme'" in
                         screen_words(app), "the warning about the theme")


async def test_a_theme_file_named_with_markup_is_skipped_and_named_as_it_is(
        emulator, history, config_path):
    themes = config_path.parent / "themes"
    themes.mkdir(parents=True)
    (themes / "markup.toml").write_text('name = "[b]x[/]"\nprimary = "#336699"\n',
                                        encoding="utf-8")
    (themes / "close.toml").write_text('name = "[/]"\nprimary = "#336699"\n', encoding="utf-8")
    (themes / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\n', encoding="utf-8")
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: len(notifications(app)) == 2, "the two warnings")
        assert any("the name '[b]x[/]' may only hold letters" in n for n in notifications(app))
        assert any("the name '[/]' may only hold letters" in n for n in notifications(app))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "mine" in screen_words(app)
        assert "[b]x[/]" not in app.available_themes


async def test_a_conversation_reopened_from_history_continues_its_session(emulator, history):
    first = make_app(settings_for(emulator), history=history)
    async with first.run_test() as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        assert "(turn 1 of this conversation)" in replies(first)[0].copy_text
    [conversation] = history.list_conversations()

    second = make_app(settings_for(emulator), history=history)  # another day, another run
    async with second.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+o")
        assert type(second.screen).__name__ == "HistoryScreen"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(second.screen, ChatScreen)
        shown = screen_words(second)
        assert "You · " in shown and "hello" in shown and "(turn 1 of this conversation)" in shown
        await send(pilot, "and again")
        await wait_for_reply(pilot)
        assert "(turn 2 of this conversation)" in replies(second)[-1].copy_text
    assert [m.text for m in history.messages(conversation.id) if m.role == Role.USER] == [
        "hello", "and again"]
    assert history.get_conversation(conversation.id).session_id == conversation.session_id


async def test_deleting_the_open_conversation_in_history_starts_a_new_one(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test() as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await pilot.press("ctrl+o", "d", "y", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert replies(app) == [] and app.screen.conversation is None
        assert history.list_conversations() == []


async def test_an_unusable_history_is_reported_and_chatting_still_works(emulator, tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be", encoding="utf-8")
    app = make_app(settings_for(emulator))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: any(n.startswith("History unavailable Could not create")
                                            for n in notifications(app)), "the warning")
        await send(pilot, "hello anyway")
        await wait_for_reply(pilot)
        assert "You asked: “hello anyway”" in replies(app)[0].copy_text
