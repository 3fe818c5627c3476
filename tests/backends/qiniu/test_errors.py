"""Every way speech can fail ends in a domain error that says what happened and what to do,
and never shows the API key."""

from __future__ import annotations

import socket

import pytest

from tui.backends.qiniu import QiniuSpeech
from tui.backends.qiniu.errors import QiniuErrors
from tui.domain.errors import (
    AuthError,
    InvalidInput,
    NetworkError,
    RateLimited,
    ServiceError,
    SettingsError,
)
from tui.domain.secret import Secret
from tui.settings import QiniuSettings

VOICE = "qiniu_zh_female_wwxkjx"
WRONG_KEY = "sk-" + "ab" * 32


async def stream_all(speech, text="你好。", voice=VOICE):
    return [chunk async for chunk in speech.stream(text, voice=voice, speed=1.0)]


async def synthesize(speech, text="你好。", voice=VOICE):
    return await speech.synthesize(text, voice=voice, speed=1.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("call", [lambda s: s.list_voices(), synthesize, stream_all])
async def test_a_refused_key_says_where_to_set_it(make_speech, tmp_path, call):
    speech = make_speech(key=WRONG_KEY)
    with pytest.raises(AuthError) as refused:
        await call(speech)
    assert str(refused.value) == ("The Qiniu API key was refused. Set api_key in [qiniu] of "
                                  f"{tmp_path / 'config.toml'} or AICHAT_QINIU_API_KEY.")


def test_no_key_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="AICHAT_QINIU_API_KEY") as missing:
        QiniuSpeech(QiniuSettings(), config_path=tmp_path / "config.toml")
    assert str(tmp_path / "config.toml") in str(missing.value)


@pytest.mark.parametrize("call", [synthesize, stream_all])
async def test_unknown_voice_names_it_and_where_to_find_voices(speech, call):
    with pytest.raises(ServiceError) as unknown:
        await call(speech, voice="qiniu_zh_female_nobody")
    message = str(unknown.value)
    assert "'qiniu_zh_female_nobody'" in message and "aichat-tui voices" in message
    assert unknown.value.code == "3050"


@pytest.mark.parametrize("call", [synthesize, stream_all])
@pytest.mark.parametrize(("text", "says"), [(" ", "no text to speak"), ("字" * 400, "1024 bytes")])
async def test_empty_or_too_long_text_is_invalid_input(speech, call, text, says):
    with pytest.raises(InvalidInput, match=says):
        await call(speech, text=text)


@pytest.mark.parametrize("call", [lambda s: s.list_voices(), synthesize, stream_all])
async def test_service_down_is_a_network_error_naming_the_host(make_speech, call):
    port = free_port()
    speech = make_speech(base_url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(NetworkError) as down:
        await call(speech)
    message = str(down.value)
    assert message.startswith(f"Could not reach Qiniu at 127.0.0.1:{port} (")
    assert "base_url" in message and "AICHAT_QINIU_BASE_URL" in message


@pytest.mark.parametrize("call", [lambda s: s.list_voices(), synthesize, stream_all])
async def test_an_outage_is_a_service_error_with_the_status(speech, emulator, call):
    emulator.qiniu.outage = 503
    with pytest.raises(ServiceError, match=r"HTTP 503.*Try again in a minute"):
        await call(speech)


@pytest.mark.parametrize("call", [lambda s: s.list_voices(), stream_all])
async def test_a_wrong_base_url_path_points_at_the_setting(make_speech, emulator, call):
    speech = make_speech(base_url=emulator.base_url)  # forgot the /v1
    with pytest.raises(ServiceError, match=r"HTTP 404.*base_url.*/v1"):
        await call(speech)


async def test_a_stream_that_breaks_off_says_so_after_the_audio_it_got(speech, emulator):
    emulator.qiniu.fail_stream_after = 2
    received = []
    with pytest.raises(NetworkError, match=r"broke off \(close code 1011, synthesis failed\)"):
        async for chunk in speech.stream("一二三四五六七八九十。" * 4, voice=VOICE, speed=1.0):
            received.append(chunk)
    assert len(received) == 2


def test_the_key_is_scrubbed_from_anything_the_service_echoes():
    errors = QiniuErrors("api.example", "/cfg.toml", WRONG_KEY)
    error = errors.from_status(500, f'{{"error": {{"message": "bad key {WRONG_KEY}"}}}}')
    assert WRONG_KEY not in str(error) and "bad key ***" in str(error)
    assert WRONG_KEY not in repr(Secret(WRONG_KEY))


def test_rate_limit_carries_retry_after():
    error = QiniuErrors("h", "c", "k").from_status(429, "slow down", retry_after="3")
    assert isinstance(error, RateLimited) and error.retry_after == 3.0


def test_error_messages_fall_back_from_error_message_to_message_to_text():
    errors = QiniuErrors("h", "c", "k")
    assert "boom" in str(errors.from_status(418, '{"error": {"message": "boom"}}'))
    assert "plain" in str(errors.from_status(418, '{"message": "plain"}'))
    assert "<html>oops" in str(errors.from_status(418, "<html>oops</html>"))
