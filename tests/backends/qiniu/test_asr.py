"""Qiniu ASR against the emulator over real sockets: framing byte for byte, partial results,
every server frame type, every error, the REST call, the microphone path."""

from __future__ import annotations

import asyncio
import gzip
import json
import struct

import miniaudio
import pytest

from tests.spoken import spoken
from tui.audio.sources import MicrophoneSource, PcmSource
from tui.audio.vad import until_silence
from tui.backends.qiniu.asr import QiniuRecognizer
from tui.domain.errors import AudioError, AuthError, NetworkError, ServiceError
from tui.domain.secret import Secret
from tui.domain.transcript import BYTES_PER_SECOND, TranscriptChanged, TranscriptFinished
from tui.emulator import DEMO, EmulatorConfig
from tui.settings import QiniuSettings

TEXT = "Hello there. This is a question about the weather?"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0,
                          asr_packet_latency=0.0, asr_final_latency=0.0, asr_rest_latency=0.0,
                          asr_rest_latency_per_second=0.0)


@pytest.fixture
async def recognizer(emulator):
    rec = QiniuRecognizer(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key),
                                        base_url=f"{emulator.base_url}/v1"), timeout=5.0)
    yield rec
    await rec.aclose()


async def speech(emulator, text: str = TEXT, encoding: str = "mp3") -> bytes:
    return await spoken(emulator, text, encoding)


async def run(recognizer, chunks):
    events = [event async for event in recognizer.transcribe(chunks)]
    assert isinstance(events[-1], TranscriptFinished)
    return events


async def test_frames_byte_for_byte(emulator, recognizer):
    pcm = await speech(emulator)
    events = await run(recognizer, PcmSource(pcm).chunks())
    assert events[-1].text == TEXT
    assert events[-1].duration_ms == round(len(pcm) * 1000 / BYTES_PER_SECOND)
    frames = emulator.qiniu.asr.frames
    config = frames[0]
    assert config[:4] == bytes.fromhex("11111100")
    sequence, size = struct.unpack(">iI", config[4:12])
    assert sequence == 1 and size == len(config) - 12
    assert json.loads(gzip.decompress(config[12:])) == {
        "user": {"uid": json.loads(gzip.decompress(config[12:]))["user"]["uid"]},
        "audio": {"format": "pcm", "sample_rate": 16000, "bits": 16, "channel": 1,
                  "codec": "raw"},
        "request": {"model_name": "asr", "enable_punc": True}}
    audio = frames[1:]
    sent = b""
    for number, frame in enumerate(audio, start=2):
        last = number == len(audio) + 1
        assert frame[:4] == bytes.fromhex("11221100" if last else "11211100")
        sequence, size = struct.unpack(">iI", frame[4:12])
        assert sequence == (-number if last else number)
        assert size == len(frame) - 12
        packet = gzip.decompress(frame[12:])
        assert 100 <= len(packet) * 1000 / BYTES_PER_SECOND <= 300, number
        sent += packet
    assert sent == pcm


@pytest.mark.parametrize("seconds", [0.35, 0.5, 0.65, 1.0, 2.05])
async def test_every_packet_is_100_to_300_ms_whatever_the_length(emulator, recognizer, seconds):
    pcm = bytes(int(BYTES_PER_SECOND * seconds) // 2 * 2)
    await run(recognizer, PcmSource(pcm).chunks())
    sizes = [len(gzip.decompress(f[12:])) * 1000 / BYTES_PER_SECOND
             for f in emulator.qiniu.asr.frames[1:]]
    assert all(100 <= size <= 300 for size in sizes), sizes
    assert sum(sizes) == pytest.approx(seconds * 1000, abs=1)


async def test_partial_transcripts_arrive_before_the_audio_ends(emulator, recognizer):
    pcm = await speech(emulator)
    ended = asyncio.Event()

    async def spoken():
        async for chunk in PcmSource(pcm, realtime=True).chunks():
            yield chunk
        ended.set()

    early = []
    async for event in recognizer.transcribe(spoken()):
        if isinstance(event, TranscriptChanged) and not ended.is_set():
            early.append(event.text)
    assert len(early) >= 3
    assert TEXT.startswith(early[0]) and len(early[0]) < len(TEXT)
    assert early == sorted(early, key=len)


async def test_uncompressed_frames_read_the_same(emulator, recognizer):
    emulator.qiniu.asr.plain_frames = True
    events = await run(recognizer, PcmSource(await speech(emulator, encoding="wav")).chunks())
    assert events[-1].text == TEXT


async def test_audio_that_is_not_emulator_speech_gets_the_placeholder(emulator, recognizer):
    events = await run(recognizer, PcmSource(bytes(BYTES_PER_SECOND * 2)).chunks())
    assert events[-1].text == "[emulated ASR: 2.0 s of audio with no emulator speech in it]"


async def test_a_refused_key_is_an_auth_error(emulator):
    rec = QiniuRecognizer(QiniuSettings(api_key=Secret("sk-wrong"),
                                        base_url=f"{emulator.base_url}/v1"))
    with pytest.raises(AuthError, match="Qiniu API key was refused") as caught:
        await run(rec, PcmSource(bytes(6400)).chunks())
    assert "sk-wrong" not in str(caught.value)
    with pytest.raises(AuthError):
        await rec.transcribe_url(f"{emulator.base_url}/v1/voice/preview/x.mp3")
    await rec.aclose()


@pytest.mark.parametrize(("code", "kind", "words"), [
    (45000151, AudioError, "could not hear the audio"),
    (45000001, ServiceError, "refused the speech recognition"),
])
async def test_an_error_frame_is_a_clear_error(emulator, recognizer, code, kind, words):
    emulator.qiniu.asr.fail_audio = (code, "something went wrong")
    with pytest.raises(kind, match=words) as caught:
        await run(recognizer, PcmSource(bytes(BYTES_PER_SECOND)).chunks())
    assert f"code {code}: something went wrong" in str(caught.value)


async def test_a_silent_server_times_out(emulator):
    emulator.qiniu.asr.silent = True
    rec = QiniuRecognizer(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key),
                                        base_url=f"{emulator.base_url}/v1"), timeout=0.5)
    with pytest.raises(NetworkError, match="made no progress for 0.5 s"):
        await run(rec, PcmSource(bytes(BYTES_PER_SECOND)).chunks())
    await rec.aclose()


async def test_nothing_listening_is_a_network_error():
    rec = QiniuRecognizer(QiniuSettings(api_key=Secret("k"), base_url="http://127.0.0.1:9/v1"),
                          timeout=2.0)
    with pytest.raises(NetworkError, match="Could not reach Qiniu at 127.0.0.1:9"):
        await run(rec, PcmSource(bytes(6400)).chunks())
    await rec.aclose()


async def test_rest_call_for_an_audio_url(emulator, recognizer):
    # The voice previews are the emulator's own speech, served from a public URL.
    url = f"{emulator.base_url}/v1/voice/preview/qiniu_en_male_msyyn.mp3"
    finished = await recognizer.transcribe_url(url)
    assert finished.text == "Hello! This is how I sound. Shall I read your replies?"
    assert finished.duration_ms > 1000


async def test_rest_errors(emulator, recognizer, file_server):
    with pytest.raises(ServiceError, match="HTTP 404"):
        await recognizer.transcribe_url(f"{emulator.base_url}/v1/voice/preview/nobody.mp3")
    (file_server.root / "notes.mp3").write_text("not audio at all")
    with pytest.raises(AudioError, match="could not hear the audio"):
        await recognizer.transcribe_url(f"{file_server.url}/notes.mp3")


async def test_a_failing_audio_source_ends_the_session_with_its_error(emulator, recognizer):
    async def broken():
        yield bytes(BYTES_PER_SECOND)
        raise AudioError("The microphone went away.")

    with pytest.raises(AudioError, match="microphone went away"):
        await run(recognizer, broken())


async def test_live_input_stops_after_the_silence_timeout(emulator, recognizer):
    """The microphone path with a scripted source: speech, then a quiet room."""
    pcm = await speech(emulator)
    source = PcmSource(pcm, realtime=True, then_silence=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    events = await run(recognizer, until_silence(source.chunks(), source.stop, 0.5))
    elapsed = loop.time() - started
    assert events[-1].text == TEXT
    speech_seconds = len(pcm) / BYTES_PER_SECOND
    assert speech_seconds < elapsed < speech_seconds + 2.0


async def test_null_capture_device_streams_silence_until_it_gives_up(emulator, recognizer):
    mic = MicrophoneSource([miniaudio.Backend.NULL])
    events = await run(recognizer, until_silence(mic.chunks(), mic.stop, 0.5, give_up_after=0.6))
    assert events[-1].text.startswith("[emulated ASR:") and 500 <= events[-1].duration_ms < 1500
