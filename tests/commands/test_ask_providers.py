"""`ask --provider/--model/--search/--session` and `models`: subprocesses against the emulator."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from tests.commands.cli_support import cli
from tui.emulator.openai_chat import scenarios


def ask_json(env, *args):
    result = cli(env, "ask", "--json", *args)
    return result, json.loads(result.stdout)


@pytest.mark.parametrize(("provider", "model"), [
    ("tongyi", None), ("qiniu", "deepseek-v3"), ("openai", "llama3.1:8b")])
def test_every_provider_pipes_exactly_the_final_answer(env, provider, model):
    result, body = ask_json(env, "--provider", provider, "Hello")
    assert result.returncode == 0, result.stderr
    assert body["complete"] is True and body["provider"] == provider
    assert body["model"] == model and body["session_id"]
    piped = cli(env, "ask", "--provider", provider, "Hello")
    assert piped.returncode == 0 and piped.stdout == body["text"] + "\n"
    assert piped.stdout.startswith("You asked: “Hello”")


def test_a_reasoning_model_keeps_its_thinking_out_of_the_pipe(env):
    result, body = ask_json(env, "--provider", "qiniu", "--model", "deepseek-r1", "Why?")
    assert body["reasoning"].startswith("The user asks: “Why?”")
    assert body["finish_reason"] == "stop" and body["model"] == "deepseek-r1"
    piped = cli(env, "ask", "--provider", "qiniu", "--model", "deepseek-r1", "Why?")
    assert piped.stdout == body["text"] + "\n" and "The user asks" not in piped.stdout


def test_session_continues_with_the_earlier_turns_and_the_same_model(env):
    _, first = ask_json(env, "--provider", "qiniu", "--model", "glm-4.5", "What is 2+2?")
    result, second = ask_json(env, "--session", first["session_id"], "And doubled?")
    assert result.returncode == 0, result.stderr
    assert second["session_id"] == first["session_id"]
    assert (second["provider"], second["model"]) == ("qiniu", "glm-4.5")
    assert "I received 2 earlier messages" in second["text"]
    assert "your previous question was “What is 2+2?”" in second["text"]


def test_a_tongyi_conversation_switches_to_a_qiniu_model_with_its_history(env):
    _, first = ask_json(env, "--provider", "tongyi", "你好")
    _, second = ask_json(env, "--session", first["session_id"], "--provider", "qiniu",
                         "--model", "kimi-k2", "And now?")
    assert second["provider"] == "qiniu" and "your previous question was “你好”" in second["text"]
    _, third = ask_json(env, "--session", second["session_id"], "Third")
    assert third["model"] == "kimi-k2" and "I received 4 earlier messages" in third["text"]


def test_each_reply_records_its_provider_and_model(env, isolated_env):
    _, first = ask_json(env, "--provider", "tongyi", "one")
    ask_json(env, "--session", first["session_id"], "--provider", "qiniu",
             "--model", "deepseek-r1", "two")
    with sqlite3.connect(isolated_env / "data" / "history.sqlite3") as db:
        rows = db.execute("SELECT role, provider, model, status, text FROM messages"
                          " ORDER BY id").fetchall()
        meta = db.execute("SELECT meta FROM messages WHERE model = 'deepseek-r1'").fetchone()[0]
    assert [row[:4] for row in rows] == [
        ("user", None, None, "complete"), ("assistant", "tongyi", None, "complete"),
        ("user", None, None, "complete"), ("assistant", "qiniu", "deepseek-r1", "complete")]
    assert json.loads(meta)["reasoning"].startswith("The user asks")


def test_web_search_and_a_length_cut(env, served):
    result, body = ask_json(env, "--provider", "qiniu", "--search", "#length news")
    assert served.qiniu_chat.received[-1]["model"] == "deepseek-v3?search"
    assert body["finish_reason"] == "length" and body["text"] == scenarios.LENGTH_PARTIAL
    assert result.returncode == 0
    piped = cli(env, "ask", "--provider", "qiniu", "#length news")
    assert piped.stdout == scenarios.LENGTH_PARTIAL + "\n"
    assert "cut at the length limit" in piped.stderr


def test_errors_exit_1_with_partial_text_and_2_for_usage(env):
    result = cli(env, "ask", "--provider", "qiniu", "#disconnect")
    assert result.returncode == 1 and result.stdout == scenarios.DISCONNECT_PARTIAL + "\n"
    assert "What arrived is kept" in result.stderr
    unknown = cli(env, "ask", "--provider", "qiniu", "--model", "nope", "hi")
    assert unknown.returncode == 1 and "aichat-tui models --provider qiniu" in unknown.stderr
    nothing = cli(env, "ask", "--provider", "qiniu", "--session", "999", "hi")
    assert nothing.returncode == 2 and "no conversation '999'" in nothing.stderr


def test_a_provider_that_is_not_set_up_says_what_is_missing(isolated_env):
    env = {**os.environ, "AICHAT_TUI_DATA_DIR": str(isolated_env / "data")}
    result = cli(env, "ask", "--provider", "openai", "hi")
    assert result.returncode == 2
    assert "`openai.base_url` (AICHAT_OPENAI_BASE_URL)" in result.stderr


def test_models_json_lists_every_configured_provider(env, served):
    before = served.qiniu_chat.requests["models"]
    result = cli(env, "models", "--json")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert {"provider": "tongyi", "id": "tongyi", "default": True} in listed
    assert {"provider": "qiniu", "id": "deepseek-v3", "default": True} in listed
    assert {"provider": "qiniu", "id": "deepseek/deepseek-v3.1-terminus",
            "default": False} in listed
    assert {"provider": "openai", "id": "llama3.1:8b", "default": True} in listed
    first_line = cli(env, "models", "--provider", "qiniu").stdout.splitlines()[0]
    assert first_line == "* qiniu  deepseek-v3"
    assert served.qiniu_chat.requests["models"] == before + 1  # cached for a day
    cli(env, "models", "--provider", "qiniu", "--refresh")
    assert served.qiniu_chat.requests["models"] == before + 2


def test_demo_serves_every_provider(isolated_env):
    env = {**os.environ}
    result = cli(env, "--demo", "ask", "--json", "--provider", "qiniu", "--model",
                 "deepseek-r1", "hi")
    body = json.loads(result.stdout)
    assert result.returncode == 0 and body["reasoning"] and body["complete"]
