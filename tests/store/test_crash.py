"""kill -9 in the middle of a reply: the question survives, and the reply up to about a second ago."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from tui.domain.conversation import Message, MessageStatus, Role
from tui.store import History

# Streams a reply made of its own clock readings, "<12.345678>", one every 10 ms, saving it
# through a ReplyRecorder (the default 1 s interval) whose clock returns the reading just
# appended. Each reading is printed once update() has returned.
CHILD = """
import sys, time
from pathlib import Path
from tui.domain.conversation import Message, MessageStatus, Role
from tui.store import History, ReplyRecorder

history = History.open(Path(sys.argv[1]))
conversation = history.create_conversation("Crash test")
history.add_message(conversation.id, Message(Role.USER, "Tell me a long story", time.time()))
reply = history.add_message(conversation.id, Message(Role.ASSISTANT, "", time.time(),
                                                     MessageStatus.STREAMING))
now = 0.0
recorder = ReplyRecorder(history, reply.id, clock=lambda: now)
text = ""
while True:
    now = time.monotonic()
    text += f"<{now:.6f}>"
    recorder.update(text)
    print(f"{now:.6f}", flush=True)
    time.sleep(0.01)
"""
INTERVAL = 1.0  # ReplyRecorder's default
STREAM_FOR = 2.5  # seconds of the child's own clock: long enough for several throttled writes


def test_a_reply_killed_mid_stream_is_kept_up_to_one_interval_back(tmp_path):
    path = tmp_path / "history.sqlite3"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed: list[str] = []
    try:
        while not printed or float(printed[-1]) - float(printed[0]) < STREAM_FOR:
            line = child.stdout.readline()
            assert line, f"the child died early: {child.stderr.read()}"
            printed.append(line.strip())
    finally:
        child.kill()  # SIGKILL: no cleanup, no final write
        rest, _ = child.communicate()
    printed += rest.split()  # updates that completed before the kill but were not read yet
    assert child.returncode == -9

    with History.open(path) as history:
        assert history.recover_interrupted() == 1
        [conversation] = history.list_conversations()
        question, answer = history.messages(conversation.id)

    assert (question.role, question.text, question.status) == (
        Role.USER, "Tell me a long story", MessageStatus.COMPLETE)
    assert (answer.role, answer.status) == (Role.ASSISTANT, MessageStatus.INTERRUPTED)
    kept = re.findall(r"<([\d.]+)>", answer.text)
    assert answer.text == "".join(f"<{stamp}>" for stamp in kept)
    # What was saved is exactly the start of what was streamed (plus, at most, one reading
    # written just before the kill but not yet printed)...
    assert kept[:len(printed)] == printed[:len(kept)] and len(kept) <= len(printed) + 1
    # ...and lags the last update that returned by no more than one interval.
    assert float(kept[-1]) >= float(printed[-1]) - INTERVAL


def test_a_second_instance_leaves_a_reply_still_streaming_in_the_first_alone(tmp_path):
    path = tmp_path / "history.sqlite3"
    first = History.open(path)
    conversation = first.create_conversation("live")
    reply = first.add_message(conversation.id, Message(Role.ASSISTANT, "still arriving", 0.0,
                                                       MessageStatus.STREAMING))
    with History.open(path) as second:
        assert second.recover_interrupted() == 0
        assert second.messages(conversation.id)[0].status is MessageStatus.STREAMING
    first.close()  # the first window quits without finishing: now its reply is cut off
    with History.open(path) as third:
        assert third.recover_interrupted() == 1
        assert third.messages(conversation.id)[0].status is MessageStatus.INTERRUPTED
    assert reply.id is not None


def test_a_killed_writer_counts_as_gone(tmp_path):
    path = tmp_path / "history.sqlite3"
    code = textwrap.dedent(f"""
        import os
        from tui.domain.conversation import Message, MessageStatus, Role
        from tui.store import History
        history = History.open({str(path)!r})
        conversation = history.create_conversation("crash")
        history.add_message(conversation.id, Message(Role.ASSISTANT, "cut", 0.0,
                                                     MessageStatus.STREAMING))
        os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", code], check=False, timeout=60)
    with History.open(path) as history:
        assert history.recover_interrupted() == 1
