"""Players on real audio paths that exist without a sound card: miniaudio's null backend,
and ALSA's `null` PCM (selected through ALSA_CONFIG_PATH, in a subprocess so this process's
ALSA configuration is untouched)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap

import miniaudio
import pytest

from tui.audio.player import PcmQueue
from tui.audio.player_miniaudio import MiniaudioPlayer
from tui.audio.recording import RecordingPlayer
from tui.domain.errors import AudioError

SECOND = 48_000  # bytes of PCM s16le 24 kHz mono


def test_queue_hands_out_chunks_back_to_back():
    queue = PcmQueue()
    queue.put(b"\x01\x00" * 3)
    queue.put(b"\x02\x00" * 3)
    assert queue.take(8) == b"\x01\x00" * 3 + b"\x02\x00"
    assert queue.take(100) == b"\x02\x00" * 2
    assert queue.queued_bytes == 0


async def test_queue_is_idle_only_after_the_device_asks_past_the_last_audio():
    queue = PcmQueue()
    await queue.wait_idle()  # nothing queued: idle at once
    queue.put(b"\x00\x00" * 10)
    waiter = asyncio.ensure_future(queue.wait_idle())
    queue.take(20)  # handed to the device, still sounding
    await asyncio.sleep(0)
    assert not waiter.done()
    queue.take(20)  # the device wants more: what it had has played
    await asyncio.wait_for(waiter, 5)


async def test_clearing_the_queue_releases_waiters():
    queue = PcmQueue()
    queue.put(bytes(SECOND))
    waiter = asyncio.ensure_future(queue.wait_idle())
    await asyncio.sleep(0)
    queue.clear()
    await asyncio.wait_for(waiter, 5)
    assert queue.queued_bytes == 0


async def test_recording_player_keeps_what_it_plays_in_order():
    player = RecordingPlayer()
    player.play(b"ab")
    player.play(b"")
    player.play(b"cd")
    await player.drain()
    assert bytes(player.pcm) == b"abcd" and [a.size for a in player.arrivals] == [2, 2]
    player.close()
    with pytest.raises(AudioError):
        player.play(b"ef")


@pytest.fixture
def null_player():
    player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL])
    yield player
    player.close()


async def test_null_device_plays_everything_queued_then_drain_returns(null_player):
    assert null_player.backend_name == "Null"
    for _ in range(3):
        null_player.play(bytes(SECOND // 10))
    await asyncio.wait_for(null_player.drain(), 10)
    assert null_player.queued_bytes == 0


async def test_stop_drops_queued_audio_at_once_and_the_player_plays_again(null_player):
    null_player.play(bytes(60 * SECOND))  # a minute: drain would take that long
    null_player.stop()
    await asyncio.wait_for(null_player.drain(), 5)
    assert null_player.queued_bytes == 0
    null_player.play(bytes(SECOND // 20))
    await asyncio.wait_for(null_player.drain(), 5)


def run_headless(script: str, alsa_config: str, tmp_path) -> subprocess.CompletedProcess:
    config = tmp_path / "asound.conf"
    config.write_text(alsa_config)
    env = {**os.environ, "ALSA_CONFIG_PATH": str(config),
           # No sound server either, so the result is the same on a desktop.
           "PULSE_SERVER": f"unix:{tmp_path}/no-pulse", "JACK_NO_START_SERVER": "1"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=env,
                          capture_output=True, text=True, timeout=60)


def test_no_device_is_one_clear_error_and_alsa_stays_quiet(tmp_path):
    result = run_headless("""
        from tui.audio.player import open_player
        from tui.domain.errors import NoSoundDevice
        try:
            open_player("miniaudio")
        except NoSoundDevice as e:
            print(e)
    """, "", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("No sound device is available. Write the audio to a file instead: "
                             "`aichat-tui say --out FILE`.\n")
    assert result.stderr == "", "alsa-lib must not write on the terminal"


PLAY_AND_STOP = """
    import asyncio, json
    from tui.audio.player import open_player

    async def main():
        player = open_player({backend!r})
        for _ in range(4):
            player.play(bytes(12_000))        # 4 x 0.25 s, queued as they would stream in
        await asyncio.wait_for(player.drain(), 30)
        player.play(bytes(48_000 * 120))      # two minutes...
        player.stop()                         # ...dropped at once
        await asyncio.wait_for(player.drain(), 5)
        player.play(bytes(4_800))
        await asyncio.wait_for(player.drain(), 30)
        player.close()
        print(json.dumps({{"backend": getattr(player, "backend_name", {backend!r})}}))

    asyncio.run(main())
"""


def test_miniaudio_plays_through_alsa(tmp_path):
    result = run_headless(PLAY_AND_STOP.format(backend="miniaudio"),
                          "pcm.!default { type null }\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"backend": "ALSA"}


def test_simpleaudio_plays_through_alsa(tmp_path):
    pytest.importorskip("simpleaudio", reason="the optional extra aichat-tui[simpleaudio] is "
                                              "not installed (it needs libasound2-dev to build)")
    result = run_headless(PLAY_AND_STOP.format(backend="simpleaudio"),
                          "pcm.!default { type null }\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"backend": "simpleaudio"}


def test_simpleaudio_without_a_device_is_no_sound_device(tmp_path):
    pytest.importorskip("simpleaudio", reason="the optional extra aichat-tui[simpleaudio] is "
                                              "not installed (it needs libasound2-dev to build)")
    result = run_headless("""
        from tui.audio.player import open_player
        from tui.domain.errors import NoSoundDevice
        try:
            open_player("simpleaudio")
        except NoSoundDevice as e:
            print(type(e).__name__)
    """, "", tmp_path)
    assert (result.stdout, result.stderr) == ("NoSoundDevice\n", "")
