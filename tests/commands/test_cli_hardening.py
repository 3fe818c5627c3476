"""The CLI as users (and attackers) run it: subprocesses against the emulator, real signals."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import signal
import stat
import subprocess
import sys
import threading
import time
from functools import partial

import pytest

from tests.backends.misbehaving import Misbehaving, answer
from tests.commands.cli_support import cli as run_cli

# Bytes: these tests look at exactly what reaches the terminal.
cli = partial(run_cli, text=False)


def test_piped_ask_makes_escapes_inert_and_raw_keeps_them(env):
    inert = cli(env, "ask", "#ansi please")
    assert inert.returncode == 0
    assert b"\x1b" not in inert.stdout and b"\x07" not in inert.stdout
    assert "␛]52;c;aGk=␇".encode() in inert.stdout
    assert b"report\\u202etxt.exe" in inert.stdout and "\u202e".encode() not in inert.stdout
    raw = cli(env, "ask", "--raw", "#ansi please")
    assert b"\x1b]52;c;aGk=\x07" in raw.stdout and b"\x1b[2J" in raw.stdout
    assert "report\u202etxt.exe".encode() in raw.stdout


def test_piped_ordinary_text_is_exact(env):
    as_json = json.loads(cli(env, "ask", "--json", "#markdown answer").stdout)
    piped = cli(env, "ask", "#markdown answer")
    assert piped.stdout.decode() == as_json["text"] + "\n"


def test_piped_clarifying_reply_prints_the_options_numbered(env):
    result = cli(env, "ask", "#clarify")
    body = json.loads(cli(env, "ask", "--json", "#clarify").stdout)
    lines = result.stdout.decode().splitlines()
    for number, option in enumerate(body["options"], 1):
        assert f"  {number}. {option}" in lines


def test_json_of_a_failed_reply_keeps_the_session_id(env):
    first = json.loads(cli(env, "ask", "--json", "hello").stdout)
    failed = json.loads(cli(env, "ask", "--json", "#fail now").stdout)
    assert failed["complete"] is False and failed["session_id"]
    continued = json.loads(cli(env, "ask", "--json", "--session", first["session_id"],
                               "#fail again").stdout)
    assert continued["session_id"] == first["session_id"]


def test_invalid_utf8_on_stdin_and_in_argv_is_one_clear_line(env):
    from_stdin = cli(env, "ask", "-", stdin=b"caf\xe9\n")
    assert from_stdin.returncode == 2
    assert b"not UTF-8" in from_stdin.stderr and b"Traceback" not in from_stdin.stderr
    from_argv = subprocess.run([sys.executable.encode(), b"-m", b"tui", b"ask", b"caf\xe9"],
                               env=env, capture_output=True, timeout=60)
    assert from_argv.returncode == 2
    assert b"not UTF-8" in from_argv.stderr and b"Traceback" not in from_argv.stderr


def test_service_text_in_error_lines_is_inert_and_bounded(env):
    result = cli(env, "say", "--voice", "\x1b[2J" + "v" * 100_000, "--out",
                 str(env["AICHAT_TUI_DATA_DIR"]) + "/x.wav", "hello")
    assert result.returncode != 0
    assert b"\x1b" not in result.stderr and len(result.stderr) < 3000
    assert result.stderr.count(b"\n") == 1


@pytest.mark.parametrize("out", [False, True])
def test_an_unknown_voice_says_so_and_points_at_the_option(env, isolated_env, out):
    args = ["say", "--voice", "nope", "hello"]
    if out:
        args += ["--out", str(isolated_env / "x.wav")]
    result = cli(env, *args)
    assert result.returncode != 0
    message = result.stderr.decode()
    assert "nope" in message and "--voice" in message and "sound device" not in message


def test_demo_after_the_subcommand_and_the_hint_keeps_demo(isolated_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
    env["AICHAT_TUI_DATA_DIR"] = str(isolated_env / "data")
    env["AICHAT_TUI_CONFIG"] = str(isolated_env / "none.toml")
    first = cli(env, "ask", "--demo", "--json", "你好")
    assert first.returncode == 0, first.stderr
    session = json.loads(first.stdout)["session_id"]
    second = cli(env, "--demo", "ask", "--json", "--session", session, "again")
    assert "turn 2" in json.loads(second.stdout)["text"], "the demo remembers its sessions"


def test_a_bad_qiniu_value_leaves_ask_working_and_say_exits_2(isolated_env):
    config = isolated_env / "config.toml"
    config.write_text('[qiniu]\nspeed = "fast"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
    env.update(AICHAT_TUI_DATA_DIR=str(isolated_env / "data"), AICHAT_TUI_CONFIG=str(config))
    asked = cli(env, "--demo", "ask", "hi")
    assert asked.returncode == 0, asked.stderr
    said = cli(env, "--demo", "say", "--out", str(isolated_env / "x.wav"), "hi")
    assert said.returncode == 2 and b"speed" in said.stderr and b"[qiniu]" in said.stderr


def test_bad_endpoint_settings_exit_2_with_one_line(env, isolated_env):
    for value in ("http://", "http://127.0.0.1:99999", "http://[::1"):
        result = cli({**env, "AICHAT_TONGYI_ENDPOINT": value}, "ask", "hi")
        assert result.returncode == 2 and b"Traceback" not in result.stderr
        assert result.stderr.count(b"\n") == 1 and b"AICHAT_TONGYI_ENDPOINT" in result.stderr


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_piped_ask_prints_the_partial_reply(env, signum, code):
    process = subprocess.Popen([sys.executable, "-m", "tui", "ask", "#slow please"],
                               env={**env, "AICHAT_TUI_DEBUG": ""}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    log = os.path.join(env["AICHAT_TUI_DATA_DIR"], "logs", "aichat-tui.log")
    deadline = time.monotonic() + 30
    # Wait until the reply is streaming (the token was applied for and the stream opened).
    while time.monotonic() < deadline and not (os.path.exists(log) and _streaming(env)):
        time.sleep(0.1)
    time.sleep(2.0)
    process.send_signal(signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert out.strip(), "the partial reply is printed"
    assert b"stopped" in err and b"Traceback" not in err


def _streaming(env) -> bool:
    return os.path.exists(os.path.join(env["AICHAT_TUI_DATA_DIR"], "tongyi_token.json"))


def test_ten_asks_apply_for_one_token_kept_in_a_private_file(env, served):
    before = served.aliyun.token_requests
    for _ in range(3):
        assert cli(env, "ask", "hi").returncode == 0
    assert served.aliyun.token_requests - before == 1
    token_file = os.path.join(env["AICHAT_TUI_DATA_DIR"], "tongyi_token.json")
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    with open(os.path.join(env["AICHAT_TUI_DATA_DIR"], "logs", "aichat-tui.log")) as file:
        log = file.read()
    for secret in served.aliyun.issued_secrets():
        assert secret not in log


def test_asks_started_together_take_turns_for_one_token(env, served):
    before = served.aliyun.token_requests
    processes = [subprocess.Popen([sys.executable, "-m", "tui", "ask", "hi"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
    assert [p.wait(timeout=60) for p in processes] == [0, 0, 0, 0]
    for p in processes:
        p.stdout.close()
        p.stderr.close()
    assert served.aliyun.token_requests - before == 1


def test_the_data_folder_and_its_files_are_private(env):
    os.umask(0o022)
    cli(env, "ask", "hi")
    data = env["AICHAT_TUI_DATA_DIR"]
    assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
    for folder, _, files in os.walk(data):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
        for name in files:
            assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600, name


def test_emulator_exits_0_on_ctrl_c(env):
    process = subprocess.Popen([sys.executable, "-m", "tui", "emulator"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert b"listening" in process.stdout.readline()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and b"Traceback" not in err


def test_hostile_voice_fields_reach_a_terminal_inert_and_bounded(isolated_env):
    hostile = "\x1b[2J\x00\u202e" + "n" * 1000
    catalogue = json.dumps([{"voice_type": f"qiniu_{hostile}", "voice_name": hostile,
                             "category": hostile, "url": ""}]).encode()
    ready, stop = threading.Event(), threading.Event()
    urls: list[str] = []

    def serve():
        async def main():
            async with Misbehaving(answer("200 OK", "application/json", catalogue)) as server:
                urls.append(server.url)
                ready.set()
                while not stop.is_set():
                    await asyncio.sleep(0.05)
        asyncio.run(main())

    thread = threading.Thread(target=serve)
    thread.start()
    ready.wait(10)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
        env.update(AICHAT_TUI_DATA_DIR=str(isolated_env / "data"),
                   AICHAT_TUI_CONFIG=str(isolated_env / "none.toml"),
                   AICHAT_QINIU_API_KEY="sk-test", AICHAT_QINIU_BASE_URL=urls[0] + "/v1")
        leader, follower = pty.openpty()
        process = subprocess.run([sys.executable, "-m", "tui", "voices"], env=env,
                                 stdout=follower, stderr=subprocess.PIPE, timeout=60)
        os.close(follower)
        output = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        os.close(leader)
    finally:
        stop.set()
        thread.join()
    assert process.returncode == 0, process.stderr
    assert b"\x1b" not in output and b"\x00" not in output and "\u202e".encode() not in output
    assert "␛[2J␀\\u202e".encode() in output
    assert max(len(line) for line in output.decode().splitlines()) < 600


def test_a_bad_value_that_falls_back_to_its_default_is_warned_once(env):
    result = cli({**env, "AICHAT_NETWORK_TIMEOUT": "soon"}, "ask", "hi")
    assert result.returncode == 0 and result.stdout.strip()
    [line] = result.stderr.decode().splitlines()
    assert line.startswith("aichat-tui: warning: The environment variable AICHAT_NETWORK_TIMEOUT")
    assert "The [network] defaults are used." in line


def test_json_output_escapes_what_a_terminal_would_obey_and_loses_nothing(env):
    # --json is printed to terminals too: the bidi override and the escapes are \u escapes
    # there, and a JSON reader gets the reply exactly as sent.
    out = cli(env, "ask", "--json", "#ansi please")
    assert out.returncode == 0
    assert b"\x1b" not in out.stdout and b"\x07" not in out.stdout
    assert "\u202e".encode() not in out.stdout and b"\\u202e" in out.stdout
    text = json.loads(out.stdout)["text"]
    assert "\x1b]52;c;aGk=\x07" in text and "report\u202etxt.exe" in text
