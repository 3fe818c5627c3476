"""Voice-activity boundaries on generated speech and silence (the emulator's speech tones)."""

from __future__ import annotations

import io
import random
import wave
from array import array

import miniaudio
import pytest

from tui.audio.sources import PcmSource
from tui.audio.vad import SpeechEnded, SpeechStarted, VoiceActivity, until_silence
from tui.domain.transcript import BYTES_PER_SECOND
from tui.emulator.qiniu.synth import synthesize, voice_pitch


def spoken(text: str) -> bytes:
    pcm = b"".join(s.pcm for s in synthesize(text, voice_pitch("qiniu_en_male_msyyn")))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(24000)
        w.writeframes(pcm)
    return miniaudio.decode(buffer.getvalue(), output_format=miniaudio.SampleFormat.SIGNED16,
                            nchannels=1, sample_rate=16000).samples.tobytes()


def silence(seconds: float) -> bytes:
    return bytes(int(BYTES_PER_SECOND * seconds) // 2 * 2)


def with_noise(pcm: bytes, amplitude: int) -> bytes:
    rng = random.Random(7)
    return array("h", (max(-32768, min(32767, v + rng.randint(-amplitude, amplitude)))
                       for v in array("h", pcm))).tobytes()


def ms(pcm: bytes) -> int:
    return round(len(pcm) * 1000 / BYTES_PER_SECOND)


@pytest.mark.parametrize("noise", [0, 100])
def test_boundaries_of_two_utterances(noise):
    first, second = spoken("Hello there, how are you today?"), spoken("Fine, thanks.")
    audio = silence(1.0) + first + silence(1.5) + second + silence(1.0)
    events = VoiceActivity(hangover_ms=400).feed(with_noise(audio, noise))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded, SpeechStarted, SpeechEnded]
    second_start = 1000 + ms(first) + 1500
    assert events[0].at_ms == pytest.approx(1000, abs=20)
    assert events[2].at_ms == pytest.approx(second_start, abs=20)
    # The end is the last voiced frame: inside the utterance's trailing pause, never after it.
    assert 1000 + ms(first) - 500 <= events[1].at_ms <= 1000 + ms(first)
    assert second_start + ms(second) - 500 <= events[3].at_ms <= second_start + ms(second)


def test_pauses_between_words_do_not_end_speech():
    events = VoiceActivity(hangover_ms=400).feed(spoken("One, two, three. Four, five.")
                                                 + silence(1.0))
    assert [type(e) for e in events] == [SpeechStarted, SpeechEnded]


def test_silence_and_hum_are_not_speech():
    assert VoiceActivity().feed(silence(2.0) + with_noise(silence(2.0), 100)) == []


async def test_until_silence_stops_the_source_after_the_timeout():
    speech = spoken("Turn on the lights.")
    source = PcmSource(silence(0.5) + speech, then_silence=True)
    heard = b"".join([c async for c in until_silence(source.chunks(), source.stop, 1.0)])
    # Speech, then about the silence timeout (it ends at the last voiced frame), then stop.
    assert ms(heard) == pytest.approx(500 + ms(speech) + 1000, abs=450)
