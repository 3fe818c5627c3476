"""kill -9 while a reply streams: `aichat-tui` in a pseudo-terminal, as a user runs it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from tui.domain.conversation import MessageStatus, Role
from tui.emulator import Emulator, EmulatorConfig
from tui.emulator.aliyun.scenarios import SLOW_REPLY
from tui.store import History

QUESTION = "#slow tell me a story"


@pytest.fixture
def emulator_in_thread():
    with Emulator.in_thread(EmulatorConfig(event_delay=0.0)) as emulator:
        yield emulator


class Terminal:
    """`aichat-tui` on a fresh 80x24 pseudo-terminal, with what it draws kept (the last 4 KB)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.child = subprocess.Popen([sys.executable, "-m", "tui"], stdin=slave, stdout=slave,
                                      stderr=slave, env=env, start_new_session=True,
                                      close_fds=True)
        os.close(slave)
        self.drawn = b""
        # The app blocks once the terminal's buffer is full: keep reading what it draws.
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while chunk := os.read(self.master, 65536):
                self.drawn = self.drawn[-4096:] + chunk
        except OSError:
            pass  # the child is gone

    def shows(self, text: str) -> bool:
        return text.encode() in self.drawn

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def kill(self) -> int:
        with contextlib.suppress(ProcessLookupError):  # it may have quit by itself
            os.killpg(self.child.pid, signal.SIGKILL)
        self.child.wait()
        os.close(self.master)
        return self.child.returncode


def wait_for(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_app_leaves_the_question_and_the_partial_reply_marked_interrupted(
        emulator_in_thread, tmp_path):
    env = {**os.environ, **emulator_in_thread.client_env(), "TERM": "xterm-256color"}
    path = tmp_path / "data" / "history.sqlite3"
    terminal = Terminal(env)
    try:
        # Keys typed before the app has the terminal would be read in line mode, or lost.
        wait_for(lambda: terminal.shows("● ready"), "the chat screen")
        terminal.type(QUESTION + "\r")

        def saved_words() -> int:
            with History.open(path) as history:
                conversations = history.list_conversations()
                messages = history.messages(conversations[0].id) if conversations else []
            return len(messages) == 2 and len(messages[1].text.split()) >= 6

        # Several throttled saves have happened by then (the first is immediate).
        wait_for(saved_words, "the reply to be saved as it streams")
    finally:
        returncode = terminal.kill()
    assert returncode == -signal.SIGKILL

    with History.open(path) as history:
        [conversation] = history.list_conversations()
        question, before = history.messages(conversation.id)
        assert before.status == MessageStatus.STREAMING  # nobody had the chance to finish it
        assert history.recover_interrupted() == 1
        question, reply = history.messages(conversation.id)
    assert (question.role, question.text, question.status) == (
        Role.USER, QUESTION, MessageStatus.COMPLETE)
    assert reply.role == Role.ASSISTANT and reply.status == MessageStatus.INTERRUPTED
    assert reply.text and SLOW_REPLY.startswith(reply.text) and reply.text != SLOW_REPLY


def test_ctrl_q_during_a_reply_saves_it_marked_cancelled(emulator_in_thread, tmp_path):
    env = {**os.environ, **emulator_in_thread.client_env(), "TERM": "xterm-256color"}
    path = tmp_path / "data" / "history.sqlite3"
    terminal = Terminal(env)
    try:
        wait_for(lambda: terminal.shows("● ready"), "the chat screen")
        terminal.type(QUESTION + "\r")
        wait_for(lambda: terminal.shows("● streaming"), "the reply to stream")
        time.sleep(1.5)  # past the first save: the words since are only saved by stopping
        terminal.type("\x11")  # ctrl+q
        wait_for(lambda: terminal.child.poll() is not None, "the app to quit", timeout=10)
    finally:
        terminal.kill()

    with History.open(path) as history:
        [conversation] = history.list_conversations()
        _, reply = history.messages(conversation.id)
    assert reply.status == MessageStatus.CANCELLED
    assert len(reply.text.split()) >= 8 and SLOW_REPLY.startswith(reply.text)
