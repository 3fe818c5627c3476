"""Target: `aichat-tui` draws its chat screen within 1.5x the time a minimal Textual app takes.

    ./run python bench/startup.py [--runs 7]

`aichat-tui --demo` (the README's first command, which also serves the emulator) is timed
beside them and printed, without a target.

Each program is started in a fresh 80x24 pseudo-terminal, as a user's shell would, and timed
from process start until its first frame (the text it draws) arrives on the terminal; then it
is killed. aichat-tui runs with (unused) credentials and an empty data folder, so it opens
the normal chat screen, history included. Runs alternate between the two programs after one
warm-up each (byte-compiling, as an install would have, and the disk cache). Prints medians
and their ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

# Both draw this in their first frame: the chat screen's status line says it when idle.
MARKER = "● ready".encode()

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("● ready")

Minimal().run()
"""


def first_frame_seconds(command: list[str], env: dict[str, str]) -> float:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    child = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                             start_new_session=True, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while MARKER not in seen:
            # A program that keeps drawing something else (a blinking cursor) never falls
            # silent: the deadline is for the marker, not for the next byte.
            left = started + 30 - time.perf_counter()
            ready, _, _ = select.select([master], [], [], max(left, 0))
            if not ready:
                raise SystemExit(f"no first frame from {command} in 30 s")
            seen = seen[-64:] + os.read(master, 65536)
        return time.perf_counter() - started
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "TERM": "xterm-256color",
               # An installed aichat-tui has byte-compiled modules, as Textual has here; let the
               # warm-up write them for ours (a development shell may forbid it).
               "PYTHONDONTWRITEBYTECODE": "",
               "AICHAT_TUI_DATA_DIR": scratch, "AICHAT_TUI_CONFIG": f"{scratch}/config.toml",
               # Present, so the normal chat screen opens; nothing is sent at start-up.
               "ALIBABA_CLOUD_ACCESS_KEY_ID": "bench-id",
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "bench-secret",
               "AICHAT_TONGYI_INSTANCE_ID": "chatbot-cn-bench"}
        programs = {"aichat-tui": [sys.executable, "-m", "tui"],
                    "aichat-tui --demo": [sys.executable, "-m", "tui", "--demo"],
                    "minimal Textual app": [sys.executable, "-c", MINIMAL_APP]}
        times: dict[str, list[float]] = {name: [] for name in programs}
        for command in programs.values():
            first_frame_seconds(command, env)  # warm-up
        for _ in range(args.runs):
            for name, command in programs.items():
                times[name].append(first_frame_seconds(command, env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        spread = ", ".join(f"{t:.2f}" for t in sorted(times[name]))
        print(f"{name:>20}: median {median:.3f} s to the first frame   ({spread})")
    minimal = medians["minimal Textual app"]
    print(f"(c) start-up ratio {medians['aichat-tui'] / minimal:.2f}x (target <= 1.5x); "
          f"with --demo {medians['aichat-tui --demo'] / minimal:.2f}x")


if __name__ == "__main__":
    main()
