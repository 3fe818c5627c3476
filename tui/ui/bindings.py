"""Every key binding of every screen, each with an id users can remap in [keymap].

One table feeds the screens' and widgets' BINDINGS, the footer, the help screen (grouped by
screen and purpose, HELP_SECTIONS) and the command palette, so they can never disagree about
what a key does, and a typo in [keymap] is always told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby
from os.path import commonprefix
from typing import NamedTuple

from textual.binding import Binding, BindingType
from textual.keys import key_to_character


class Command(NamedTuple):
    """One action, its default keys, and how it is shown.

    `action` runs in the namespace of the widget whose BINDINGS hold the command;
    `palette_action`, when set, is the same action addressed from the app, for the palette.
    """

    id: str
    keys: str
    action: str
    label: str  # the footer's one word
    title: str  # the help table and the palette
    show: bool = True
    priority: bool = False
    palette_action: str | None = None
    group: str | None = None  # commands the help shows as one row
    key_display: str | None = None  # the footer's name for the keys, when not the key's own

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.show,
                       key_display=self.key_display, priority=self.priority,
                       tooltip=self.title, id=self.id)


# The prompt. It looks these up itself before its text area sees a key (see Prompt._on_key);
# the conditional ones step aside (check_action) when the prompt holds text. Enter and ctrl+j
# are told apart by every terminal, unlike shift+enter or ctrl+enter (and alt+enter, which tmux
# sends as Esc then Enter).
PROMPT = (
    Command("prompt.send", "enter", "send", "Send", "Send the message"),
    Command("prompt.newline", "ctrl+j", "newline", "Newline",
            "New line in the message"),
    Command("prompt.older", "ctrl+up", "older", "Earlier", "Earlier question (also ↑ on the "
            "first line)", show=False),
    Command("prompt.newer", "ctrl+down", "newer", "Later", "Later question (also ↓ on the "
            "last line)", show=False),
    Command("prompt.clear", "ctrl+u", "clear_draft", "Clear",
            "Clear the message (ctrl+z brings it back)", show=False),
    Command("prompt.help", "question_mark", "help", "Help", "Help (empty prompt)",
            show=False),
    Command("prompt.to_messages", "up", "to_messages", "Messages",
            "To messages (empty prompt)", show=False),
    # The footer shows option 1 for them all ("1…9 Pick"), and only while a clarifying
    # question's options can be picked (Prompt.check_action).
    *(Command(f"prompt.option_{n}", str(n), f"option({n})", "Pick" if n == 1 else f"Option {n}",
              "Send option N (empty prompt)", show=n == 1, group="options",
              key_display="1…9" if n == 1 else None)
      for n in range(1, 10)),
)

# The chat screen, in footer order. An 80-column footer has room for the everyday keys only;
# the rest are hidden there (show=False) but listed by F1 and the palette.
CHAT = (
    Command("chat.cancel", "escape", "cancel", "Cancel",
            "Stop the reply (keeps text)",
            palette_action="screen.cancel"),
    Command("chat.retry", "ctrl+r", "retry", "Retry", "Ask the last question again",
            palette_action="screen.retry"),
    Command("chat.new", "ctrl+n", "new_chat", "New", "New conversation",
            palette_action="screen.new_chat"),
    Command("chat.history", "ctrl+o", "history", "Chats",
            "History of conversations",
            palette_action="screen.history"),
    Command("chat.copy_reply", "f3", "copy_reply", "Copy", "Copy the last reply",
            palette_action="screen.copy_reply"),
    Command("chat.copy_code", "f4", "copy_code", "Code",
            "Copy the last code block", show=False,
            palette_action="screen.copy_code"),
    # The focused message, else the last reply (the palette keeps the focus under it).
    Command("chat.speak", "f5", "speak", "Speak", "Read the last reply aloud", show=False,
            palette_action="screen.speak"),
    # The footer has no room for it; while something is read aloud it shows Esc, which
    # stops it too.
    Command("chat.stop_speaking", "f9", "stop_speaking", "Silence", "Stop reading aloud",
            show=False, palette_action="screen.stop_speaking"),
    # Push-to-talk: the same key (or Enter) stops and leaves the words in the prompt.
    Command("chat.dictate", "ctrl+l", "dictate", "Talk", "Push to talk",
            show=False, priority=True, palette_action="screen.dictate"),
    Command("chat.voice_mode", "f12", "toggle_voice", "Voice",
            "Voice conversation mode on/off", show=False, palette_action="screen.toggle_voice"),
    # "Save audio" is the name the no-sound-device message refers to.
    Command("chat.save_audio", "f10", "save_audio", "Save audio", "Save audio of the last reply",
            show=False, palette_action="screen.save_audio"),
    # ctrl+g and ctrl+f: no terminal, tmux or text area takes them for itself.
    # Not in the 80-column footer, which it would overflow: the header names the model, and
    # F1 and the palette show the key.
    Command("chat.models", "ctrl+g", "models", "Model", "Choose the provider and model",
            show=False, palette_action="screen.models"),
    Command("chat.web_search", "ctrl+f", "toggle_search", "Web", "Web search on/off",
            show=False, palette_action="screen.toggle_search"),
    Command("chat.thinking", "alt+t", "toggle_thinking", "Thinking",
            "Show or fold the last reply's thinking", show=False,
            palette_action="screen.toggle_thinking"),
    Command("chat.rename", "f2", "rename", "Rename", "Rename this conversation", show=False,
            palette_action="screen.rename"),
    Command("chat.export", "ctrl+s", "export", "Export",
            "Export this conversation", show=False,
            palette_action="screen.export"),
    Command("chat.delete", "f8", "delete", "Delete", "Delete this conversation",
            show=False, palette_action="screen.delete"),
    Command("chat.previous_message", "alt+up", "walk(-1)", "Previous",
            "Previous message (anywhere)", show=False),
    Command("chat.next_message", "alt+down", "walk(1)", "Next", "Next message (anywhere)",
            show=False),
    # Priority: the prompt would otherwise take the page keys for its own cursor.
    Command("chat.page_up", "pageup", "page(-1)", "Page up", "Scroll up a page",
            show=False, priority=True),
    Command("chat.page_down", "pagedown", "page(1)", "Page down",
            "Scroll down a page",
            show=False, priority=True),
)

# A focused message (bound on the conversation, the messages' parent).
MESSAGE = (
    Command("message.previous", "up", "walk(-1)", "Previous", "Previous message",
            show=False),
    Command("message.next", "down", "walk(1)", "Next",
            "Next message, or the prompt", show=False),
    Command("message.first", "home", "first", "First", "First message", show=False),
    Command("message.last", "end", "last", "Last", "Last message", show=False),
    Command("message.copy", "c", "copy", "Copy msg", "Copy the focused message"),
    # Esc stops a reply or speech first (chat.cancel); with nothing to stop, it says where it goes.
    Command("message.prompt", "escape", "to_prompt", "Prompt", "Back to the prompt"),
    # The focused reply's thinking (chat.thinking: the last reply's, from anywhere).
    # Off the 80-column footer (it would push Help off); the folded block says "▸ Thinking".
    Command("message.thinking", "t", "screen.toggle_thinking", "Thinking",
            "Show or fold this reply's thinking", show=False),
)

# The app, on every screen.
APP = (
    Command("app.help", "f1", "help", "Help", "Help: every key",
            palette_action="app.help"),
    Command("app.theme", "ctrl+t", "theme", "Theme", "Choose a theme",
            show=False, palette_action="app.theme"),
    # Priority: the prompt (a TextArea) has f6 and f7 too, for selecting a line and all.
    Command("app.voices", "f6", "voices", "Voices", "Voices and reading speed",
            show=False, priority=True, palette_action="app.voices"),
    Command("app.read_aloud", "f7", "toggle_read_aloud", "Read aloud",
            "Read replies aloud: on/off", show=False, priority=True,
            palette_action="app.toggle_read_aloud"),
    Command("app.palette", "ctrl+p", "command_palette", "Commands", "Command palette",
            show=False, priority=True),
    Command("app.quit", "ctrl+q", "quit", "Quit", "Quit", show=False,
            priority=True, palette_action="app.quit"),
)

# The voice browser. Enter, ctrl+d and ctrl+arrows are its filter's own keys too: priority
# keeps them the screen's.
VOICES = (
    Command("voices.preview", "enter", "preview", "Hear", "Hear the highlighted voice",
            priority=True),
    Command("voices.default", "ctrl+d", "make_default", "Default",
            "Set the default voice", priority=True, palette_action="screen.make_default"),
    # In the palette too: macOS and some window managers take ctrl+←/→ for themselves.
    Command("voices.slower", "ctrl+left", "speed(-1)", "Slower", "Read more slowly",
            priority=True, palette_action="screen.speed(-1)"),
    Command("voices.faster", "ctrl+right", "speed(1)", "Faster", "Read faster",
            priority=True, palette_action="screen.speed(1)"),
    Command("voices.next_category", "tab", "category(1)", "Category",
            "Next category", priority=True),
    Command("voices.prev_category", "shift+tab", "category(-1)", "Category",
            "Previous category", show=False, priority=True),
    # Not in the footer (80 columns have no room): a failed load names its key.
    Command("voices.refresh", "ctrl+r", "refresh", "Refresh",
            "Fetch the voice list again", show=False, palette_action="screen.refresh"),
    Command("voices.close", "escape", "close", "Close", "Close the voice list"),
    Command("voices.up", "up", "cursor(-1)", "Up", "Previous voice", show=False),
    Command("voices.down", "down", "cursor(1)", "Down", "Next voice", show=False),
    Command("voices.page_up", "pageup", "page(-1)", "Page up", "A page up", show=False),
    Command("voices.page_down", "pagedown", "page(1)", "Page down", "A page down",
            show=False),
)

# The model picker. Like the voice browser, its filter keeps the focus: priority keeps Enter,
# ctrl+d and the arrows the screen's.
MODEL_PICKER = (
    Command("model_picker.choose", "enter", "choose", "Use",
            "Use the model in this conversation", priority=True),
    Command("model_picker.default", "ctrl+d", "make_default", "Default",
            "Use it, and for new conversations too", priority=True),
    Command("model_picker.refresh", "ctrl+r", "refresh", "Refresh",
            "Fetch the model lists again", priority=True),
    Command("model_picker.close", "escape", "close", "Close", "Keep the model you had"),
    Command("model_picker.up", "up", "cursor(-1)", "Up", "Previous model", show=False,
            priority=True),
    Command("model_picker.down", "down", "cursor(1)", "Down", "Next model", show=False,
            priority=True),
    Command("model_picker.page_up", "pageup", "page(-1)", "Page up", "A page up", show=False),
    Command("model_picker.page_down", "pagedown", "page(1)", "Page down", "A page down",
            show=False),
)

# The history of conversations. Priority on Enter: the table's and the list's own Enter
# bindings are hidden from the footer.
HISTORY = (
    Command("history.open", "enter", "open", "Open", "Open the conversation", priority=True),
    Command("history.search", "slash", "search", "Search", "Search every message"),
    Command("history.rename", "r,f2", "rename", "Rename", "Rename the conversation"),
    Command("history.delete", "d,delete", "delete", "Delete", "Delete the conversation"),
    Command("history.export", "e,ctrl+s", "export", "Export", "Export the conversation"),
    Command("history.close", "escape", "close", "Close", "Leave the search, then close"),
    Command("history.results", "down", "results", "Results",
            "Search box to the results", show=False),
)

# The dialogs. Priority on Enter: the Input's and the OptionList's own (hidden) Enter bindings
# would keep these out of the footer.
RENAME = (
    Command("rename.save", "enter", "save", "Save", "Save the new title", priority=True),
    Command("rename.cancel", "escape", "cancel", "Cancel", "Keep the old title"),
)
CONFIRM = (
    Command("confirm.yes", "y", "answer(True)", "Yes", "Yes (delete)"),
    Command("confirm.no", "n,escape", "answer(False)", "No", "No (keep)"),
    Command("confirm.previous", "left", "app.focus_previous", "Previous", "The other button",
            show=False, group="confirm buttons"),
    Command("confirm.next", "right", "app.focus_next", "Next", "The other button",
            show=False, group="confirm buttons"),
)
THEME_PICKER = (
    Command("theme_picker.choose", "enter", "choose", "Choose", "Use and save the theme",
            priority=True),
    Command("theme_picker.cancel", "escape", "cancel", "Cancel", "Keep the theme you had"),
)
HELP = (
    Command("help.close", "escape,f1,q", "close", "Close", "Close the help"),
)

ALL = (*PROMPT, *CHAT, *MESSAGE, *APP, *VOICES, *MODEL_PICKER, *HISTORY, *RENAME, *CONFIRM,
       *THEME_PICKER, *HELP)


def _section(title: str, *ids: str) -> tuple[str, tuple[Command, ...]]:
    return title, tuple(command(i) for i in ids)


def command(command_id: str) -> Command:
    return next(c for c in ALL if c.id == command_id)


# F1's map of the keys: by screen, then by what they are for. Every command is in one section.
HELP_SECTIONS = (
    _section("Chat · writing", *(c.id for c in PROMPT)),
    _section("Chat · replies", "chat.cancel", "chat.retry", "chat.copy_reply",
             "chat.copy_code"),
    _section("Chat · models", "chat.models", "chat.web_search", "chat.thinking",
             "message.thinking"),
    _section("Chat · conversations", "chat.new", "chat.history", "chat.rename",
             "chat.export", "chat.delete"),
    _section("Chat · moving around", "chat.previous_message", "chat.next_message",
             "chat.page_up", "chat.page_down",
             *(c.id for c in MESSAGE if c.id != "message.thinking")),
    _section("Speech", "chat.speak", "chat.stop_speaking", "chat.save_audio", "app.voices",
             "app.read_aloud", "chat.dictate", "chat.voice_mode"),
    _section("Everywhere", "app.help", "app.palette", "app.theme", "app.quit"),
    _section("Voice browser", *(c.id for c in VOICES)),
    _section("Model picker", *(c.id for c in MODEL_PICKER)),
    _section("History", *(c.id for c in HISTORY)),
    _section("Dialogs", *(c.id for c in (*RENAME, *CONFIRM, *THEME_PICKER, *HELP))),
)


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    return [command.binding() for command in commands]


def palette_commands() -> list[Command]:
    return [c for c in ALL if c.palette_action]


def keys_for(command_id: str, keymap: Mapping[str, str]) -> str:
    """The keys that run a command now, as a user would write them in [keymap]."""
    keys = keymap.get(command_id) or command(command_id).keys
    return ", ".join(_shown_key(key.strip()) for key in keys.split(","))


def _shown_key(key: str) -> str:
    character = key_to_character(key)  # "question_mark" reads better as "?"
    return character if character and character.isprintable() and character != " " else key


HelpRow = tuple[str, str, str]


def help_sections(keymap: Mapping[str, str]) -> list[tuple[str, list[HelpRow]]]:
    """Each section of HELP_SECTIONS with its rows: (keys, what they do, binding id), the
    user's keymap applied."""
    return [(title, help_rows(commands, keymap)) for title, commands in HELP_SECTIONS]


def help_rows(commands: Iterable[Command], keymap: Mapping[str, str]) -> list[HelpRow]:
    """A row for each command; a group (the option keys 1 … 9) is one row."""
    rows: list[HelpRow] = []
    for _, members in groupby(commands, key=lambda c: c.group or c.id):
        first, *rest = members
        if not rest:
            rows.append((keys_for(first.id, keymap), first.title, first.id))
            continue
        group = (first, *rest)
        remapped = any(c.id in keymap for c in group)
        keys = (", ".join(keys_for(c.id, keymap) for c in group) if remapped
                else f"{first.keys} … {rest[-1].keys}")
        last_id = rest[-1].id[len(commonprefix([first.id, rest[-1].id])):]
        rows.append((keys, first.title, f"{first.id} … {last_id}"))
    return rows


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Ids in `keymap` that name no binding: typos worth telling about."""
    ours = {c.id for c in ALL}
    return sorted(i for i in keymap if i not in ours)
