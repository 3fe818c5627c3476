"""The third witness: the official `openai` package talks to the emulator and gets exactly
what aichat-tui's own client gets — so the emulator speaks the real protocol, not a dialect
shared with the client."""

from __future__ import annotations

import openai
import pytest

from tui.backends import registry
from tui.domain.events import ReplyFinished
from tui.domain.providers import ChatRequest
from tui.emulator import DEMO
from tui.settings import load_settings


@pytest.fixture
def sdk(emulator):
    client = openai.AsyncOpenAI(base_url=f"{emulator.base_url}/v1", api_key=DEMO.qiniu_api_key,
                                max_retries=0)
    yield client


async def ours(question: str, model: str) -> ReplyFinished:
    provider = registry.build(load_settings(), "qiniu")
    try:
        async for event in provider.stream_reply(ChatRequest(question, model=model)):
            last = event
    finally:
        await provider.aclose()
    assert isinstance(last, ReplyFinished)
    return last


@pytest.mark.parametrize(("question", "model"), [
    ("Hello, witness", "deepseek-v3"), ("#markdown please", "qwen3-max"),
    ("Think first", "deepseek-r1"), ("#length", "glm-4.5")])
async def test_the_sdk_streams_the_same_text_reasoning_and_finish(sdk, emulator_env, question,
                                                                  model):
    stream = await sdk.chat.completions.create(
        model=model, messages=[{"role": "user", "content": question}], stream=True)
    text, reasoning, finish = [], [], None
    async for chunk in stream:
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            # Not an OpenAI field: the SDK keeps unknown fields as extras, as it should.
            reasoning.append(getattr(choice.delta, "reasoning_content", None) or "")
            finish = choice.finish_reason or finish
    mine = await ours(question, model)
    assert "".join(text) == mine.text and mine.text
    assert "".join(reasoning) == mine.reasoning
    assert finish == mine.finish_reason


async def test_the_sdk_lists_the_same_models(sdk, emulator_env):
    listed = [model.id async for model in sdk.models.list()]
    assert listed == [e.id for e in await registry.list_models(load_settings(), "qiniu")]
    assert "deepseek/deepseek-v3.1-terminus" in listed


async def test_the_sdk_gets_the_same_non_streaming_answer(sdk, emulator_env):
    completion = await sdk.chat.completions.create(
        model="deepseek-v3", messages=[{"role": "user", "content": "Hello, witness"}])
    mine = await ours("Hello, witness", "deepseek-v3")
    assert completion.choices[0].message.content == mine.text


async def test_the_sdk_reads_the_emulators_errors(sdk, emulator_env):
    with pytest.raises(openai.NotFoundError) as caught:
        await sdk.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert caught.value.code == "model_not_found"
    bad = openai.AsyncOpenAI(base_url=str(sdk.base_url), api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await bad.models.list()
    stream = await sdk.chat.completions.create(
        model="deepseek-v3", messages=[{"role": "user", "content": "#fail"}], stream=True)
    with pytest.raises(openai.APIError) as failed:
        async for _ in stream:
            pass
    assert "backend failed" in str(failed.value)
