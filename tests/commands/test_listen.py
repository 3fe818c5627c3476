"""`aichat-tui listen` as a user runs it: subprocesses against an emulator in another thread,
with audio made by `aichat-tui say --out` in another process."""

from __future__ import annotations

import io
import json
import wave

import lameenc
import miniaudio
import pytest

from tests.commands.cli_support import cli
from tui.emulator import EmulatorConfig

TEXT = "Hello there. What is the weather like in Shanghai? 你好，世界。"


@pytest.fixture(scope="module")
def served_config():
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0,
                            asr_packet_latency=0.0, asr_final_latency=0.0,
                          asr_rest_latency=0.0, asr_rest_latency_per_second=0.0)


def resampled(path, rate: int, suffix: str):
    """The same speech at another sample rate, re-encoded."""
    pcm = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16,
                                nchannels=1, sample_rate=rate).samples.tobytes()
    out = path.with_name(f"{path.stem}_{rate}{suffix}")
    if suffix == ".wav":
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        out.write_bytes(buffer.getvalue())
    else:
        encoder = lameenc.Encoder()
        encoder.set_in_sample_rate(rate)
        encoder.set_channels(1)
        encoder.set_bit_rate(48)
        out.write_bytes(bytes(encoder.encode(pcm)) + bytes(encoder.flush()))
    return out


@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
@pytest.mark.parametrize("rate", [24000, 16000])
def test_say_then_listen_round_trip(env, tmp_path, suffix, rate):
    said = tmp_path / f"said{suffix}"
    assert cli(env, "say", "--out", str(said), TEXT).returncode == 0
    heard = said if rate == 24000 else resampled(said, rate, suffix)
    assert miniaudio.get_file_info(str(heard)).sample_rate == rate
    result = cli(env, "listen", str(heard))
    assert result.returncode == 0, result.stderr
    assert result.stdout == TEXT + "\n"


def test_json_and_demo(env, tmp_path):
    said = tmp_path / "said.wav"
    cli(env, "say", "--out", str(said), "One two three.")
    demo_env = {k: v for k, v in env.items() if not k.startswith("AICHAT_QINIU")}
    result = cli(demo_env, "--demo", "listen", "--json", str(said))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["text"] == "One two three."
    assert 1000 < answer["duration_ms"] < 3000


def test_a_url_uses_the_rest_call(env, file_server, served):
    cli(env, "say", "--out", str(file_server.root / "q.mp3"), TEXT)
    before = served.qiniu.asr.frames[:]
    result = cli(env, "listen", f"{file_server.url}/q.mp3")
    assert result.returncode == 0, result.stderr
    assert result.stdout == TEXT + "\n"
    assert served.qiniu.asr.frames == before  # no WebSocket frames: REST


def test_live_input_from_a_file_standing_in_for_the_microphone(env, tmp_path):
    said = tmp_path / "said.wav"
    cli(env, "say", "--out", str(said), "Turn on the lights.")
    live_env = {**env, "AICHAT_AUDIO_INPUT": f"file:{said}", "AICHAT_VOICE_SILENCE_TIMEOUT": "0.5"}
    result = cli(live_env, "listen")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Turn on the lights.\n"


@pytest.mark.parametrize(("make", "code", "words"), [
    (lambda p: p / "missing.wav", 2, "There is no audio file"),
    (lambda p: (p / "notes.mp3").write_text("hello") and p / "notes.mp3", 2,
     "is not audio that can be decoded"),
])
def test_bad_files_say_what_to_do(env, tmp_path, make, code, words):
    result = cli(env, "listen", str(make(tmp_path)))
    assert result.returncode == code
    assert words in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_refused_key_exits_1(env, tmp_path):
    said = tmp_path / "said.wav"
    cli(env, "say", "--out", str(said), "Hi.")
    result = cli({**env, "AICHAT_QINIU_API_KEY": "sk-wrong"}, "listen", str(said))
    assert result.returncode == 1
    assert "Qiniu API key was refused" in result.stderr and "sk-wrong" not in result.stderr


def test_no_microphone_is_one_clear_message(env):
    result = cli({**env, "AICHAT_AUDIO_INPUT": "microphone"}, "listen")
    if result.returncode == 0:
        pytest.skip("this machine has a microphone")  # the message is for machines without one
    assert result.returncode == 1
    assert "No microphone was found" in result.stderr and 'input = "file:PATH"' in result.stderr
