"""`aichat-tui voices` and `aichat-tui say` as a user runs them: subprocesses against the emulator."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
import wave

import httpx
import pytest

from tests.commands.cli_support import cli
from tui.audio.decode import decode, duration_ms
from tui.emulator import DEMO, EmulatorConfig

TEXT = "Hello **there**. This is `say`, speaking! 你好，世界。"
SPOKEN = ["Hello there. ", "This is say, speaking! ", "你好，世界。"]


@pytest.fixture(scope="module")
def served_config():
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0)


def without_settings(isolated_env) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_", "AICHAT_"))}
    env["AICHAT_TUI_CONFIG"] = str(isolated_env / "none.toml")
    env["AICHAT_TUI_DATA_DIR"] = str(isolated_env / "data")
    return env


def stated_ms(served, texts: list[str], voice: str = "qiniu_zh_female_wwxkjx") -> int:
    total = 0
    for text in texts:
        answer = httpx.post(f"{served.base_url}/v1/voice/tts",
                            headers={"Authorization": f"Bearer {DEMO.qiniu_api_key}"},
                            json={"audio": {"voice_type": voice, "encoding": "pcm"},
                                  "request": {"text": text}}).json()
        total += int(answer["addition"]["duration"])
    return total


def test_voices_json_is_the_catalogue(env):
    result = cli(env, "voices", "--json")
    assert result.returncode == 0, result.stderr
    voices = json.loads(result.stdout)
    assert len(voices) == 38 + 4  # Qiniu's catalogue, then Tencent's four speakers
    assert voices[0] == {"voice_type": "qiniu_zh_female_tmjxxy", "name": "甜美教学小源",
                         "category": "传统音色", "language": "zh", "gender": "female",
                         "preview_url": voices[0]["preview_url"]}
    assert voices[0]["preview_url"].endswith("/v1/voice/preview/qiniu_zh_female_tmjxxy.mp3")


@pytest.mark.parametrize(("category", "count"), [("Bilingual", 10), ("特殊音色", 14), ("standard", 14)])
def test_voices_by_category(env, category, count):
    assert len(json.loads(cli(env, "voices", "--json", "--category", category).stdout)) == count


def test_an_unknown_category_lists_the_real_ones(env):
    result = cli(env, "voices", "--category", "Robots")
    assert result.returncode == 2
    assert "'Robots'" in result.stderr and "双语音色 (Bilingual)" in result.stderr


def test_voices_piped_is_one_line_per_voice(env):
    lines = cli(env, "voices").stdout.splitlines()
    assert len(lines) == 38 + 4
    assert lines[14].split("\t") == ["qiniu_en_female_azyy", "澳洲英语女", "en", "female", "双语音色"]


def test_voices_on_a_terminal_is_a_table_marking_the_voice_in_use(env):
    leader, follower = pty.openpty()
    env = {**env, "AICHAT_QINIU_VOICE": "qiniu_en_male_msyyn"}
    process = subprocess.run([sys.executable, "-m", "tui", "voices"], env=env, stdout=follower,
                             stderr=subprocess.PIPE, timeout=60)
    os.close(follower)
    output = b""
    while chunk := _read(leader):
        output += chunk
    os.close(leader)
    lines = output.decode().splitlines()
    assert process.returncode == 0
    assert lines[0].split() == ["VOICE", "TYPE", "NAME", "LANGUAGE", "GENDER", "CATEGORY"]
    assert [line.split()[:2] for line in lines if line.startswith("*")] == \
        [["*", "qiniu_en_male_msyyn"]]
    assert "42 voices." in lines[-1]


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the follower side is closed: everything was read
        return b""


def test_say_out_writes_a_wav_of_the_spoken_length(env, served, isolated_env):
    out = isolated_env / "speech.wav"
    result = cli(env, "say", "--out", str(out), TEXT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Wrote {out} (")
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24_000, 1, 2)
        assert round(w.getnframes() / 24) == stated_ms(served, SPOKEN)


def test_a_file_name_with_escapes_is_echoed_inert(env, isolated_env):
    # A file name is text too (a script passing names it found): shown, never obeyed.
    out = isolated_env / "report\x1b]52;c;eA==\x07\u202ewav.wav"
    result = cli(env, "say", "--out", str(out), "Hello.", text=False)
    assert result.returncode == 0, result.stderr
    assert out.exists()
    assert b"\x1b" not in result.stdout and "\u202e".encode() not in result.stdout
    assert "report␛]52;c;eA==␇\\u202ewav.wav".encode() in result.stdout


def test_say_out_writes_an_mp3_of_the_spoken_length(env, served, isolated_env):
    out = isolated_env / "speech.mp3"
    result = cli(env, "say", "--voice", "qiniu_zh_male_ljfdxz", "--speed", "1.5", "--out", str(out),
                 "-", stdin=TEXT)
    assert result.returncode == 0, result.stderr
    length = duration_ms(decode(out.read_bytes(), "mp3"))
    # One request (the text fits), so one encoder delay at most.
    packed = "".join(SPOKEN)
    expected = int(httpx.post(f"{served.base_url}/v1/voice/tts",
                              headers={"Authorization": f"Bearer {DEMO.qiniu_api_key}"},
                              json={"audio": {"voice_type": "qiniu_zh_male_ljfdxz", "encoding": "mp3",
                                              "speed_ratio": 1.5}, "request": {"text": packed}}
                              ).json()["addition"]["duration"])
    assert length == pytest.approx(expected, abs=80)


def test_saying_it_again_makes_no_request(env, served, isolated_env):
    assert cli(env, "say", "--out", str(isolated_env / "a.wav"), "Cached once, said twice.").returncode == 0
    before = sum(served.qiniu.requests.values())
    assert cli(env, "say", "--out", str(isolated_env / "b.wav"), "Cached once, said twice.").returncode == 0
    assert sum(served.qiniu.requests.values()) == before
    assert (isolated_env / "a.wav").read_bytes() == (isolated_env / "b.wav").read_bytes()


@pytest.mark.parametrize(("args", "says"), [
    (["--out", "speech.ogg", "hi"], "must end in .wav or .mp3"),
    (["--speed", "9", "hi"], "--speed must be from 0.2 to 3.0"),
    ([], "TEXT"),
    (["--out", "x.wav", "***"], "nothing to speak"),
])
def test_say_usage_errors_exit_2(env, args, says):
    result = cli(env, "say", *args)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr


def test_say_without_a_sound_device_exits_1_with_one_clear_line(env, served, isolated_env):
    (isolated_env / "asound.conf").write_text("")
    before = sum(served.qiniu.requests.values())
    result = cli({**env, "ALSA_CONFIG_PATH": str(isolated_env / "asound.conf"),
                  "PULSE_SERVER": f"unix:{isolated_env}/no-pulse"}, "say", "Hello.")
    assert result.returncode == 1
    assert result.stderr == ("aichat-tui: No sound device is available. Write the audio to a "
                             "file instead: `aichat-tui say --out FILE`.\n")
    assert sum(served.qiniu.requests.values()) == before, "no request before a device is found"


def test_say_with_an_unknown_voice_exits_2_naming_it(env, isolated_env):
    result = cli(env, "say", "--voice", "qiniu_xx_robot", "--out", str(isolated_env / "x.wav"), "hi")
    assert result.returncode == 2, "a usage error: the --voice given is not one of Qiniu's"
    assert len(result.stderr.splitlines()) == 1 and "'qiniu_xx_robot'" in result.stderr


def test_a_refused_key_exits_1_without_showing_it(env, isolated_env):
    wrong = "sk-" + "cd" * 32
    result = cli({**env, "AICHAT_QINIU_API_KEY": wrong}, "voices", "--refresh")
    assert result.returncode == 1
    assert "The Qiniu API key was refused" in result.stderr and wrong not in result.stderr


def test_no_key_is_a_settings_error_naming_where_to_set_it(isolated_env):
    result = cli(without_settings(isolated_env), "say", "--out", str(isolated_env / "x.wav"), "hi")
    assert result.returncode == 2
    assert "AICHAT_QINIU_API_KEY" in result.stderr and str(isolated_env / "none.toml") in result.stderr


def test_service_down_exits_1_naming_the_host(env, isolated_env):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli({**env, "AICHAT_QINIU_BASE_URL": f"http://127.0.0.1:{port}/v1"}, "voices")
    assert result.returncode == 1
    assert f"Could not reach Qiniu at 127.0.0.1:{port}" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_demo_needs_no_settings(isolated_env):
    out = isolated_env / "demo.wav"
    result = cli(without_settings(isolated_env), "--demo", "say", "--out", str(out), "Demo time.")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 44
    listed = cli(without_settings(isolated_env), "--demo", "voices", "--json")
    assert len(json.loads(listed.stdout)) == 38 + 4  # --demo sets Tencent up too
