"""Reply scripts of the emulated Tongyi stream, chosen by a `#keyword` in the question.

A script is a lazy sequence of steps (the events of a reply, keep-alive pings, an in-stream
failure, a cut connection) and the pause between events; stream.py turns it into bytes.
Content keywords pick what is said (the first one in the question wins); framing keywords
(`#keepalive`, `#merged`, `#nolastblank`) change how it is framed and combine with any content.
docs/emulator.md is the reference for users and tests: keep the two in step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tui.emulator.aliyun.bench_text import markdown_of_length

# How a well-formed event ends; "\n" alone leaves it open, so the next `data:` line joins it.
EVENT_END = "\n\n"


@dataclass(frozen=True)
class Opening:
    """The first event of every reply: ids only, no MessageBody, IsAIGC false."""


@dataclass(frozen=True)
class Clarify:
    title: str
    content: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    """One cumulative snapshot: the whole reply so far, as SentenceList items."""

    sentences: tuple[str, ...]
    end: bool = False
    content_type: str = "RICH_TEXT"
    clarify: Clarify | None = None
    sys_to_agent: str | None = None  # MessageBody.Commands.sysToAgent, a JSON string
    terminator: str = EVENT_END


@dataclass(frozen=True)
class Ping:
    """A `:ping` comment line between events."""


@dataclass(frozen=True)
class Failure:
    """A `success: false` event; the stream ends after it."""

    code: str
    message: str


@dataclass(frozen=True)
class Cut:
    """The connection is closed abruptly: no StreamEnd, no end of the HTTP body."""


Step = Opening | Reply | Ping | Failure | Cut


@dataclass(frozen=True)
class Question:
    utterance: str
    turn: int  # 1 on the first turn of a session
    event_delay: float


@dataclass(frozen=True)
class Script:
    steps: Iterable[Step]
    pace: float  # seconds between two events


# -- building blocks -----------------------------------------------------------------------

def _prefixes(text: str, count: int) -> Iterator[str]:
    """`count` growing cuts of `text`, the last one complete (cut anywhere, like model tokens)."""
    size = len(text)
    return (text[: size * k // count] for k in range(1, count + 1))


def _word_prefixes(text: str) -> Iterator[str]:
    words = text.split(" ")
    return (" ".join(words[:k]) for k in range(1, len(words) + 1))


def _single(texts: Iterable[str]) -> Iterator[tuple[str, ...]]:
    return ((text,) for text in texts)


def _answer(snapshots: Iterable[tuple[str, ...]], *, empties: int = 4, repeats: int = 2,
            closing: Mapping[str, Any] | None = None, **fields: Any) -> Iterator[Step]:
    """Shaped like the recorded real stream: an opening event, a few empty snapshots,
    the growing ones, then the final snapshot `repeats` more times, the last with StreamEnd.
    `closing` holds fields only those repeated final events carry."""
    yield Opening()
    for _ in range(empties):
        yield Reply(("",), **fields)
    last: tuple[str, ...] = ("",)
    for last in snapshots:
        yield Reply(last, **fields)
    for i in range(repeats):
        yield Reply(last, end=i == repeats - 1, **fields, **(closing or {}))


def _paced(steps: Iterable[Step], question: Question) -> Script:
    return Script(steps, question.event_delay)


# -- content scenarios ---------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff]")


def normal(question: Question) -> Script:
    asked = question.utterance.strip()
    if _CJK.search(asked):
        text = (f"你问的是:“{asked}”。我是 aichat-tui 内置的模拟服务,并不真正理解问题,"
                f"但这条回复的流式格式与真实的通义服务一致:先是几条空事件,然后内容逐步变长,"
                f"最后一条事件标记结束。(turn {question.turn} of this conversation)")
    else:
        text = (f"You asked: “{asked}”. I am the aichat-tui emulator standing in for Tongyi, "
                f"so I cannot really answer — but this reply streams exactly like the real "
                f"service: a few empty events first, then growing text, and the last event "
                f"marks the end. (turn {question.turn} of this conversation)")
    return _paced(_answer(_single(_prefixes(text, 6))), question)


MARKDOWN_REPLY = '''## Reading a file line by line in Python

Here is a short guide. **Cumulative** streaming means every event carries the *whole* reply so \
far, which is why a renderer must diff snapshots instead of appending them.

### Steps

1. Open the file with a context manager, so it is closed even when an error occurs.
2. Iterate over the file object: it yields one line at a time and never loads the whole file.
3. Strip the trailing newline with `rstrip("\\n")` before printing.

- Works for files of any size
- 支持 UTF-8 编码的中文内容
- Needs no third-party package

```python
from pathlib import Path


def count_words(path: Path) -> dict[str, int]:
    """Count how often each word appears in a text file."""
    counts: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            for word in line.split():
                counts[word] = counts.get(word, 0) + 1
    return counts


if __name__ == "__main__":
    print(count_words(Path("README.md")))
```

| Approach | Memory | Speed |
|---|---|---|
| `for line in f` | constant | fast |
| `f.read()` | the whole file | fastest for small files |

> Tip: for huge files, combine this with `itertools.islice` to peek at the first lines.

That is all — ask me if you want the same in another language.'''


def markdown(question: Question) -> Script:
    return _paced(_answer(_single(_prefixes(MARKDOWN_REPLY, 24))), question)


MULTI_SENTENCES = (
    "Tongyi replies can hold several sentences.",
    " Each one arrives as its own SentenceList item.",
    " The reply text is all of them joined together.",
    " This fourth sentence is the last one.",
)


def multi(question: Question) -> Script:
    def snapshots() -> Iterator[tuple[str, ...]]:
        for index, sentence in enumerate(MULTI_SENTENCES):
            for part in _prefixes(sentence, 3):
                yield (*MULTI_SENTENCES[:index], part)

    return _paced(_answer(snapshots(), content_type="PLAIN_TEXT"), question)


# Text earlier in the reply is corrected (not an extension of the previous snapshot), later the
# second item is withdrawn (the list and the text shrink), then the reply grows again.
REWRITE_SNAPSHOTS = (
    ("The Great Wall is about 5,000 km long",),
    ("The Great Wall is about 5,000 km long.", " It was built"),
    ("The Great Wall is about 21,196 km long.", " It was built"),
    ("The Great Wall is about 21,196 km long.", " It was built over many centuries by"),
    ("The Great Wall is about 21,196 km long.",),
    ("The Great Wall is about 21,196 km long.", " Several dynasties built it over many"),
    ("The Great Wall is about 21,196 km long.",
     " Several dynasties built it over many centuries."),
)


def rewrite(question: Question) -> Script:
    return _paced(_answer(REWRITE_SNAPSHOTS), question)


CLARIFY = Clarify(
    title="Which one did you mean?",
    content="Your question matches several topics. Please pick one:",
    options=("Reset my password", "Change my phone number", "Close my account"),
)


def clarify(question: Question) -> Script:
    steps = _answer((), empties=0, repeats=3, clarify=CLARIFY)
    return _paced(steps, question)


HUMAN_REPLY = ("I understand you would like to talk to a person. I am handing this "
               "conversation over to a human agent now, please hold on.")
SYS_TO_AGENT = json.dumps({"reason": "USER_REQUEST", "skillGroupId": "default"},
                          separators=(",", ":"))


def human(question: Question) -> Script:
    steps = _answer(_single(_prefixes(HUMAN_REPLY, 4)), closing={"sys_to_agent": SYS_TO_AGENT})
    return _paced(steps, question)


FAIL_PARTIAL = "Let me look that up for you. The answer depends on"
FAIL_CODE = "ModelServiceError"
FAIL_MESSAGE = "The model service failed while generating the answer. Please try again later."


def fail(question: Question) -> Script:
    def steps() -> Iterator[Step]:
        yield Opening()
        yield Reply(("",))
        for text in _prefixes(FAIL_PARTIAL, 3):
            yield Reply((text,))
        yield Failure(FAIL_CODE, FAIL_MESSAGE)

    return _paced(steps(), question)


DISCONNECT_PARTIAL = "This reply is cut off in the middle of a sent"


def disconnect(question: Question) -> Script:
    def steps() -> Iterator[Step]:
        yield Opening()
        yield Reply(("",))
        for text in _prefixes(DISCONNECT_PARTIAL, 3):
            yield Reply((text,))
        yield Cut()

    return _paced(steps(), question)


SLOW_REPLY = ("This reply is deliberately slow: one word arrives every fifth of a second, which "
              "leaves time to press Escape and cancel it, to watch the status line say "
              "streaming, or to kill the app and check that the partial reply was safely saved.")
SLOW_MIN_PACE = 0.2


def slow(question: Question) -> Script:
    # One word per event: 43 words, an opening, four empty and two repeated events make 50.
    pace = max(10 * question.event_delay, SLOW_MIN_PACE)
    return Script(_answer(_single(_word_prefixes(SLOW_REPLY))), pace)


ANSI_REPLY = ("Terminal escapes ahead: a clipboard write \x1b]52;c;aGk=\x07, a screen clear "
              "\x1b[2J and a bell \x07. A bidi override makes report\u202etxt.exe read backwards. "
              "A safe client shows them inert instead of obeying them.")


def ansi(question: Question) -> Script:
    return _paced(_answer(_single(_prefixes(ANSI_REPLY, 5))), question)


BENCH_DEFAULTS = {"chars": 2000, "events": 100, "rate": 0.0}
BENCH_LIMITS = {"chars": 2_000_000, "events": 100_000}
_BENCH_ARGUMENT = re.compile(r"\b(chars|events|rate)=(\S+)")
_BENCH_USAGE = (f"#bench takes chars=N events=M rate=R with 1 <= N <= {BENCH_LIMITS['chars']}, "
                f"1 <= M <= {BENCH_LIMITS['events']} and R >= 0 events per second "
                f"(0 = as fast as possible).")


def bench(question: Question) -> Script:
    """Exactly `events` cumulative events of `chars` characters in all, `rate` events/s."""
    settings: dict[str, float] = dict(BENCH_DEFAULTS)
    try:
        for name, value in _BENCH_ARGUMENT.findall(question.utterance):
            settings[name] = float(value)
    except ValueError:
        return Script([Failure("InvalidParameter", _BENCH_USAGE)], 0.0)
    chars, events, rate = int(settings["chars"]), int(settings["events"]), settings["rate"]
    if not (1 <= chars <= BENCH_LIMITS["chars"] and 1 <= events <= BENCH_LIMITS["events"]
            and rate >= 0):
        return Script([Failure("InvalidParameter", _BENCH_USAGE)], 0.0)
    text = markdown_of_length(chars)
    steps = (Reply((text[: chars * k // events],), end=k == events)
             for k in range(1, events + 1))
    return Script(steps, 1 / rate if rate else 0.0)


CONTENT: dict[str, Callable[[Question], Script]] = {
    "markdown": markdown, "multi": multi, "rewrite": rewrite, "clarify": clarify,
    "human": human, "fail": fail, "disconnect": disconnect, "slow": slow, "ansi": ansi,
    "bench": bench,
}


# -- framing variants ----------------------------------------------------------------------

def _closes_event(step: Step) -> bool:
    return not isinstance(step, Reply) or step.terminator == EVENT_END


def _merged(steps: Iterable[Step]) -> Iterator[Step]:
    """Leave the first non-empty event open so the next one's `data:` line joins it."""
    done = False
    for step in steps:
        if not done and isinstance(step, Reply) and any(step.sentences) and not step.end:
            step, done = replace(step, terminator="\n"), True
        yield step


def _no_last_blank(steps: Iterable[Step]) -> Iterator[Step]:
    for step in steps:
        yield replace(step, terminator="\n") if isinstance(step, Reply) and step.end else step


def _keepalive(steps: Iterable[Step]) -> Iterator[Step]:
    previous: Step | None = None
    for step in steps:
        # Never between two glued lines: that would split the event #merged means to join.
        if previous is not None and _closes_event(previous):
            yield Ping()
        yield step
        previous = step


FRAMING: dict[str, Callable[[Iterable[Step]], Iterator[Step]]] = {
    "merged": _merged, "nolastblank": _no_last_blank, "keepalive": _keepalive,
}

_KEYWORD = re.compile(r"#([A-Za-z]+)")


def script_for(question: Question) -> Script:
    keywords = [word.lower() for word in _KEYWORD.findall(question.utterance)]
    content = next((CONTENT[word] for word in keywords if word in CONTENT), normal)
    script = content(question)
    steps = script.steps
    # A fixed order, so that #keepalive sees the events #merged has glued.
    for name in ("merged", "nolastblank", "keepalive"):
        if name in keywords:
            steps = FRAMING[name](steps)
    return replace(script, steps=steps)
