"""Colour themes: one TOML file per Textual `Theme`, shipped in themes/ and addable by users.

The file format is documented in the README's Themes section. A file that cannot be used
becomes a warning (naming the file and the problem) instead of an exception: one bad user theme
must not stop the app from starting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

COLOUR_KEYS = ("primary", "secondary", "accent", "foreground", "background", "surface", "panel",
               "boost", "success", "warning", "error")
FRACTION_KEYS = ("luminosity_spread",)
_KNOWN_KEYS = {"name", "dark", "variables", *COLOUR_KEYS, *FRACTION_KEYS}
# The name becomes a CSS class (-theme-<name>), so it must be a CSS identifier.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9-]*")
# The `tui` package folder.
_PACKAGE = Path(__file__).resolve().parent.parent
FORMAT_HINT = "The theme file format is described in the Themes section of the README."


class _BadThemeFile(Exception):
    """One problem that makes a theme file unusable; its text completes 'Skipped <file>: '."""


def builtin_themes_dir(package: Path = _PACKAGE) -> Path:
    """Where the shipped themes are: tui/_themes in an installed wheel, else the repo's themes/.

    (pyproject.toml force-includes themes/ into the wheel as tui/_themes.)
    """
    installed = package / "_themes"
    return installed if installed.is_dir() else package.parent / "themes"


def load_themes(builtin_dir: Path, user_dir: Path) -> tuple[list[Theme], list[str]]:
    """Every usable theme (user themes replace built-in ones of the same name) and the warnings."""
    themes: dict[str, Theme] = {}
    warnings: list[str] = []
    if not builtin_dir.is_dir():
        warnings.append(f"The built-in themes folder {builtin_dir} is missing; "
                        "reinstall aichat-tui to get the shipped themes back.")
    if user_dir.exists() and not user_dir.is_dir():
        warnings.append(f"{user_dir} should be a folder of theme files, but it is a file; "
                        "move it away to add your own themes there.")
    for directory in (builtin_dir, user_dir):
        defined_here: dict[str, Path] = {}
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else ():
            try:
                theme, notes = _read_theme_file(path)
            except _BadThemeFile as problem:
                warnings.append(f"Skipped the theme file {path}: {problem}. {FORMAT_HINT}")
                continue
            warnings.extend(f"In the theme file {path}: {note}." for note in notes)
            if theme.name in defined_here:
                warnings.append(f"The theme file {path} defines {theme.name!r} again (so does "
                                f"{defined_here[theme.name].name}); {path.name} wins. Rename one.")
            defined_here[theme.name] = path
            themes[theme.name] = theme
    return list(themes.values()), warnings


def _read_theme_file(path: Path) -> tuple[Theme, list[str]]:
    """One theme and notes about what was ignored; raises _BadThemeFile if it cannot be used."""
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise _BadThemeFile(f"it cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise _BadThemeFile("it is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise _BadThemeFile(f"it is not valid TOML ({e})") from None
    return _theme_from_table(table)


def _theme_from_table(table: dict[str, Any]) -> tuple[Theme, list[str]]:
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise _BadThemeFile('it has no `name = "..."`')
    if not _NAME.fullmatch(name):
        raise _BadThemeFile(f"the name {name!r} may only hold letters, digits, - and _")
    if "primary" not in table:
        raise _BadThemeFile('it has no `primary = "#rrggbb"` colour')
    colours = {key: _colour(key, table[key]) for key in COLOUR_KEYS if key in table}
    fractions = {key: _fraction(key, table[key]) for key in FRACTION_KEYS if key in table}
    dark = table.get("dark")
    if dark is None:
        # Guessing from the background beats Textual's default (dark) for a light theme that
        # forgot to say so: the -light-mode class decides how widgets pick their text colour.
        background = colours.get("background")
        dark = Color.parse(background).brightness < 0.5 if background else True
    elif not isinstance(dark, bool):
        raise _BadThemeFile(f"`dark` must be true or false, not {dark!r}")
    variables = _variables(table.get("variables", {}))
    notes = [f"ignored the unknown key `{key}`" for key in table if key not in _KNOWN_KEYS]
    values: dict[str, Any] = {**colours, **fractions}
    theme = Theme(name=name, dark=dark, variables=variables, **values)
    return theme, notes


def _colour(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _BadThemeFile(f'`{key}` must be a colour in quotes, like "#1e90ff"; it is {value!r}')
    try:
        Color.parse(value)
    except ColorParseError:
        raise _BadThemeFile(f'`{key}` = {value!r} is not a colour (use "#rrggbb", '
                            '"rgb(r, g, b)" or a colour name)') from None
    return value


def _fraction(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _BadThemeFile(f"`{key}` must be a number from 0 to 1; it is {value!r}")
    return float(value)


def _variables(table: Any) -> dict[str, str]:
    """The [variables] table, each value checked as the CSS Textual will substitute it into.

    An invalid value would otherwise surface later as a stylesheet error that stops the app.
    """
    from textual.css.errors import DeclarationError
    from textual.css.parse import parse_declarations
    from textual.css.tokenizer import TokenError

    if not isinstance(table, dict):
        raise _BadThemeFile("`variables` must be a [variables] table")
    checked: dict[str, str] = {}
    for name, value in table.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise _BadThemeFile(f"the variable name {name!r} may only hold a-z, 0-9 and -")
        if not isinstance(value, str) or not value.strip() or any(c in value for c in ";{}"):
            raise _BadThemeFile(f"the variable `{name}` must be a CSS value in quotes; "
                                f"it is {value!r}")
        # Textual's own variables ending in -style are text styles; all the others are colours.
        is_style = name.endswith("-style")
        declaration = f"text-style: {value};" if is_style else f"color: {value};"
        try:
            parse_declarations(declaration, ("theme", name))
        except (DeclarationError, TokenError):
            expected = ('a text style like "bold" or "none"' if is_style
                        else 'a colour like "#88c0d0" or "#88c0d0 35%"')
            raise _BadThemeFile(f"the variable `{name}` = {value!r} is not {expected}") from None
        checked[name] = value
    return checked
