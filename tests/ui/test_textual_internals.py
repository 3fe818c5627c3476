"""The private parts of Textual that tui/ui/widgets/reply_markdown.py, sealed_lists.py and
tall_layout.py override or call.

Textual offers no public hook for them; if an upgrade renames or reshapes one, this says which,
instead of replies silently losing their cheap streaming code blocks.
"""

from __future__ import annotations

import inspect

from textual.widget import Widget
from textual.widgets._markdown import MarkdownBullet, MarkdownOrderedList, MarkdownParagraph
from textual.widgets.markdown import Markdown, MarkdownBlock, MarkdownFence

from tui.ui.widgets.reply_markdown import ReplyFence, ReplyMarkdown, ReplyParagraph


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_block_update_hooks_are_still_there_with_the_same_shape():
    assert inspect.iscoroutinefunction(MarkdownFence._update_from_block), \
        "MarkdownFence._update_from_block is no longer async"
    assert parameters(MarkdownFence._update_from_block) == ["self", "block"]
    assert parameters(MarkdownBlock._update_from_block) == ["self", "block"]
    assert parameters(MarkdownFence._copy_context) == ["self", "block"]
    assert parameters(MarkdownFence.set_content) == ["self", "content"]
    assert parameters(MarkdownFence.highlight) == ["code", "language", "ansi", "dark"]


def test_a_block_still_knows_its_document_and_fences_are_still_blocks_by_name():
    assert isinstance(inspect.getattr_static(MarkdownBlock, "_markdown"), property), \
        "MarkdownBlock._markdown is no longer the property that names the block's document"
    assert {"fence", "code_block"} <= set(Markdown.BLOCKS), "Markdown.BLOCKS keys changed"
    assert ReplyMarkdown.BLOCKS["fence"] is ReplyFence
    assert Markdown.BLOCKS["paragraph_open"] is MarkdownParagraph, \
        "textual.widgets._markdown.MarkdownParagraph is no longer the paragraph block"
    assert ReplyMarkdown.BLOCKS["paragraph_open"] is ReplyParagraph


def test_what_cutting_a_long_list_into_parts_relies_on_is_still_there():
    # tui/ui/widgets/sealed_lists.py
    source = inspect.getsource(Markdown.append)
    assert "self._last_parsed_line" in source, \
        "Markdown.append no longer starts parsing at Markdown._last_parsed_line"
    assert "self.lock" in source and "self._parse_markdown(tokens)" in source
    assert "self._blocks[0].bullet" in inspect.getsource(MarkdownOrderedList.compose), \
        "an ordered list is no longer numbered from its first item's number"
    assert "symbol" in inspect.getsource(MarkdownBullet.render)


def test_the_block_internals_an_append_in_place_relies_on_are_still_there():
    assert inspect.iscoroutinefunction(MarkdownParagraph._update_from_block)
    assert parameters(MarkdownParagraph._update_from_block) == ["self", "block"]
    assert parameters(MarkdownBlock._token_to_content) == ["self", "token"]
    assert "self._layout_updates" in inspect.getsource(Widget._get_box_model), \
        "Widget._layout_updates no longer keys the cached box model (tall_layout.relayout)"


async def test_a_fence_in_a_reply_markdown_reaches_its_document():
    from textual.app import App, ComposeResult

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ReplyMarkdown("Some **words**.\n\n```python\nprint(1)\n```")

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        [fence] = app.query(ReplyFence)
        markdown = app.query_one(ReplyMarkdown)
        assert fence._markdown is markdown
        # The source an append extends, each block's token and a fence's highlighted code.
        assert markdown._markdown == markdown.source
        [paragraph] = app.query(ReplyParagraph)
        assert paragraph._content.plain == "Some words."  # the Content a paragraph shows
        assert fence._token.type == "fence" and fence._token.markup == "```"
        assert isinstance(fence._highlighted_code, type(fence.highlight("", "")))


async def test_a_tall_arrangement_finds_the_widgets_on_screen_that_textual_would():
    from textual.app import App, ComposeResult
    from textual.geometry import Region
    from textual.layout import DockArrangeResult

    code = "\n".join(f"line_{n} = {n}" for n in range(3000))
    text = "\n\n".join(["Intro.", f"```python\n{code}\n```", "Middle.",
                        f"```\n{code}\n```", "The end."])

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ReplyMarkdown(text)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        markdown = app.query_one(ReplyMarkdown)
        ours = markdown.arrange(markdown.size)
        assert ours._spatial_map is not None, "DockArrangeResult._spatial_map is not used"
        assert ours._spatial_map._grid_size[1] > 20, "the map's squares are not tall"
        textuals = DockArrangeResult(ours.placements, ours.widgets, ours.scroll_spacing)
        assert ours.total_region == textuals.total_region
        assert ours.total_region.height > 6000
        for y in range(-30, ours.total_region.height + 30, 97):
            window = Region(0, y, 80, 24)
            assert ours.get_visible_placements(window) == textuals.get_visible_placements(window)
