"""The OpenAI-compatible provider against the emulator over real sockets: every stream case."""

from __future__ import annotations

import stat
import time

import pytest

from tui.backends import registry
from tui.domain.errors import AuthError, NetworkError, RateLimited, ServiceError, StreamInterrupted
from tui.domain.events import ContextTrimmed, ReasoningChanged, ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest, Turn
from tui.emulator.openai_chat import scenarios
from tui.settings import load_settings


@pytest.fixture
def settings(emulator_env):
    return load_settings()


async def collect(provider, request):
    """Every event, and the error the stream ended with (None when it finished)."""
    events, error = [], None
    try:
        async for event in provider.stream_reply(request):
            events.append(event)
    except Exception as e:  # the error is part of what the test checks
        error = e
    finally:
        await provider.aclose()
    return events, error


def text_of(events):
    texts = [e.text for e in events if isinstance(e, TextChanged)]
    # Each edit applied to the previous text gives the next one: the stream is consistent.
    built = ""
    for event in events:
        if isinstance(event, TextChanged):
            built = event.edit.apply(built)
            assert built == event.text
    return texts[-1] if texts else ""


async def test_a_normal_reply_streams_and_finishes(settings):
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("Hello there"))
    assert error is None
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.text == text_of(events)
    assert finished.text.startswith("You asked: “Hello there”. I am the aichat-tui emulator "
                                    "standing in for deepseek-v3")
    assert finished.finish_reason == "stop" and finished.model == "deepseek-v3"
    assert finished.message_id.startswith("chatcmpl-") and finished.reasoning == ""
    assert len([e for e in events if isinstance(e, TextChanged)]) >= 5


async def test_a_reasoning_model_thinks_first_then_answers(settings, emulator):
    events, error = await collect(registry.build(settings, "qiniu"),
                                  ChatRequest("Why is the sky blue?", model="deepseek-r1"))
    assert error is None
    kinds = [type(e).__name__ for e in events]
    first_text = kinds.index("TextChanged")
    assert set(kinds[:first_text]) == {"ReasoningChanged"}
    assert "ReasoningChanged" not in kinds[first_text:]
    finished = events[-1]
    thoughts = [e.text for e in events if isinstance(e, ReasoningChanged)]
    assert finished.reasoning == thoughts[-1]
    assert finished.reasoning.startswith("The user asks: “Why is the sky blue?”")
    assert "The user asks" not in finished.text
    assert finished.model == "deepseek-r1"


@pytest.mark.parametrize(("keyword", "reason", "text"), [
    ("#length", "length", scenarios.LENGTH_PARTIAL),
    ("#filter", "content_filter", scenarios.FILTER_PARTIAL),
])
async def test_finish_reasons_other_than_stop_are_reported(settings, keyword, reason, text):
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest(keyword))
    assert error is None
    assert events[-1].finish_reason == reason and events[-1].text == text


async def test_an_error_inside_the_stream_keeps_the_partial_text(settings):
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("#fail"))
    assert isinstance(error, ServiceError)
    assert scenarios.FAIL_MESSAGE in str(error) and "What arrived is kept" in str(error)
    assert text_of(events) == scenarios.FAIL_PARTIAL


async def test_a_dropped_connection_is_an_interruption_with_the_partial_text(settings):
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("#disconnect"))
    assert isinstance(error, StreamInterrupted)
    assert text_of(events) == scenarios.DISCONNECT_PARTIAL
    assert not any(isinstance(e, ReplyFinished) for e in events)


async def test_a_refused_key_says_where_to_set_it_and_never_shows_it(emulator_env, monkeypatch):
    monkeypatch.setenv("AICHAT_QINIU_API_KEY", "sk-wrong-key-0123456789")
    events, error = await collect(registry.build(load_settings(), "qiniu"), ChatRequest("hi"))
    assert isinstance(error, AuthError)
    assert "AICHAT_QINIU_API_KEY" in str(error) and "api_key" in str(error)
    assert "sk-wrong-key" not in str(error)


async def test_an_unknown_model_says_how_to_list_models(settings):
    events, error = await collect(registry.build(settings, "qiniu"),
                                  ChatRequest("hi", model="no-such-model"))
    assert isinstance(error, ServiceError) and error.code == "model_not_found"
    assert "no-such-model" in str(error) and "aichat-tui models --provider qiniu" in str(error)


async def test_rate_limits_and_server_errors_are_retried(settings, emulator):
    emulator.qiniu_chat.inject_faults([429, 503], retry_after=0.05)
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("hi"))
    assert error is None and events[-1].finish_reason == "stop"
    assert emulator.qiniu_chat.requests["chat"] == 3


async def test_rate_limited_after_every_retry_says_so(settings, emulator):
    emulator.qiniu_chat.inject_faults([429] * 4, retry_after=0.01)
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("hi"))
    assert isinstance(error, RateLimited) and error.retry_after == pytest.approx(0.01)
    assert "limiting requests" in str(error)
    assert emulator.qiniu_chat.requests["chat"] == 4


async def test_a_wait_longer_than_the_cap_fails_at_once(settings, emulator):
    emulator.qiniu_chat.inject_faults([429], retry_after=3600)
    started = time.monotonic()
    events, error = await collect(registry.build(settings, "qiniu"), ChatRequest("hi"))
    assert isinstance(error, RateLimited) and "asked to wait 60 minutes" in str(error)
    assert time.monotonic() - started < 5 and emulator.qiniu_chat.requests["chat"] == 1


async def test_a_server_that_does_not_answer_times_out_clearly(settings):
    from tui.backends.openai import OpenAIProvider

    provider = OpenAIProvider(registry.endpoint(settings, "qiniu"), context_chars=1000,
                              timeout=0.3)
    started = time.monotonic()
    events, error = await collect(provider, ChatRequest("#stall"))
    assert isinstance(error, NetworkError) and "did not answer in time" in str(error)
    assert time.monotonic() - started < 5


async def test_earlier_turns_go_with_the_question_after_the_system_prompt(emulator_env,
                                                                         emulator, monkeypatch):
    monkeypatch.setenv("AICHAT_CHAT_SYSTEM_PROMPT", "You are terse.")
    history = (Turn("user", "What is 2+2?"), Turn("assistant", "4."))
    events, error = await collect(registry.build(load_settings(), "qiniu"),
                                  ChatRequest("And doubled?", history=history))
    assert error is None
    assert events[0] == ContextTrimmed(sent=2, omitted=0)
    assert emulator.qiniu_chat.received[-1]["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4."},
        {"role": "user", "content": "And doubled?"}]
    assert "your previous question was “What is 2+2?”" in events[-1].text
    assert "I received 2 earlier messages" in events[-1].text


async def test_older_turns_beyond_the_budget_are_left_out_newest_kept(emulator_env, emulator,
                                                                     monkeypatch):
    monkeypatch.setenv("AICHAT_CHAT_CONTEXT_CHARS", "250")
    history = tuple(Turn("user" if i % 2 == 0 else "assistant", f"turn {i} " + "x" * 50)
                    for i in range(10))
    events, error = await collect(registry.build(load_settings(), "qiniu"),
                                  ChatRequest("#context", history=history))
    assert error is None
    assert events[0] == ContextTrimmed(sent=4, omitted=6)
    sent = emulator.qiniu_chat.received[-1]["messages"]
    assert [m["content"][:6] for m in sent[:-1]] == ["turn 6", "turn 7", "turn 8", "turn 9"]
    assert "I received 4 earlier messages" in events[-1].text


async def test_web_search_adds_the_suffix_for_qiniu_only(settings, emulator):
    events, error = await collect(registry.build(settings, "qiniu"),
                                  ChatRequest("news?", model="qwen3-max", search=True))
    assert error is None and "qwen3-max with web search" in events[-1].text
    assert emulator.qiniu_chat.received[-1]["model"] == "qwen3-max?search"
    await collect(registry.build(settings, "openai"), ChatRequest("news?", search=True))
    assert emulator.local_chat.received[-1]["model"] == "llama3.1:8b"


async def test_a_server_without_keys_and_the_first_listed_model(emulator_env, emulator,
                                                                monkeypatch):
    monkeypatch.delenv("AICHAT_OPENAI_MODEL")
    settings = load_settings()
    assert not settings.openai.api_key
    events, error = await collect(registry.build(settings, "openai"), ChatRequest("hi"))
    assert error is None and events[-1].model == "llama3.1:8b"
    assert emulator.local_chat.received[-1]["model"] == "llama3.1:8b"


async def test_models_are_listed_with_slashes_and_dots_and_cached(settings, emulator):
    entries = await registry.list_models(settings, "qiniu")
    ids = [e.id for e in entries]
    assert ids[:2] == ["deepseek-v3", "deepseek-r1"]
    assert "deepseek/deepseek-v3.1-terminus" in ids and "glm-4.5" in ids
    assert await registry.list_models(settings, "qiniu") == entries
    assert emulator.qiniu_chat.requests["models"] == 1
    await registry.list_models(settings, "qiniu", refresh=True)
    assert emulator.qiniu_chat.requests["models"] == 2
    assert await registry.list_models(settings, "tongyi") == [
        registry.ModelEntry("tongyi", "tongyi", None)]


async def test_the_model_list_cache_is_private_and_keeps_no_credentials(emulator_env, emulator,
                                                                          monkeypatch):
    # A proxy's credentials may ride in the base URL; the cache file must not keep them.
    url = emulator_env["AICHAT_OPENAI_BASE_URL"].replace("http://", "http://me:pw-s3cret@")
    monkeypatch.setenv("AICHAT_OPENAI_BASE_URL", url)
    settings = load_settings()
    entries = await registry.list_models(settings, "openai")
    assert [e.id for e in entries] == list(emulator.local_chat.models)
    cache = settings.cache_dir / "models.json"
    assert "pw-s3cret" not in cache.read_text() and "llama3.1:8b" in cache.read_text()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.cache_dir.stat().st_mode) == 0o700
    assert await registry.list_models(settings, "openai") == entries
    assert emulator.local_chat.requests["models"] == 1  # the second came from the cache
