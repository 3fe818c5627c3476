"""How a reply is put on screen while it streams: inert text, rewrites, growing code blocks."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Label, Markdown

from tests.ui.chat_support import (
    replies,
    screen_text,
    send,
    settings_for,
    wait_for_reply,
    words,
)
from tui.domain.inert_text import InertReply
from tui.domain.reply import ReplyText
from tui.emulator.aliyun.scenarios import REWRITE_SNAPSHOTS
from tui.ui.app import make_app
from tui.ui.widgets.fence_lines import FenceLines
from tui.ui.widgets.growing_paragraph import FREEZE_AT
from tui.ui.widgets.markdown_feed import MarkdownFeed
from tui.ui.widgets.reply_markdown import PIECE_LINES, ReplyFence, ReplyMarkdown, ReplyParagraph
from tui.ui.widgets.sealed_lists import SEALED


def test_inert_edits_follow_raw_edits_through_appends_and_rewrites():
    raw, inert = ReplyText(), InertReply()
    shown = ""
    # \x9b (a C1 control) is shown as four characters: positions shift after it.
    for snapshot in ("a\x9bb", "a\x9bbc\x1b[2J", "a\x9bX", "a\x9bX\x07 done"):
        edit = raw.update(snapshot)
        shown = inert.apply(edit, snapshot).apply(shown)
        assert shown == inert.text
    assert shown == "a\\x9bX␇ done"


async def test_a_rewritten_reply_ends_as_its_last_snapshot(emulator):
    app = make_app(settings_for(emulator))
    async with app.run_test() as pilot:
        await send(pilot, "#rewrite")
        await wait_for_reply(pilot)
        [reply] = replies(app)
        assert reply.copy_text == "".join(REWRITE_SNAPSHOTS[-1])
        assert reply.query_one(ReplyMarkdown).source == reply.copy_text


class OneReply(App[None]):
    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        yield ReplyMarkdown(self._text)


async def test_a_growing_code_block_is_highlighted_piece_by_piece_then_whole():
    lines = [f"value_{n} = {n} * 2  # line {n}" for n in range(3 * PIECE_LINES + 5)]
    app = OneReply()
    async with app.run_test() as pilot:
        markdown = app.query_one(ReplyMarkdown)
        feed = MarkdownFeed(markdown, frame=0)
        reply = ReplyText()
        text = "Here:\n\n```python\n"

        async def stream(more: list[str]) -> FenceLines:
            nonlocal text
            for n, line in enumerate(more):
                text += line + "\n"
                feed.apply(reply.update(text), text)
                if n % 4 == 0:
                    await pilot.pause()
            await pilot.pause()
            return markdown.query_one(ReplyFence).query_one(FenceLines)

        shown = await stream(lines[: 2 * PIECE_LINES + 1])
        first_pieces = shown.pieces[:2]
        assert await stream(lines[2 * PIECE_LINES + 1:]) is shown, "one widget for the block"
        # While streaming: pieces of PIECE_LINES lines, the full ones highlighted once.
        assert len(shown.pieces) == 4
        assert all(a is b for a, b in zip(shown.pieces, first_pieces, strict=False))
        assert shown.code == "\n".join(lines)

        await feed.finish(text + "```\n")
        fence = markdown.query_one(ReplyFence)
        assert not fence.query(FenceLines)
        [whole] = fence.query_children(Label)  # the final render: one piece, fully highlighted
        assert str(whole.content) == "\n".join(lines)
        assert fence.code == "\n".join(lines)


def python_lines(count: int) -> list[str]:
    return [f"    total_{n} = compute(total_{n - 1}, '{'x' * (n % 50)}')  # step {n}"
            for n in range(count)]


@asynccontextmanager
async def streaming_reply():
    """A reply widget fed as a reply streams, in an app of its own at 80x24: the pilot, the
    widget, its feed and the reply's text."""
    app = OneReply()
    async with app.run_test(size=(80, 24)) as pilot:
        markdown = app.query_one(ReplyMarkdown)
        yield pilot, markdown, MarkdownFeed(markdown, frame=0), ReplyText()


def cuts(step: int, stop: int, start: int = 0) -> list[int]:
    """Where a reply streamed in chunks of `step` characters ends after each, from `start`."""
    return [*range(start + step, stop, step), stop]


async def stream_cuts(pilot, feed: MarkdownFeed, reply: ReplyText, text: str,
                      ends: list[int], pause_every: int = 1) -> None:
    """Give `feed` the reply as it grows to each of `ends`, with a frame every `pause_every`
    edits and one after the last."""
    for n, end in enumerate(ends):
        feed.apply(reply.update(text[:end]), text[:end])
        if n % pause_every == 0:
            await pilot.pause()
    await pilot.pause()


async def screen_pages(pilot) -> list[str]:
    """Every screenful of the app, top to bottom."""
    screen = pilot.app.screen
    pages = []
    for y in range(0, screen.max_scroll_y + screen.size.height, screen.size.height - 1):
        screen.scroll_to(y=y, animate=False, immediate=True)
        await pilot.pause()
        pages.append(screen_text(pilot.app))
    return pages


async def whole_render_pages(text: str) -> list[str]:
    return (await whole_render(text))[0]


async def whole_render(text: str) -> tuple[list[str], str | None]:
    """The pages of `text` rendered whole, and the text selected by selecting its last block."""
    app = OneReply(text)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pages = await screen_pages(pilot)
        last = app.query_one(ReplyMarkdown).children[-1]
        (last.query_children().first() if isinstance(last, ReplyFence) else last
         ).text_select_all()
        return pages, app.screen.get_selected_text()


@pytest.mark.parametrize("count", [60, 700], ids=["highlighted whole at the end",
                                                  "huge: kept in pieces"])
async def test_a_long_code_block_streamed_in_reads_as_a_whole_render(count):
    code = "\n".join(python_lines(count))
    text = f"Some *prose* first.\n\n```python\n{code}\n```\n\nAnd a last word."
    async with streaming_reply() as (pilot, markdown, feed, reply):
        middle = text.index("```python") + len(code) // 2
        # Uneven chunks: lines arrive cut anywhere, the closing ``` too.
        await stream_cuts(pilot, feed, reply, text, cuts(97, middle), pause_every=5)
        assert markdown.query(FenceLines), "streamed in pieces"
        assert await screen_pages(pilot) == await whole_render_pages(text[:middle])

        await stream_cuts(pilot, feed, reply, text, cuts(101, len(text), start=middle),
                          pause_every=5)
        await feed.finish(text)
        await pilot.pause()
        assert markdown.source == text
        assert await screen_pages(pilot) == await whole_render_pages(text)
        fence = markdown.query_one(ReplyFence)
        fence.query_children().first().text_select_all()
        assert pilot.app.screen.get_selected_text() == code


async def test_what_could_close_a_code_block_is_parsed_as_markdown_does():
    # A ``` inside a ~~~ block, a closing fence cut in two, text after it: each read as a
    # whole render reads it.
    text = ("~~~\n" + "x = 1\n" * 30 + "```\nstill code\n~~~\n\nProse.\n\n"
            "```python\n" + "y = 2\n" * 40 + "`` not closed\n```\nOutside.\n")
    for size in (1, 7, 40):
        app = OneReply()
        async with app.run_test(size=(80, 24)) as pilot:
            markdown = app.query_one(ReplyMarkdown)
            feed = MarkdownFeed(markdown, frame=0)
            reply = ReplyText()
            await stream_cuts(pilot, feed, reply, text, cuts(size, len(text)))
            assert await screen_pages(pilot) == await whole_render_pages(text), size
            await feed.finish(text)


async def test_the_end_of_a_reply_renders_again_only_its_last_block():
    paragraphs = [f"Paragraph {n} with **bold** words." for n in range(30)]
    app = OneReply()
    async with app.run_test() as pilot:
        markdown = app.query_one(ReplyMarkdown)
        feed = MarkdownFeed(markdown, frame=0)
        reply, text = ReplyText(), ""
        for paragraph in paragraphs:
            text += paragraph + "\n\n"
            feed.apply(reply.update(text), text)
            await pilot.pause()
        text += "The last one, still growing"
        feed.apply(reply.update(text), text)
        await pilot.pause()
        before = list(markdown.children)
        await feed.finish(text + ", and finished.")
        await pilot.pause()
        after = list(markdown.children)
        assert after[:-1] == before[:-1], "the finished blocks are left alone"
        assert markdown.source == text + ", and finished."
        assert "The last one, still growing, and finished." in str(after[-1]._content)


async def test_a_huge_code_block_keeps_its_pieces_at_the_end():
    lines = [f"value_{n} = {n} * 2  # line {n} of a very long listing" for n in range(600)]
    code = "\n".join(lines)
    app = OneReply()
    async with app.run_test() as pilot:
        markdown = app.query_one(ReplyMarkdown)
        feed = MarkdownFeed(markdown, frame=0)
        reply, text = ReplyText(), "```python\n"
        for start in range(0, len(lines), 50):
            text += "\n".join(lines[start:start + 50]) + "\n"
            feed.apply(reply.update(text), text)
            await pilot.pause()
        await feed.finish(text + "```\n")
        await pilot.pause()
        [shown] = markdown.query_one(ReplyFence).query_children(FenceLines)
        assert len(shown.pieces) > 1, "not highlighted again whole"
        assert shown.code == code


async def test_an_enormous_reply_shows_a_part_says_so_and_is_saved_whole(emulator, history,
                                                                        monkeypatch):
    monkeypatch.setattr("tui.ui.widgets.messages.SHOW_LIMIT", 2000)
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#bench chars=9000 events=30")
        await wait_for_reply(pilot)
        [reply] = replies(app)
        assert len(reply.query_one(ReplyMarkdown).source) == 2000
        assert "… 7,000 more characters not shown here" in words(screen_text(app))
        assert len(reply.copy_text) == 9000
        [conversation] = history.list_conversations()
        assert len(history.messages(conversation.id)[-1].text) == 9000


PROSE = ("Streaming a long answer is mostly a question of doing little work per event. "
         "Some words are **bold**, some *leaning*, some `code_like(x)`, a [link](https://"
         "example.com/a_b) and 5 * 3 = 15 as plain text. 渲染器只需要处理新增的部分,"
         "已经显示的内容保持不变。Markdown makes this harder than plain text: "
         "averyveryverylongwordthatisfarwiderthanthescreenandmustbefoldedsomewhereinthemiddle"
         "ofitselfbecausenolinecanholdit ")


@pytest.mark.parametrize("opened", ["", "An *open emphasis that closes late. "],
                         ids=["self-contained", "an early opener"])
async def test_a_long_paragraph_streamed_in_reads_as_a_whole_render(opened):
    paragraph = opened + PROSE * 40 + ("and here it closes* " if opened else "") + PROSE * 5
    text = f"# Title\n\n{paragraph.rstrip()}"
    async with streaming_reply() as (pilot, markdown, feed, reply):
        middle = len(text) * 2 // 3
        await stream_cuts(pilot, feed, reply, text, cuts(89, middle), pause_every=5)
        assert markdown.children[-1].drawn_in_lines
        assert await screen_pages(pilot) == await whole_render_pages(text[:middle])
        await stream_cuts(pilot, feed, reply, text, cuts(93, len(text), start=middle),
                          pause_every=5)
        await feed.finish(text)
        await pilot.pause()
        assert markdown.children[-1].drawn_in_lines
        pages, selected = await whole_render(text)
        assert await screen_pages(pilot) == pages
        markdown.children[-1].text_select_all()
        assert pilot.app.screen.get_selected_text() == selected


LINES = ["Streaming a long answer is mostly a question of doing little work per event,",
         "   and a line may start after a few spaces, or end in two spaces for a break:  ",
         "渲染器只需要处理新增的部分,已经显示的内容保持不变。",
         "with **bold** and *leaning* words, `code_like(x)` and 5 * 3 = 15 as plain text."]


async def test_a_long_paragraph_of_many_lines_grows_without_being_parsed_again(monkeypatch):
    # Each line starts with a letter: it goes on the paragraph, wherever the appends cut it
    # (a line break at the end of one append, or at the start of the next).
    text = "# Title\n\n" + "\n".join(LINES * 40)
    breaks = [n for n, char in enumerate(text) if char == "\n"][2:]
    ends = sorted({*range(61, len(text), 61), *breaks[::2], *(n + 1 for n in breaks[1::2]),
                   len(text)})
    parsed = []
    whole_append = Markdown.append

    def counted(self, markdown):
        parsed.append(len(self.source))
        return whole_append(self, markdown)

    monkeypatch.setattr(Markdown, "append", counted)
    async with streaming_reply() as (pilot, markdown, feed, reply):
        await stream_cuts(pilot, feed, reply, text, ends, pause_every=5)
        assert markdown.children[-1].drawn_in_lines
        # Parsed whole only until it is long enough to be drawn in lines.
        assert max(parsed) < 2 * FREEZE_AT, parsed
        assert await screen_pages(pilot) == await whole_render_pages(text)
        await feed.finish(text)
        await pilot.pause()
        pages, selected = await whole_render(text)
        assert await screen_pages(pilot) == pages
        markdown.children[-1].text_select_all()
        assert pilot.app.screen.get_selected_text() == selected


def long_lists() -> dict[str, str]:
    bullets = "".join(
        f"- Item {n} with **bold** words and a line long enough to be wrapped on a narrow "
        f"screen, number {n}\n"
        + ("  - a nested point\n  - another one\n" if n % 7 == 3 else "")
        + ("  ```python\n  print(" + str(n) + ")\n  ```\n" if n % 11 == 5 else "")
        + ("  a lazy second line of the item\n" if n % 5 == 1 else "")
        for n in range(40))
    numbered = "".join(f"{n}. Step {n}: do the next thing, then check it\n" for n in range(1, 26))
    ones = "".join(f"1. Point {n}, numbered by the list\n" for n in range(20))
    return {"bullets": f"Intro.\n\n{bullets}\nAfter the list.",
            "numbered": f"Steps:\n\n{numbered}",
            "all ones": f"Points:\n\n{ones}"}


@pytest.mark.parametrize("kind", ["bullets", "numbered", "all ones"])
async def test_a_long_list_streamed_in_reads_as_a_whole_render(kind):
    text = long_lists()[kind]
    async with streaming_reply() as (pilot, markdown, feed, reply):
        middle = len(text) * 3 // 4
        await stream_cuts(pilot, feed, reply, text, cuts(23, middle))
        # Cut into parts as it grew (a list numbered "1." throughout is left whole).
        assert bool(markdown.query(f".{SEALED}")) == (kind != "all ones")
        assert await screen_pages(pilot) == await whole_render_pages(text[:middle])
        await stream_cuts(pilot, feed, reply, text, cuts(31, len(text), start=middle))
        await feed.finish(text)
        await pilot.pause()
        assert await screen_pages(pilot) == await whole_render_pages(text)


async def test_a_list_streamed_a_marker_at_a_time_keeps_each_item_once():
    # A chunk ending right after a marker ("*") makes an empty item, so far: it is the last.
    text = "Intro.\n\n" + "".join(f"* item {n} with a few words\n" for n in range(20))
    ends = sorted({*(n + 1 for n, char in enumerate(text) if char == "*"), *cuts(17, len(text))})
    async with streaming_reply() as (pilot, markdown, feed, reply):
        await stream_cuts(pilot, feed, reply, text, ends)
        assert markdown.query(f".{SEALED}")
        await feed.finish(text)
        await pilot.pause()
        assert await screen_pages(pilot) == await whole_render_pages(text)


async def conversation_pages(pilot) -> list[str]:
    """Every screenful of the conversation view, top to bottom (its rows only)."""
    from tui.ui.widgets.conversation import ConversationView

    view = pilot.app.screen.query_one(ConversationView)
    await pilot.pause()
    top, bottom = view.region.y, view.region.bottom
    pages, y = [], 0
    while True:
        view.scroll_to(y=y, animate=False, immediate=True)
        await pilot.pause()
        pages.append("\n".join(screen_text(pilot.app).splitlines()[top:bottom]))
        if y >= view.max_scroll_y:
            return pages
        y += view.size.height - 1


async def test_a_long_reply_streamed_in_reads_as_the_same_reply_opened_from_the_history(
        emulator, history):
    # Mostly one code block, kept in pieces (over 20,000 characters), between two paragraphs
    # drawn as growing paragraphs: every line on screen as when the reply is drawn whole.
    # Streamed over 1.5 s, so that even a busy machine draws frames of most of the block
    # before it ends (a block that ends before it was shown in pieces is highlighted whole).
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "#bench chars=60000 events=150 rate=100")
        await wait_for_reply(pilot)
        [reply] = replies(app)
        markdown = reply.query_one(ReplyMarkdown)
        assert markdown.query(FenceLines)
        assert [block for block in markdown.query(ReplyParagraph) if block.drawn_in_lines]
        streamed = await conversation_pages(pilot)
        [conversation] = history.list_conversations()
        await app.screen.open_conversation(conversation.id)
        await pilot.pause()
        [reopened] = replies(app)
        assert reopened is not reply and not reopened.query(FenceLines)
        assert await conversation_pages(pilot) == streamed
        assert len(streamed) > 60
