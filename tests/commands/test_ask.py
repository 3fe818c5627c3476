"""`aichat-tui ask` as a user runs it: a subprocess against the emulator."""

from __future__ import annotations

import json
import os

import pytest

from tests.commands.cli_support import cli
from tui.emulator import DEMO


def test_piped_output_is_the_final_text_even_after_rewrites(env):
    as_json = json.loads(cli(env, "ask", "--json", "#rewrite this").stdout)
    piped = cli(env, "ask", "#rewrite this")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == as_json["text"] + "\n"
    assert as_json["complete"] is True and as_json["session_id"] and as_json["message_id"]


def test_question_from_stdin_and_session_continuation(env):
    first = json.loads(cli(env, "ask", "--json", "-", stdin="第一个问题\n").stdout)
    second = json.loads(cli(env, "ask", "--json", "--session", first["session_id"], "again").stdout)
    assert second["session_id"] == first["session_id"]
    assert "turn 2" in second["text"]


def test_service_error_exit_1_keeps_partial_text(env):
    result = cli(env, "ask", "#disconnect now")
    assert result.returncode == 1
    assert result.stdout.strip(), "the partial reply is still printed"
    assert len(result.stderr.strip().splitlines()) == 1
    assert "kept" in result.stderr


def test_json_reports_incomplete(env):
    result = cli(env, "ask", "--json", "#fail now")
    body = json.loads(result.stdout)
    assert result.returncode == 1
    assert body["complete"] is False and body["text"] and "error" in body


def test_settings_error_exit_2(isolated_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
    env["AICHAT_TUI_CONFIG"] = str(isolated_env / "none.toml")
    env["AICHAT_TUI_DATA_DIR"] = str(isolated_env / "data")
    result = cli(env, "ask", "hello")
    assert result.returncode == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in result.stderr and "--demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2(env):
    assert cli(env, "ask").returncode == 2
    assert cli(env, "ask", "x" * 600).returncode == 2


def test_demo_flag_needs_no_settings(isolated_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
    env["AICHAT_TUI_DATA_DIR"] = str(isolated_env / "data")
    env["AICHAT_TUI_CONFIG"] = str(isolated_env / "none.toml")
    result = cli(env, "--demo", "ask", "你好")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("question", ["#fail now", "#disconnect now"])
def test_secrets_never_printed_even_with_tracebacks(served, env, isolated_env, question):
    env = {**env, "AICHAT_TUI_DEBUG": "1"}
    result = cli(env, "ask", question)
    assert result.returncode == 1
    assert "Traceback" in result.stderr, "tracebacks were forced"
    log = (isolated_env / "data" / "logs" / "aichat-tui.log").read_text()
    secrets = [DEMO.access_key_secret, *served.aliyun.issued_secrets()]
    for text in (result.stdout, result.stderr, log):
        for secret in secrets:
            assert secret not in text
