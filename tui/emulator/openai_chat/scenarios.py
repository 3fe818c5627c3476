"""Reply scripts of the emulated OpenAI-compatible chat API, chosen by a `#keyword` in the
last user message (the first content keyword wins), as for the Tongyi emulator.

A script is a sequence of steps (thinking and answer pieces, keep-alive comments, the finish
reason, an in-stream error, a cut connection); stream.py turns it into SSE chunks, and the
non-streaming route into one completion. docs/emulator.md is the reference: keep it in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from tui.emulator.aliyun.bench_text import markdown_of_length
from tui.emulator.aliyun.scenarios import MARKDOWN_REPLY
from tui.emulator.openai_chat.catalogue import is_reasoning


@dataclass(frozen=True)
class Think:
    """A piece of `delta.reasoning_content`."""

    text: str


@dataclass(frozen=True)
class Say:
    """A piece of `delta.content`."""

    text: str


@dataclass(frozen=True)
class KeepAlive:
    """A `: keep-alive` comment line (sent while a reasoning model thinks)."""


@dataclass(frozen=True)
class Finish:
    reason: str


@dataclass(frozen=True)
class StreamError:
    """`data: {"error": {...}}` inside a 200 stream; the body ends after it."""

    message: str
    code: str


@dataclass(frozen=True)
class Cut:
    """The connection is dropped: no finish reason, no `[DONE]`, no end of the chunked body."""


Step = Think | Say | KeepAlive | Finish | StreamError | Cut


@dataclass(frozen=True)
class Question:
    """What a request asked, as the scenarios need it."""

    utterance: str  # the last user message
    model: str
    search: bool
    earlier: tuple[tuple[str, str], ...]  # (role, content) of the messages before it
    system: bool  # whether a system message came first
    event_delay: float


@dataclass(frozen=True)
class Script:
    steps: Iterable[Step]
    pace: float  # seconds between two chunks
    stall: float = 0.0  # seconds to wait before answering at all


# -- building blocks -----------------------------------------------------------------------

def pieces(text: str, count: int) -> list[str]:
    """`text` cut into `count` consecutive pieces (anywhere, like model tokens)."""
    size = len(text)
    cuts = [size * k // count for k in range(count + 1)]
    return [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text)


def _thinking(question: Question) -> Iterator[Step]:
    """What a reasoning model streams first: its thinking, with keep-alive comments."""
    if not is_reasoning(question.model):
        return
    thought = (f"The user asks: “{_short(question.utterance)}”. There are "
               f"{len(question.earlier)} earlier messages to take into account. I am an "
               "emulator, so the honest answer is to say so, briefly and clearly.")
    for index, piece in enumerate(_words(thought)):
        if index % 4 == 0:
            yield KeepAlive()
        yield Think(piece)


def _answer(question: Question, text: str, count: int, finish: str = "stop") -> Iterator[Step]:
    yield from _thinking(question)
    for piece in pieces(text, count):
        yield Say(piece)
    yield Finish(finish)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _paced(steps: Iterable[Step], question: Question) -> Script:
    return Script(steps, question.event_delay)


_CJK = re.compile(r"[\u3400-\u9fff]")


def _earlier_summary(question: Question) -> str:
    users = [content for role, content in question.earlier if role == "user"]
    said = f"I received {len(question.earlier)} earlier messages of this conversation"
    if users:
        said += f"; your previous question was “{_short(users[-1])}”"
    return said + ("" if not question.system else ", and a system prompt") + "."


# -- content scenarios ---------------------------------------------------------------------

def normal(question: Question) -> Script:
    asked = _short(question.utterance, 200)
    search = " with web search" if question.search else ""
    if _CJK.search(asked):
        text = (f"你问的是:“{asked}”。我是 aichat-tui 内置的模拟服务,扮演 {question.model}{search},"
                "并不真正理解问题,但这条回复的流式格式与真实的 OpenAI 兼容接口一致。")
    else:
        text = (f"You asked: “{asked}”. I am the aichat-tui emulator standing in for "
                f"{question.model}{search}, so I cannot really answer — but this reply streams "
                "exactly like a real OpenAI-compatible server.")
    return _paced(_answer(question, f"{text} {_earlier_summary(question)}", 8), question)


def context(question: Question) -> Script:
    """Lists every message received, so tests and users can see what was sent."""
    lines = [f"- {role}: {len(content)} characters" for role, content in question.earlier]
    text = (f"I received {len(question.earlier)} earlier messages"
            f"{' after a system prompt' if question.system else ''}.")
    if lines:
        text += "\n\n" + "\n".join(lines)
    return _paced(_answer(question, text, 4), question)


def markdown(question: Question) -> Script:
    return _paced(_answer(question, MARKDOWN_REPLY, 24), question)


LENGTH_PARTIAL = ("This answer is longer than the token limit allows, so the model stops in "
                  "the middle of the")


def length(question: Question) -> Script:
    return _paced(_answer(question, LENGTH_PARTIAL, 5, finish="length"), question)


FILTER_PARTIAL = "I would rather not continue with"


def content_filter(question: Question) -> Script:
    return _paced(_answer(question, FILTER_PARTIAL, 3, finish="content_filter"), question)


FAIL_PARTIAL = "Let me look that up for you. The answer depends on"
FAIL_CODE = "server_error"
FAIL_MESSAGE = "The model backend failed while generating the answer. Please retry."


def fail(question: Question) -> Script:
    def steps() -> Iterator[Step]:
        for piece in pieces(FAIL_PARTIAL, 3):
            yield Say(piece)
        yield StreamError(FAIL_MESSAGE, FAIL_CODE)

    return _paced(steps(), question)


DISCONNECT_PARTIAL = "This reply is cut off in the middle of a sent"


def disconnect(question: Question) -> Script:
    def steps() -> Iterator[Step]:
        for piece in pieces(DISCONNECT_PARTIAL, 3):
            yield Say(piece)
        yield Cut()

    return _paced(steps(), question)


SLOW_REPLY = ("This reply is deliberately slow: one word arrives every fifth of a second, which "
              "leaves time to press Escape and cancel it, or to kill the app and check that "
              "the partial reply was safely saved.")
SLOW_MIN_PACE = 0.2


def slow(question: Question) -> Script:
    steps: list[Step] = [*(Say(word) for word in _words(SLOW_REPLY)), Finish("stop")]
    return Script(steps, max(10 * question.event_delay, SLOW_MIN_PACE))


STALL_SECONDS = 120.0


def stall(question: Question) -> Script:
    """Accepts the request and then says nothing at all (a server that does not answer)."""
    return Script(_answer(question, "Sorry, I was asleep.", 1), question.event_delay,
                  stall=STALL_SECONDS)


BENCH_LIMITS = {"chars": 2_000_000, "events": 100_000}
_BENCH_ARGUMENT = re.compile(r"\b(chars|events|rate)=(\S+)")


def bench(question: Question) -> Script:
    """Exactly `events` content chunks of `chars` characters in all, at `rate` chunks/s."""
    settings = {"chars": 2000.0, "events": 100.0, "rate": 0.0}
    try:
        for name, value in _BENCH_ARGUMENT.findall(question.utterance):
            settings[name] = float(value)
    except ValueError:
        settings["chars"] = -1
    chars, events, rate = int(settings["chars"]), int(settings["events"]), settings["rate"]
    if not (1 <= chars <= BENCH_LIMITS["chars"] and rate >= 0
            and 1 <= events <= min(chars, BENCH_LIMITS["events"])):
        usage = (f"#bench takes chars=N events=M rate=R with 1 <= M <= N <= "
                 f"{BENCH_LIMITS['chars']} and R >= 0")
        return Script([StreamError(usage, "invalid_parameter")], 0.0)
    steps: list[Step] = [*(Say(piece) for piece in pieces(markdown_of_length(chars), events)),
                         Finish("stop")]
    return Script(steps, 1 / rate if rate else 0.0)


CONTENT: dict[str, Callable[[Question], Script]] = {
    "context": context, "markdown": markdown, "length": length, "filter": content_filter,
    "fail": fail, "disconnect": disconnect, "slow": slow, "stall": stall, "bench": bench,
}
_KEYWORD = re.compile(r"#([A-Za-z]+)")


def script_for(question: Question) -> Script:
    keywords = [word.lower() for word in _KEYWORD.findall(question.utterance)]
    return next((CONTENT[word] for word in keywords if word in CONTENT), normal)(question)
