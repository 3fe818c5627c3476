"""Settings: the TOML file, overridden by the environment, overridden by the command line.

Every key has one environment name: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` (Alibaba's own
convention) and `AICHAT_<SECTION>_<KEY>` for the rest. Values are validated when loaded (URLs
parse and name a host and a valid port, values sent in HTTP headers are ASCII). A bad value
disables only its own section: `Settings.problems` holds one `SettingsError` per section
(naming the key and where to set it) and the section keeps its defaults; a feature that needs
the section calls `Settings.require(...)`, which raises that error. A file that cannot be read
as TOML at all raises `SettingsError` from `load_settings`.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from tui.domain.errors import SettingsError
from tui.domain.inert_text import inert_value
from tui.domain.secret import Secret
from tui.domain.voice import SPEED_MAX, SPEED_MIN
from tui.private_files import replace_keeping_mode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "aichat-tui"
DEFAULT_TONGYI_ENDPOINT = "https://chatbot.cn-shanghai.aliyuncs.com"
DEFAULT_TONGYI_STREAM_URL = "https://alime-ws.aliyuncs.com/sse/paas4Json"
DEFAULT_QINIU_BASE_URL = "https://openai.qiniu.com/v1"
DEFAULT_QINIU_VOICE = "qiniu_zh_female_wwxkjx"
DEFAULT_NETWORK_TIMEOUT = 60.0
DEFAULT_QINIU_MODEL = "deepseek-v3"
CHAT_PROVIDERS = ("tongyi", "qiniu", "openai", "tencent")
# About 12,000 characters of earlier turns: a few pages, well inside every model's window.
DEFAULT_CONTEXT_CHARS = 12_000
# Sections whose problems disable a feature; in the others a bad value falls back to its default.
FEATURE_SECTIONS = {"tongyi": "chat with Tongyi", "qiniu": "Qiniu voices, speech and chat",
                    "tencent": "the Tencent AI platform",
                    "openai": "chat with the OpenAI-compatible server"}
DEFAULT_TENCENT_BASE_URL = "https://api.ai.qq.com/fcgi-bin"
DEFAULT_TENCENT_LISTEN = "127.0.0.1:0"
_NO_SECRET = Secret("")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class TongyiSettings(NamedTuple):
    access_key_id: str = ""
    access_key_secret: Secret = _NO_SECRET
    agent_key: str = ""
    instance_id: str = ""
    endpoint: str = DEFAULT_TONGYI_ENDPOINT
    stream_url: str = DEFAULT_TONGYI_STREAM_URL

    def missing(self) -> list[str]:
        """The required keys that are not set, in the order a user would fill them in."""
        required = {
            "access_key_id": self.access_key_id,
            "access_key_secret": self.access_key_secret.reveal(),
            "instance_id": self.instance_id,
        }
        return [key for key, value in required.items() if not value]


class QiniuSettings(NamedTuple):
    api_key: Secret = _NO_SECRET
    base_url: str = DEFAULT_QINIU_BASE_URL
    voice: str = DEFAULT_QINIU_VOICE
    speed: float = 1.0
    model: str = DEFAULT_QINIU_MODEL


class OpenAISettings(NamedTuple):
    """Any OpenAI-compatible server: a local llama.cpp / vLLM / Ollama, a gateway."""

    base_url: str = ""
    api_key: Secret = _NO_SECRET  # local servers have none
    model: str = ""  # empty: the first model the server lists


class ChatSettings(NamedTuple):
    provider: str = "tongyi"
    # Earlier turns sent to stateless providers, newest first, at most this many characters.
    context_chars: int = DEFAULT_CONTEXT_CHARS
    system_prompt: str = ""


class TencentSettings(NamedTuple):
    app_id: str = ""
    app_key: Secret = _NO_SECRET
    base_url: str = DEFAULT_TENCENT_BASE_URL
    # The public address the platform posts long-ASR and keyword results to ("" = the local
    # receiver's own address, which is enough for a gateway on this machine), and the local
    # host:port that receiver listens on (port 0: any free one).
    callback_url: str = ""
    listen: str = DEFAULT_TENCENT_LISTEN
    # How long to wait for a posted result (or the next keyword segment) before giving up.
    result_timeout: float = 600.0

    def missing(self) -> list[str]:
        return [key for key, value in (("app_id", self.app_id),
                                       ("app_key", self.app_key.reveal())) if not value]


class AudioSettings(NamedTuple):
    backend: str = "miniaudio"
    read_aloud: bool = False
    # Where speech comes from: "microphone", or "file:PATH" (a file played in real time and
    # then silence, standing in for a microphone).
    input: str = "microphone"


class VoiceSettings(NamedTuple):
    # Seconds of silence after new words before listening stops (the seed sample's 1.5 s).
    silence_timeout: float = 1.5
    # Start the app in hands-free voice conversation mode.
    conversation: bool = False


class NetworkSettings(NamedTuple):
    # The longest any request may go without progress (a stream: without a complete event).
    timeout: float = DEFAULT_NETWORK_TIMEOUT


class UISettings(NamedTuple):
    theme: str = "aichat-dark"
    keymap: Mapping[str, str] = _EMPTY


class Settings(NamedTuple):
    config_path: Path
    data_dir: Path
    tongyi: TongyiSettings = TongyiSettings()
    qiniu: QiniuSettings = QiniuSettings()
    tencent: TencentSettings = TencentSettings()
    openai: OpenAISettings = OpenAISettings()
    chat: ChatSettings = ChatSettings()
    audio: AudioSettings = AudioSettings()
    voice: VoiceSettings = VoiceSettings()
    ui: UISettings = UISettings()
    network: NetworkSettings = NetworkSettings()
    demo: bool = False
    # One error per section that holds a bad value; that section kept its defaults.
    problems: Mapping[str, SettingsError] = _EMPTY

    def require(self, *sections: str) -> None:
        """Raise the SettingsError of the first of `sections` that holds a bad value."""
        for section in sections:
            if section in self.problems:
                raise self.problems[section]

    def notice(self, skip: tuple[str, ...] = ()) -> str:
        """One paragraph about every problem (but those of `skip`), saying what is disabled;
        "" if there are none."""
        parts = []
        for section, error in self.problems.items():
            if section in skip:
                continue
            consequence = (f"{FEATURE_SECTIONS[section]} is off until it is fixed"
                           if section in FEATURE_SECTIONS else f"the [{section}] defaults are used")
            parts.append(f"{error.message} ({consequence[0].upper()}{consequence[1:]}.)")
        return " ".join(parts)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "aichat-tui.log"

    @property
    def history_path(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def token_path(self) -> Path:
        """The Tongyi stream token shared between processes (private, never logged)."""
        return self.data_dir / "tongyi_token.json"

    @property
    def user_themes_dir(self) -> Path:
        return self.config_path.parent / "themes"

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        return [self.tongyi.access_key_secret.reveal(), self.qiniu.api_key.reveal(),
                self.tencent.app_key.reveal(), self.openai.api_key.reveal()]


# (section, key, kind, environment name). kind: str | ascii (sent in an HTTP header) | secret |
# speed | seconds | audio_input | count (a whole number >= 1) | text (kept as written) | bool |
# url | choice:a,b
_KEYS: list[tuple[str, str, str, str]] = [
    ("tongyi", "access_key_id", "ascii", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    ("tongyi", "access_key_secret", "secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    ("tongyi", "agent_key", "str", "AICHAT_TONGYI_AGENT_KEY"),
    ("tongyi", "instance_id", "str", "AICHAT_TONGYI_INSTANCE_ID"),
    ("tongyi", "endpoint", "url", "AICHAT_TONGYI_ENDPOINT"),
    ("tongyi", "stream_url", "url", "AICHAT_TONGYI_STREAM_URL"),
    ("qiniu", "api_key", "secret", "AICHAT_QINIU_API_KEY"),
    ("qiniu", "base_url", "url", "AICHAT_QINIU_BASE_URL"),
    ("qiniu", "voice", "ascii", "AICHAT_QINIU_VOICE"),
    ("qiniu", "speed", "speed", "AICHAT_QINIU_SPEED"),
    ("tencent", "app_id", "str", "AICHAT_TENCENT_APP_ID"),
    ("tencent", "app_key", "secret", "AICHAT_TENCENT_APP_KEY"),
    ("tencent", "base_url", "url", "AICHAT_TENCENT_BASE_URL"),
    ("tencent", "callback_url", "url", "AICHAT_TENCENT_CALLBACK_URL"),
    ("tencent", "listen", "str", "AICHAT_TENCENT_LISTEN"),
    ("tencent", "result_timeout", "seconds", "AICHAT_TENCENT_RESULT_TIMEOUT"),
    ("qiniu", "model", "str", "AICHAT_QINIU_MODEL"),
    ("openai", "base_url", "url", "AICHAT_OPENAI_BASE_URL"),
    ("openai", "api_key", "secret", "AICHAT_OPENAI_API_KEY"),
    ("openai", "model", "str", "AICHAT_OPENAI_MODEL"),
    ("chat", "provider", "choice:" + ",".join(CHAT_PROVIDERS), "AICHAT_CHAT_PROVIDER"),
    ("chat", "context_chars", "count", "AICHAT_CHAT_CONTEXT_CHARS"),
    ("chat", "system_prompt", "text", "AICHAT_CHAT_SYSTEM_PROMPT"),
    ("audio", "backend", "choice:miniaudio,simpleaudio", "AICHAT_AUDIO_BACKEND"),
    ("audio", "read_aloud", "bool", "AICHAT_AUDIO_READ_ALOUD"),
    ("audio", "input", "audio_input", "AICHAT_AUDIO_INPUT"),
    ("voice", "silence_timeout", "seconds", "AICHAT_VOICE_SILENCE_TIMEOUT"),
    ("voice", "conversation", "bool", "AICHAT_VOICE_CONVERSATION"),
    ("ui", "theme", "str", "AICHAT_UI_THEME"),
    ("network", "timeout", "seconds", "AICHAT_NETWORK_TIMEOUT"),
]
_SECTIONS = ("tongyi", "qiniu", "tencent", "openai", "chat", "audio", "voice", "ui", "network",
             "keymap")
_MAX_TIMEOUT = 3600.0
ENVIRONMENT_NAMES = {f"{section}.{key}": env for section, key, _, env in _KEYS}
# Names every OpenAI tool reads, honoured when ours are not set.
_FALLBACK_ENVIRONMENT = {"AICHAT_OPENAI_BASE_URL": "OPENAI_BASE_URL",
                         "AICHAT_OPENAI_API_KEY": "OPENAI_API_KEY"}


def default_config_path(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    if env.get("AICHAT_TUI_CONFIG"):
        return Path(env["AICHAT_TUI_CONFIG"]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    if env.get("AICHAT_TUI_DATA_DIR"):
        return Path(env["AICHAT_TUI_DATA_DIR"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def load_settings(env: dict[str, str] | os._Environ[str] | None = None,
                  config_path: Path | None = None) -> Settings:
    """Read the settings file (if any) and the environment.

    A file that is not TOML raises SettingsError; a bad value lands in `Settings.problems`.
    """
    env = os.environ if env is None else env
    path = config_path or default_config_path(env)
    table = _read_toml(path)
    problems: dict[str, SettingsError] = {}
    for section in _SECTIONS:
        if section in table and not isinstance(table[section], dict):
            problems[section] = SettingsError(
                f"`{section}` in {path} must be a [{section}] table, not a value.")
            table[section] = {}
    sections: dict[str, dict[str, Any]] = {}
    for section, key, kind, env_name in _KEYS:
        fallback = _FALLBACK_ENVIRONMENT.get(env_name, "")
        if env.get(env_name, "") == "" and env.get(fallback, "") != "":
            env_name = fallback
        if env.get(env_name, "") != "":
            raw: Any = env[env_name]
            origin = f"The environment variable {env_name}"
        else:
            raw = table.get(section, {}).get(key)
            origin = f"`{key}` in the [{section}] section of {path}"
            if raw is None:
                continue
        try:
            sections.setdefault(section, {})[key] = _convert(raw, kind, origin)
        except SettingsError as error:
            problems.setdefault(section, error)
    keymap = _flatten(table.get("keymap", {}))
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        problems.setdefault("keymap", SettingsError(
            f"The [keymap] section of {path} must map binding ids to key strings, "
            'like `"prompt.send" = "ctrl+s"`.'))
        keymap = {}
    values = {section: ({} if section in problems else sections.get(section, {}))
              for section in _SECTIONS}
    return Settings(
        config_path=path,
        data_dir=default_data_dir(env),
        tongyi=TongyiSettings(**values["tongyi"]),
        qiniu=QiniuSettings(**values["qiniu"]),
        tencent=TencentSettings(**values["tencent"]),
        openai=OpenAISettings(**values["openai"]),
        chat=ChatSettings(**values["chat"]),
        audio=AudioSettings(**values["audio"]),
        voice=VoiceSettings(**values["voice"]),
        ui=UISettings(keymap=dict(keymap), **values["ui"]),
        network=NetworkSettings(**values["network"]),
        problems=problems,
    )


def _flatten(table: Any, prefix: str = "") -> Any:
    """`chat.new = "f9"` unquoted is a nested table to TOML; binding ids are dotted names."""
    if not isinstance(table, dict):
        return table
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as e:
        raise SettingsError(f"The settings file {path} is not UTF-8 text (byte {e.start} cannot "
                            "be read).", "Save it as UTF-8, or move it away to start from "
                            "defaults.") from None
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"The settings file {path} is not valid TOML ({e}).",
                            "Fix that line, or move the file away to start from defaults.",
                            ) from None
    except OSError as e:
        raise SettingsError(f"The settings file {path} cannot be read ({e.strerror}).") from None
    return table


def _convert(raw: Any, kind: str, origin: str) -> Any:
    if kind in ("str", "ascii", "secret", "url") or kind.startswith("choice:"):
        if not isinstance(raw, str):
            raise SettingsError(f"{origin} must be a string (in quotes).")
        value = raw.strip()
        if kind in ("ascii", "secret") and not value.isascii():
            # Sent in HTTP headers (or signed as such): a non-ASCII value can never work.
            raise SettingsError(f"{origin} holds characters that are not ASCII; "
                                "it was probably pasted with a stray character.")
        if kind == "secret":
            return Secret(value)
        if kind == "url":
            return _url(value, origin)
        if kind.startswith("choice:"):
            choices = kind.split(":", 1)[1].split(",")
            if value not in choices:
                raise SettingsError(f"{origin} must be one of {', '.join(choices)}; "
                                    f"it is {inert_value(repr(value))}.")
        return value
    if kind == "audio_input":
        value = raw.strip() if isinstance(raw, str) else ""
        if value != "microphone" and not (value.startswith("file:") and len(value) > 5):
            raise SettingsError(f'{origin} must be "microphone" or "file:PATH"; '
                                f"it is {inert_value(repr(raw))}.")
        return value
    if kind == "text":  # free text, kept as written (a system prompt)
        if not isinstance(raw, str):
            raise SettingsError(f"{origin} must be a string (in quotes).")
        return raw
    if kind == "count":
        try:
            count = int(raw)
        except (TypeError, ValueError, OverflowError):
            count = 0
        if count < 1 or isinstance(raw, (bool, float)):
            raise SettingsError(f"{origin} must be a whole number of 1 or more; "
                                f"it is {inert_value(repr(raw))}.")
        return count
    if kind in ("speed", "seconds"):
        low, high = (SPEED_MIN, SPEED_MAX) if kind == "speed" else (0.0, _MAX_TIMEOUT)
        try:
            number = float(raw)
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        if isinstance(raw, bool) or not low <= number <= high or (kind == "seconds" and not number):
            what = (f"a number from {low} to {high}" if kind == "speed"
                    else f"a number of seconds above 0 and at most {high:.0f}")
            raise SettingsError(f"{origin} must be {what}; it is {inert_value(repr(raw))}.")
        return number
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{origin} must be true or false; it is {inert_value(repr(raw))}.")
    raise AssertionError(kind)


def _url(value: str, origin: str) -> str:
    """An http(s) URL with a host and a valid port, without its trailing slash."""
    shown = inert_value(repr(value))
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed [ of an IPv6 address
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{origin} must be an http:// or https:// URL with a host name, "
                            f"not {shown}.")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SettingsError(f"{origin} has no valid port (1-65535): {shown}.")
    if not value.isascii() or any(ch.isspace() for ch in value):
        raise SettingsError(f"{origin} must be a URL without spaces or non-ASCII characters; "
                            f"it is {shown}.")
    return value.rstrip("/")


def save_setting(path: Path, section: str, key: str, value: Any) -> None:
    """Write one value into the settings file, keeping the user's comments and layout."""
    import tomlkit

    try:
        document = (tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists()
                    else tomlkit.document())
        table = document.setdefault(section, tomlkit.table())
        table[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        # The file holds secrets: keep its mode (a new one is 0600) and a symlink to it.
        replace_keeping_mode(path, tomlkit.dumps(document))
    except OSError as e:
        raise SettingsError(f"Could not save `{key}` to {path} ({e.strerror}).",
                            "Check that the folder is writable and the disk is not full.") from None
    except Exception as e:  # tomlkit's parse errors have no common base class
        raise SettingsError(f"Could not update {path}: it is not valid TOML ({e}).") from None

