"""The emulator in a process of its own, as `--demo` runs it: reachable at once, and gone with
the app however the app ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from tui.emulator.process import emulator_process


def models(base_url: str) -> list[str]:
    answer = httpx.get(f"{base_url}/local/v1/models", timeout=30)
    answer.raise_for_status()
    return [model["id"] for model in answer.json()["data"]]


def refused(base_url: str, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/local/v1/models", timeout=2)
        except httpx.ConnectError:
            return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def test_a_request_made_at_once_is_answered_and_the_server_ends_with_the_context(tmp_path):
    with emulator_process(tmp_path, subprocess.DEVNULL) as base_url:
        # Asked before the server process can have started: it waits in the socket's queue.
        assert "llama3.1:8b" in models(base_url)
    assert refused(base_url, within=1.0)


def test_the_server_ends_when_its_app_is_killed(tmp_path):
    app = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path\n"
         "from tui.emulator.process import emulator_process\n"
         "with emulator_process(Path(sys.argv[1]), sys.stderr) as url:\n"
         "    print(url, flush=True); time.sleep(600)\n", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert app.stdout is not None
    base_url = app.stdout.readline().strip()
    try:
        assert "llama3.1:8b" in models(base_url)
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait()
    assert refused(base_url)

