"""Theme files: the shipped ones are valid and legible, bad ones are named and skipped, and the
theme picker previews live and restores on Esc."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import Theme
from textual.widgets import Static

from tests.ui.chat_support import screen_text
from tui.ui.screens.theme_picker import ThemePicker
from tui.ui.themes import builtin_themes_dir, load_themes

SHIPPED = ["aichat-contrast", "aichat-dark", "aichat-light"]
NOWHERE = Path("/nonexistent/themes")
GOOD = 'name = "mine"\nprimary = "#336699"\n'


def shipped() -> dict[str, Theme]:
    themes, warnings = load_themes(builtin_themes_dir(), NOWHERE)
    assert warnings == []
    return {theme.name: theme for theme in themes}


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two opaque colours (1 to 21)."""

    def luminance(colour: str) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = Color.parse(colour).rgb
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# -- the shipped themes ------------------------------------------------------------------------


def test_the_shipped_themes_load_without_warnings():
    themes = shipped()
    assert sorted(themes) == SHIPPED
    assert themes["aichat-light"].dark is False
    assert themes["aichat-dark"].dark and themes["aichat-contrast"].dark


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_theme_gives_textual_every_colour_it_needs(name):
    variables = shipped()[name].to_color_system().generate()
    for key in ("primary", "background", "surface", "panel", "foreground", "text", "border"):
        assert key in variables


@pytest.mark.parametrize("name", SHIPPED)
def test_text_is_readable_on_every_shipped_background(name):
    theme = shipped()[name]
    # WCAG AA for body text; the high-contrast theme is held to AAA below.
    for behind in (theme.background, theme.surface, theme.panel):
        assert contrast(theme.foreground, behind) >= 4.5


def test_the_contrast_theme_has_high_contrast_everywhere_text_goes():
    theme = shipped()["aichat-contrast"]
    colours = theme.to_color_system().generate()
    pairs = {
        "text on background": (colours["text"], colours["background"]),
        "text on surface": (colours["text"], colours["surface"]),
        "text on panel": (colours["text"], colours["panel"]),
        "muted text": (colours["text-muted"], colours["surface"]),
        "disabled text": (colours["text-disabled"], colours["surface"]),
        "cursor row": (colours["block-cursor-foreground"], colours["block-cursor-background"]),
        "unfocused cursor row": (colours["block-cursor-blurred-foreground"],
                                 colours["block-cursor-blurred-background"]),
        "footer keys": (colours["footer-key-foreground"], colours["footer-background"]),
        "errors": (colours["error"], colours["background"]),
    }
    for what, (foreground, background) in pairs.items():
        assert contrast(foreground, background) >= 7, what


def test_builtin_themes_dir_finds_the_repo_folder_or_the_wheels(tmp_path):
    assert (builtin_themes_dir() / "aichat-dark.toml").is_file()  # this source checkout
    package = tmp_path / "site-packages" / "tui"
    (package / "_themes").mkdir(parents=True)  # where the wheel force-includes themes/
    assert builtin_themes_dir(package) == package / "_themes"
    assert builtin_themes_dir(tmp_path / "src" / "tui") == tmp_path / "src" / "themes"


# -- user themes and bad files -----------------------------------------------------------------


def test_user_themes_add_to_and_replace_the_shipped_ones(tmp_path):
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "dark.toml").write_text('name = "aichat-dark"\nprimary = "#ff0000"\n',
                                        encoding="utf-8")
    themes, warnings = load_themes(builtin_themes_dir(), tmp_path)
    by_name = {theme.name: theme for theme in themes}
    assert warnings == []
    assert sorted(by_name) == sorted([*SHIPPED, "mine"])
    assert by_name["aichat-dark"].primary == "#ff0000"


def test_the_example_in_the_documentation_loads(tmp_path):
    doc = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n# ~/.config/aichat-tui/themes/solarized.toml\n")[1]
    (tmp_path / "solarized.toml").write_text(example.split("```")[0], encoding="utf-8")
    themes, warnings = load_themes(builtin_themes_dir(), tmp_path)
    assert warnings == []
    assert "solarized" in {theme.name for theme in themes}


def test_a_theme_without_dark_is_judged_by_its_background(tmp_path):
    (tmp_path / "paper.toml").write_text(
        'name = "paper"\nprimary = "#336699"\nbackground = "#fafafa"\n', encoding="utf-8")
    (tmp_path / "night.toml").write_text(
        'name = "night"\nprimary = "#336699"\nbackground = "#101010"\n', encoding="utf-8")
    themes, _ = load_themes(NOWHERE, tmp_path)
    assert {theme.name: theme.dark for theme in themes} == {"night": True, "paper": False}


@pytest.mark.parametrize(("content", "problem"), [
    ('name = "x"\nprimary = "#336699', "it is not valid TOML"),
    ('primary = "#336699"\n', 'it has no `name = "..."`'),
    ('name = "x"\nsecondary = "#336699"\n', 'it has no `primary = "#rrggbb"` colour'),
    ('name = "x"\nprimary = "#33669"\n', "`primary` = '#33669' is not a colour"),
    ('name = "x"\nprimary = "#336699"\nbackground = 12\n', "`background` must be a colour"),
    ('name = "x y"\nprimary = "#336699"\n', "the name 'x y' may only hold"),
    ('name = "x"\nprimary = "#336699"\ndark = "yes"\n', "`dark` must be true or false"),
    ('name = "x"\nprimary = "#336699"\nluminosity_spread = 5\n',
     "`luminosity_spread` must be a number from 0 to 1"),
    ('name = "x"\nprimary = "#336699"\nvariables = 3\n', "`variables` must be a [variables] table"),
    ('name = "x"\nprimary = "#336699"\n[variables]\nborder = "not-a-colour"\n',
     "the variable `border` = 'not-a-colour' is not a colour"),
    ('name = "x"\nprimary = "#336699"\n[variables]\nlink-style = "blinking"\n',
     "the variable `link-style` = 'blinking' is not a text style"),
    ('name = "x"\nprimary = "#336699"\n[variables]\nborder = "red; color: blue"\n',
     "the variable `border` must be a CSS value"),
], ids=["bad-toml", "no-name", "no-primary", "bad-colour", "colour-not-text", "bad-name",
        "dark-not-bool", "fraction-out-of-range", "variables-not-table", "bad-variable-colour",
        "bad-variable-style", "css-injection"])
def test_a_malformed_theme_is_skipped_with_a_warning_naming_file_and_problem(
        tmp_path, content, problem):
    (tmp_path / "broken.toml").write_text(content, encoding="utf-8")
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    themes, warnings = load_themes(NOWHERE.parent / "also-nowhere", tmp_path)
    assert [theme.name for theme in themes] == ["mine"]  # the good file still loads
    missing_builtin, (warning,) = warnings[0], warnings[1:]
    assert "built-in themes folder" in missing_builtin
    assert warning.startswith(f"Skipped the theme file {tmp_path / 'broken.toml'}: ")
    assert problem in warning
    assert "README" in warning


def test_a_theme_file_that_is_not_utf8_is_skipped(tmp_path):
    (tmp_path / "latin1.toml").write_bytes('name = "café"\nprimary = "red"\n'.encode("latin-1"))
    themes, warnings = load_themes(NOWHERE, tmp_path)
    assert themes == []
    assert any(f"{tmp_path / 'latin1.toml'}: it is not UTF-8 text" in w for w in warnings)


def test_an_unknown_key_is_ignored_with_a_warning(tmp_path):
    (tmp_path / "typo.toml").write_text(GOOD + 'primry = "#000000"\n', encoding="utf-8")
    themes, warnings = load_themes(NOWHERE, tmp_path)
    assert [theme.name for theme in themes] == ["mine"]
    assert f"In the theme file {tmp_path / 'typo.toml'}: ignored the unknown key `primry`." in \
        warnings


def test_two_files_with_one_name_are_reported(tmp_path):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD.replace("#336699", "#993366"), encoding="utf-8")
    themes, warnings = load_themes(NOWHERE, tmp_path)
    assert [theme.primary for theme in themes] == ["#993366"]
    assert any("defines 'mine' again" in w and "a.toml" in w for w in warnings)


def test_a_loaded_user_theme_works_in_an_app(tmp_path):
    (tmp_path / "mine.toml").write_text(
        GOOD + '[variables]\nfooter-key-foreground = "#ffcc00 80%"\n'
               'block-cursor-text-style = "bold reverse"\n', encoding="utf-8")
    (theme,), _ = load_themes(NOWHERE, tmp_path)
    app = App()
    app.register_theme(theme)
    app.theme = "mine"
    variables = app.get_css_variables()
    assert variables["primary"] == "#336699"
    assert variables["footer-key-foreground"] == "#ffcc00 80%"


# -- the theme picker --------------------------------------------------------------------------


class PickerHost(App[None]):
    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.results: list[str | None] = []
        self._extra = extra

    def compose(self) -> ComposeResult:
        yield Static("the chat screen")

    def on_mount(self) -> None:
        for theme in shipped().values():
            self.register_theme(theme)
        for name in self._extra:
            self.register_theme(Theme(name=name, primary="#336699"))
        self.theme = "aichat-dark"
        self.push_screen(ThemePicker(["aichat-dark", "aichat-light", "aichat-contrast",
                                      *self._extra], "aichat-dark"), self.results.append)


async def test_moving_through_the_list_previews_each_theme():
    app = PickerHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")
        assert app.theme == "aichat-light"
        await pilot.press("down")
        assert app.theme == "aichat-contrast"
        await pilot.pause()
        # Previewed for real: the screen behind is drawn in the theme's colours.
        background = app.screen_stack[0].styles.background
        assert background.hex.lower() == "#000000"


async def test_enter_keeps_the_highlighted_theme():
    app = PickerHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.results == ["aichat-light"]
        assert app.theme == "aichat-light"
        assert not isinstance(app.screen, ThemePicker)


async def test_escape_restores_the_original_theme():
    app = PickerHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down", "escape")
        await pilot.pause()
        assert app.results == [None]
        assert app.theme == "aichat-dark"


async def test_the_picker_starts_on_the_current_theme():
    app = PickerHost()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == ["aichat-dark"]


async def test_names_that_look_like_markup_are_listed_and_chosen_as_they_are():
    # The theme files' name rule keeps brackets out, but the picker lists every theme the app
    # has registered: a name is never read as markup (`[/]` alone would crash the list).
    app = PickerHost(extra=("[b]x[/]", "[/]", "a[@click=app.quit]z"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "[b]x[/]" in shown and "[/]" in shown and "a[@click=app.quit]z" in shown
        await pilot.press("down", "down", "down", "down", "enter")
        await pilot.pause()
        assert app.results == ["[/]"]
        assert app.is_running
