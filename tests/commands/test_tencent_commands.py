"""`say --voice tencent-*`, `voices` and `keywords` as a user runs them: subprocesses against the
emulator, with keyword results posted back to the command's own receiver over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import pytest

from tui.emulator import Emulator, EmulatorConfig


@pytest.fixture(scope="module")
def served():
    config = EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0,
                            tencent_callback_delay=0.05, tencent_callback_retry_delay=0.05,
                            tencent_segment_gap=0.05)
    with Emulator.in_thread(config) as emu:
        yield emu


@pytest.fixture
def env(served, isolated_env):
    return {**os.environ, **served.client_env()}


def cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_voices_lists_tencent_beside_qiniu(env) -> None:
    result = cli(env, "voices", "--json")
    assert result.returncode == 0, result.stderr
    voices = {v["voice_type"]: v for v in json.loads(result.stdout)}
    assert any(name.startswith("qiniu_") for name in voices)
    assert voices["tencent-1"]["gender"] == "male"
    assert [voices[f"tencent-{n}"]["gender"] for n in (5, 6, 7)] == ["female"] * 3


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
    assert junk.returncode == 1 and "not audio that can be read" in junk.stderr
