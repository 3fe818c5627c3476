"""Realistic markdown of an exact length for the `#bench` scenario (prose, a list, a long fence)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

_PROSE = (
    "Streaming a long answer is mostly a question of doing little work per event. ",
    "Each snapshot repeats everything sent so far, so a client should only look at the tail. ",
    "渲染器只需要处理新增的部分,已经显示的内容保持不变。",
    "Markdown makes this harder than plain text: a fence opened early changes how every later "
    "line is drawn. ",
    "Lists and tables are similar, since their layout depends on rows that have not arrived. ",
    "A good renderer re-parses only the last block and leaves the finished ones alone. ",
)
_CHECKLIST = (
    "- **Parse** only the tail of the document\n",
    "- Keep finished blocks exactly as they are\n",
    "- Coalesce screen updates to one per frame\n",
    "- 在结束时做一次完整的渲染\n",
)


def _python_blocks() -> Iterator[str]:
    """An endless, valid Python module, one top-level block at a time."""
    yield "import asyncio\nfrom dataclasses import dataclass\n"
    for i in itertools.count(1):
        yield (
            "\n\n@dataclass(frozen=True)\n"
            f"class Chunk{i}:\n"
            f'    """Piece {i} of a streamed reply."""\n\n'
            "    index: int\n"
            "    text: str\n"
            "\n\n"
            f"async def consume_{i}(queue: asyncio.Queue[Chunk{i}]) -> str:\n"
            "    parts: list[str] = []\n"
            "    while (chunk := await queue.get()).text:\n"
            f"        parts.append(chunk.text.strip())  # stage {i}: keep the order\n"
            '    return "".join(parts)\n'
        )


def markdown_of_length(chars: int) -> str:
    """`chars` characters: ~15 % prose, a checklist, a ```python fence up to ~75 %, then notes.

    The fence is closed whenever `chars` leaves room for it (a few hundred characters), so the
    finished reply is well-formed markdown like a real long answer.
    """
    parts: list[str] = []
    size = 0

    def add(piece: str) -> None:
        nonlocal size
        parts.append(piece)
        size += len(piece)

    prose = itertools.cycle(_PROSE)
    add("# Streaming long replies\n\n")
    while size < chars * 0.15:
        add(next(prose))
    add("\n\n## Checklist\n\n")
    for item in _CHECKLIST:
        add(item)
    add("\n## Example\n\n```python\n")
    for block in _python_blocks():
        add(block)
        if size >= chars * 0.75:
            break
    add("```\n\n## Notes\n\n")
    while size < chars:
        add(next(prose))
    return "".join(parts)[:chars]
