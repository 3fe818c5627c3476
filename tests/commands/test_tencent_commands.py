"""`say --voice tencent-*`, `voices`, `keywords` and `listen --provider tencent` as a user runs
them: subprocesses against the emulator, with long-recognition and keyword results posted back
to the command's own receiver over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import wave

import pytest

from tests.commands.cli_support import cli
from tui.emulator import EmulatorConfig


@pytest.fixture(scope="module")
def served_config():
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0,
                            tencent_callback_delay=0.05, tencent_callback_retry_delay=0.05,
                          tencent_segment_gap=0.05)


def test_voices_lists_tencent_beside_qiniu(env) -> None:
    result = cli(env, "voices", "--json")
    assert result.returncode == 0, result.stderr
    voices = {v["voice_type"]: v for v in json.loads(result.stdout)}
    assert any(name.startswith("qiniu_") for name in voices)
    assert voices["tencent-1"]["gender"] == "male"
    assert [voices[f"tencent-{n}"]["gender"] for n in (5, 6, 7)] == ["female"] * 3


def test_voices_with_only_tencent_set_up_lists_tencents(env) -> None:
    env = {k: v for k, v in env.items() if not k.startswith("AICHAT_QINIU_")}
    result = cli(env, "voices", "--json")
    assert result.returncode == 0, result.stderr
    assert [v["voice_type"] for v in json.loads(result.stdout)] == [
        "tencent-1", "tencent-5", "tencent-6", "tencent-7"]


def test_voices_without_tencent_settings_lists_only_qiniu(env) -> None:
    env = {k: v for k, v in env.items() if not k.startswith("AICHAT_TENCENT_")}
    result = cli(env, "voices", "--json")
    assert result.returncode == 0, result.stderr
    assert not any(v["voice_type"].startswith("tencent-") for v in json.loads(result.stdout))


def test_say_in_a_tencent_voice_writes_a_wav(env, served, tmp_path) -> None:
    out = tmp_path / "hello.wav"
    text = "今天天气很好。" * 12 + "我们去公园散步吧！"
    result = cli(env, "say", "--voice", "tencent-6", "--out", str(out), text)
    assert result.returncode == 0, result.stderr
    with wave.open(str(out)) as wav:
        assert wav.getnframes() / wav.getframerate() > 5
    assert len(served.tencent.texts) >= 2
    assert all(len(t.encode()) <= 150 for t in served.tencent.texts)


def test_say_an_unknown_tencent_voice(env, tmp_path) -> None:
    result = cli(env, "say", "--voice", "tencent-3", "--out", str(tmp_path / "x.wav"), "你好")
    assert result.returncode == 2
    assert "Tencent has no voice 'tencent-3'" in result.stderr
    assert "Traceback" not in result.stderr


def test_say_with_a_wrong_app_key(env, tmp_path) -> None:
    env = {**env, "AICHAT_TENCENT_APP_KEY": "not-the-key"}
    result = cli(env, "say", "--voice", "tencent-5", "--out", str(tmp_path / "x.wav"), "你好")
    assert result.returncode == 1
    assert "the app key is wrong" in result.stderr and "not-the-key" not in result.stderr


@pytest.fixture
def recording(env, tmp_path):
    out = tmp_path / "speech.wav"
    result = cli(env, "say", "--voice", "tencent-5", "--out", str(out), "你好。今天天气很好。")
    assert result.returncode == 0, result.stderr
    return out


def test_keywords_prints_each_hit(env, recording) -> None:
    result = cli(env, "keywords", "--words", "天气|你好|下雨", str(recording))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["你好", "天气"]
    (start, end), (later, _) = [[float(x.rstrip("s")) for x in line.split("\t")[1:3]]
                                for line in lines]
    assert 0 <= start < end <= later
    assert "2 hits" in result.stderr


def test_keywords_json(env, recording) -> None:
    result = cli(env, "keywords", "--json", "--words", "天气|很好", str(recording))
    assert result.returncode == 0, result.stderr
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(h["keyword"], h["segment"]) for h in hits] == [("天气", 1), ("很好", 1)]
    assert all(h["score"] == 100 for h in hits)


def test_keywords_usage_errors(env, recording, tmp_path) -> None:
    short = cli(env, "keywords", "--words", "天|下雨", str(recording))
    assert short.returncode == 2 and "at least two characters: 天" in short.stderr
    missing = cli(env, "keywords", "--words", "天气", str(tmp_path / "none.wav"))
    assert missing.returncode == 2 and "There is no audio file" in missing.stderr
    (tmp_path / "junk.wav").write_bytes(b"not audio at all")
    junk = cli(env, "keywords", "--words", "天气", str(tmp_path / "junk.wav"))
    assert junk.returncode == 2 and "not audio that can be decoded" in junk.stderr


SAID = "今天天气很好。我们去公园吧！"


@pytest.fixture
def spoken(env, tmp_path):
    out = tmp_path / "said.wav"
    result = cli(env, "say", "--voice", "tencent-5", "--out", str(out), SAID)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def tencent(served):
    """The module's emulator, its knobs put back after the test."""
    callbacks, config = served.tencent.callbacks, served.config
    delay = config.tencent_callback_delay
    yield served.tencent
    callbacks.result_ret, callbacks.duplicate = None, False
    config.tencent_callback_delay = delay


def test_listen_to_a_tencent_voice_in_one_call(env, tencent, spoken) -> None:
    before = dict(tencent.requests)
    result = cli(env, "listen", "--provider", "tencent", str(spoken))
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAID + "\n"
    assert tencent.requests["aai/aai_asr"] == before.get("aai/aai_asr", 0) + 1
    assert tencent.requests["aai/aai_wxasrlong"] == before.get("aai/aai_wxasrlong", 0)


def test_listen_long_through_the_callback(env, tencent, spoken) -> None:
    before = len(tencent.callbacks.deliveries)
    result = cli(env, "listen", "--provider", "tencent", "--long", "--json", str(spoken))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["text"] == SAID and 2000 < answer["duration_ms"] < 6000
    [delivery] = tencent.callbacks.deliveries[before:]
    assert delivery.body["data"]["text"] == SAID
    assert delivery.answer.replace(" ", "") == '{"ret":0,"msg":"ok"}'


def test_listen_long_audio_goes_the_long_way_by_itself(env, tencent, spoken, tmp_path) -> None:
    with wave.open(str(spoken)) as said:
        rate, frames = said.getframerate(), said.readframes(said.getnframes())
    long_file = tmp_path / "meeting.wav"
    with wave.open(str(long_file), "wb") as out:  # the sentence, then 4 minutes of quiet
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames + bytes(2 * rate * 240))
    before = dict(tencent.requests)
    result = cli(env, "listen", "--provider", "tencent", str(long_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAID + "\n"
    assert tencent.requests["aai/aai_wxasrlong"] == before.get("aai/aai_wxasrlong", 0) + 1
    assert tencent.requests["aai/aai_asr"] == before.get("aai/aai_asr", 0)


def test_a_duplicated_callback_prints_the_text_once(env, tencent, spoken) -> None:
    tencent.callbacks.duplicate = True
    result = cli(env, "listen", "--provider", "tencent", "--long", str(spoken))
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAID + "\n"


def test_a_failed_result_in_the_callback(env, tencent, spoken) -> None:
    tencent.callbacks.result_ret = 16454
    result = cli(env, "listen", "--provider", "tencent", "--long", str(spoken))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "could not decode" in result.stderr and "Traceback" not in result.stderr


def test_no_result_within_the_timeout(env, tencent, spoken) -> None:
    tencent.config.tencent_callback_delay = 5.0  # the result would come after 5 s
    env = {**env, "AICHAT_TENCENT_RESULT_TIMEOUT": "0.5"}  # the user waits 0.5 s
    result = cli(env, "listen", "--provider", "tencent", "--long", str(spoken))
    assert result.returncode == 1
    assert "did not post the result within 0.5 s" in result.stderr
    assert "callback_url" in result.stderr


def test_listen_to_a_url(env, tencent, spoken, file_server) -> None:
    (file_server.root / "said.wav").write_bytes(spoken.read_bytes())
    result = cli(env, "listen", "--provider", "tencent", f"{file_server.url}/said.wav")
    assert result.returncode == 0, result.stderr
    assert result.stdout == SAID + "\n"
    mp3 = cli(env, "listen", "--provider", "tencent", f"{file_server.url}/said.mp3")
    assert mp3.returncode == 2 and "it takes WAV, PCM (16 kHz), AMR or SILK" in mp3.stderr


def test_long_is_for_tencent(env, spoken) -> None:
    result = cli(env, "listen", "--long", str(spoken))
    assert result.returncode == 2
    assert "qiniu has no separate recognition for long audio" in result.stderr


def ask(env, *args) -> subprocess.CompletedProcess:
    return cli(env, "ask", "--json", *args)


def test_ask_tencent_remembers_the_conversation(env, tencent) -> None:
    told = ask(env, "--provider", "tencent", "我叫小明")
    assert told.returncode == 0, told.stderr
    first = json.loads(told.stdout)
    assert first["provider"] == "tencent" and first["complete"] is True
    assert "小明" in first["text"]
    # The conversation remembers who answered: --session alone continues it with Tencent.
    asked = ask(env, "--session", first["session_id"], "我叫什么？")
    assert asked.returncode == 0, asked.stderr
    second = json.loads(asked.stdout)
    assert second["text"] == "你叫小明。"
    assert (second["provider"], second["session_id"]) == ("tencent", first["session_id"])
    stranger = json.loads(ask(env, "--provider", "tencent", "我叫什么？").stdout)
    assert "小明" not in stranger["text"], "a new conversation is a new session"


def test_ask_tencent_refuses_a_question_over_300_bytes(env, tencent) -> None:
    before = tencent.requests["nlp/nlp_textchat"]
    result = cli(env, "ask", "--provider", "tencent", "问" * 101)  # 303 bytes
    assert result.returncode == 2
    assert "303 bytes; Tencent's chatbot takes at most 300 bytes" in result.stderr
    assert "Traceback" not in result.stderr
    assert tencent.requests["nlp/nlp_textchat"] == before, "nothing was sent"
    fits = cli(env, "ask", "--provider", "tencent", "问" * 100)
    assert fits.returncode == 0, fits.stderr
    assert "问" * 100 in fits.stdout


def test_ask_tencent_with_no_answer_says_so(env, tencent) -> None:
    result = cli(env, "ask", "--provider", "tencent", "#silent")
    assert result.returncode == 1
    assert "no answer" in result.stderr and "Traceback" not in result.stderr


def test_models_lists_tencent_as_one_entry(env) -> None:
    listed = cli(env, "models", "--provider", "tencent", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [{"provider": "tencent", "id": "tencent", "default": True}]
    every = json.loads(cli(env, "models", "--json").stdout)
    assert {"provider": "tencent", "id": "tencent", "default": True} in every


def test_ask_tencent_without_its_settings(env) -> None:
    env = {k: v for k, v in env.items() if not k.startswith("AICHAT_TENCENT_")}
    result = cli(env, "ask", "--provider", "tencent", "你好")
    assert result.returncode == 2
    assert "Tencent is not set up" in result.stderr and "AICHAT_TENCENT_APP_ID" in result.stderr


def test_demo_remembers_a_tencent_conversation_between_commands(isolated_env) -> None:
    """`--demo` starts an emulator per command: what the platform keeps must outlive it."""
    env = dict(os.environ)
    told = cli(env, "--demo", "ask", "--provider", "tencent", "--json", "我叫小红")
    assert told.returncode == 0, told.stderr
    conversation = json.loads(told.stdout)["session_id"]
    asked = cli(env, "--demo", "ask", "--session", conversation, "我叫什么？")
    assert (asked.returncode, asked.stdout) == (0, "你叫小红。\n"), asked.stderr
    tongyi = [cli(env, "--demo", "ask", "--json", "hello")]
    tongyi.append(cli(env, "--demo", "ask", "--json", "--session",
                      json.loads(tongyi[0].stdout)["session_id"], "again"))
    assert "turn 2 of this conversation" in json.loads(tongyi[1].stdout)["text"]
