"""Decoding real MP3/WAV to our PCM format, and the on-disk audio cache."""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import wave

import pytest

from tui.audio.cache import AudioCache
from tui.audio.decode import decode, duration_ms, to_wav
from tui.domain.errors import AudioError
from tui.emulator.qiniu.encode import encode_segments  # an independent encoder (LAME)


def tone(seconds: float, rate: int = 24_000, frequency: float = 440.0) -> bytes:
    count = int(seconds * rate)
    return struct.pack(f"<{count}h", *(round(8000 * math.sin(2 * math.pi * frequency * i / rate))
                                       for i in range(count)))


def wav_file(pcm: bytes, rate: int, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def test_mp3_decodes_to_24khz_mono_of_the_right_length():
    mp3 = b"".join(encode_segments([tone(0.5), tone(0.7)], "mp3"))
    pcm = decode(mp3, "mp3")
    assert duration_ms(pcm) == pytest.approx(1200, abs=80)


def test_wav_at_another_rate_and_in_stereo_is_converted():
    mono = tone(1.0, rate=44_100)
    stereo = b"".join(mono[i:i + 2] * 2 for i in range(0, len(mono), 2))
    pcm = decode(wav_file(stereo, 44_100, channels=2), "wav")
    assert duration_ms(pcm) == pytest.approx(1000, abs=5)
    assert len(pcm) == pytest.approx(48_000, abs=100)


def test_pcm_passes_through_and_to_wav_round_trips():
    pcm = tone(0.25)
    assert decode(pcm, "pcm") == pcm
    with wave.open(io.BytesIO(to_wav(pcm))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24_000, 1, 2)
        assert w.readframes(w.getnframes()) == pcm


@pytest.mark.parametrize(("data", "encoding", "says"), [
    (b"<html>not audio</html>" * 20, "mp3", "could not be decoded"),
    (b"\x00\x01\x02", "pcm", "half a sample"),
])
def test_damaged_audio_is_an_audio_error(data, encoding, says):
    with pytest.raises(AudioError, match=says):
        decode(data, encoding)


def test_cache_keys_on_everything_that_shapes_the_audio(tmp_path):
    cache = AudioCache(tmp_path)
    cache.put(b"audio", "pcm", "voice-a", 1.0, "Hello.")
    assert cache.get("pcm", "voice-a", 1.0, "Hello.") == b"audio"
    assert AudioCache(tmp_path).get("pcm", "voice-a", 1.0, "Hello.") == b"audio"
    for other in [("pcm", "voice-b", 1.0, "Hello."), ("pcm", "voice-a", 1.2, "Hello."),
                  ("pcm", "voice-a", 1.0, "Hello!"), ("mp3", "voice-a", 1.0, "Hello.")]:
        assert cache.get(*other) is None


def test_cache_drops_the_least_recently_used_past_its_size(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=2500)
    cache.put(b"a" * 1000, "a")
    cache.put(b"b" * 1000, "b")
    assert cache.get("a")  # used: now the most recent
    # b was used long ago (set explicitly: file times can be coarser than this test is quick)
    os.utime(next(p for p in tmp_path.glob("??/*") if p.read_bytes()[:1] == b"b"), (1, 1))
    cache.put(b"c" * 1000, "c")
    cache.settle()  # pruning runs off the caller's thread
    assert cache.get("b") is None
    assert cache.get("a") and cache.get("c")


def test_an_unwritable_cache_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = AudioCache(blocker / "cache")
    cache.put(b"audio", "key")
    assert cache.get("key") is None


def test_cached_audio_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        AudioCache(tmp_path / "tts").put(b"audio", "key")
    finally:
        os.umask(old)
    [entry] = (tmp_path / "tts").glob("??/*")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
