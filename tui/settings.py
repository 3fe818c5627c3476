"""Settings: the TOML file, overridden by the environment, overridden by the command line.

Every key has one environment name: `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` (Alibaba's own
convention) and `AICHAT_<SECTION>_<KEY>` for the rest. A bad value raises `SettingsError`
with one sentence that names the key and where to set it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.domain.errors import SettingsError
from tui.domain.secret import Secret
from tui.domain.voice import SPEED_MAX, SPEED_MIN

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APP_NAME = "aichat-tui"
DEFAULT_TONGYI_ENDPOINT = "https://chatbot.cn-shanghai.aliyuncs.com"
DEFAULT_TONGYI_STREAM_URL = "https://alime-ws.aliyuncs.com/sse/paas4Json"
DEFAULT_QINIU_BASE_URL = "https://openai.qiniu.com/v1"
DEFAULT_QINIU_VOICE = "qiniu_zh_female_wwxkjx"


@dataclass(frozen=True)
class TongyiSettings:
    access_key_id: str = ""
    access_key_secret: Secret = field(default_factory=lambda: Secret(""))
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


@dataclass(frozen=True)
class QiniuSettings:
    api_key: Secret = field(default_factory=lambda: Secret(""))
    base_url: str = DEFAULT_QINIU_BASE_URL
    voice: str = DEFAULT_QINIU_VOICE
    speed: float = 1.0


@dataclass(frozen=True)
class AudioSettings:
    backend: str = "miniaudio"
    read_aloud: bool = False


@dataclass(frozen=True)
class UISettings:
    theme: str = "aichat-dark"
    keymap: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    config_path: Path
    data_dir: Path
    tongyi: TongyiSettings = field(default_factory=TongyiSettings)
    qiniu: QiniuSettings = field(default_factory=QiniuSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    ui: UISettings = field(default_factory=UISettings)
    demo: bool = False

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
    def user_themes_dir(self) -> Path:
        return self.config_path.parent / "themes"

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        return [self.tongyi.access_key_secret.reveal(), self.qiniu.api_key.reveal()]


# (section, key, kind, environment name). kind: str | secret | float | bool | url | choice:a,b
_KEYS: list[tuple[str, str, str, str]] = [
    ("tongyi", "access_key_id", "str", "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    ("tongyi", "access_key_secret", "secret", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    ("tongyi", "agent_key", "str", "AICHAT_TONGYI_AGENT_KEY"),
    ("tongyi", "instance_id", "str", "AICHAT_TONGYI_INSTANCE_ID"),
    ("tongyi", "endpoint", "url", "AICHAT_TONGYI_ENDPOINT"),
    ("tongyi", "stream_url", "url", "AICHAT_TONGYI_STREAM_URL"),
    ("qiniu", "api_key", "secret", "AICHAT_QINIU_API_KEY"),
    ("qiniu", "base_url", "url", "AICHAT_QINIU_BASE_URL"),
    ("qiniu", "voice", "str", "AICHAT_QINIU_VOICE"),
    ("qiniu", "speed", "speed", "AICHAT_QINIU_SPEED"),
    ("audio", "backend", "choice:miniaudio,simpleaudio", "AICHAT_AUDIO_BACKEND"),
    ("audio", "read_aloud", "bool", "AICHAT_AUDIO_READ_ALOUD"),
    ("ui", "theme", "str", "AICHAT_UI_THEME"),
]
ENVIRONMENT_NAMES = {f"{section}.{key}": env for section, key, _, env in _KEYS}


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
    """Read the settings file (if any) and the environment; raise SettingsError on bad values."""
    env = os.environ if env is None else env
    path = config_path or default_config_path(env)
    table = _read_toml(path)
    sections: dict[str, dict[str, Any]] = {}
    for section, key, kind, env_name in _KEYS:
        where = f"`{key}` in the [{section}] section of {path} or the environment variable {env_name}"
        if env.get(env_name, "") != "":
            raw: Any = env[env_name]
            origin = f"the environment variable {env_name}"
        else:
            raw = table.get(section, {}).get(key)
            origin = f"`{key}` in the [{section}] section of {path}"
            if raw is None:
                continue
        sections.setdefault(section, {})[key] = _convert(raw, kind, origin, where)
    keymap = _flatten(table.get("keymap", {}))
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise SettingsError(f"The [keymap] section of {path} must map binding ids to key strings, "
                            'like `send = "ctrl+s"`.')
    return Settings(
        config_path=path,
        data_dir=default_data_dir(env),
        tongyi=TongyiSettings(**sections.get("tongyi", {})),
        qiniu=QiniuSettings(**sections.get("qiniu", {})),
        audio=AudioSettings(**sections.get("audio", {})),
        ui=UISettings(keymap=dict(keymap), **sections.get("ui", {})),
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
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"The settings file {path} is not valid TOML ({e}).",
                            "Fix that line, or move the file away to start from defaults.") from None
    except OSError as e:
        raise SettingsError(f"The settings file {path} cannot be read ({e.strerror}).") from None
    for section in ("tongyi", "qiniu", "audio", "ui", "keymap"):
        if section in table and not isinstance(table[section], dict):
            raise SettingsError(f"`{section}` in {path} must be a [{section}] table, not a value.")
    return table


def _convert(raw: Any, kind: str, origin: str, where: str) -> Any:
    if kind in ("str", "secret", "url") or kind.startswith("choice:"):
        if not isinstance(raw, str):
            raise SettingsError(f"{origin} must be a string (in quotes).")
        value = raw.strip()
        if kind == "secret":
            return Secret(value)
        if kind == "url":
            if not value.startswith(("http://", "https://")) or "//" not in value[6:8] + value[5:8]:
                raise SettingsError(f"{origin} must be an http:// or https:// URL, not {value!r}.")
            return value.rstrip("/")
        if kind.startswith("choice:"):
            choices = kind.split(":", 1)[1].split(",")
            if value not in choices:
                raise SettingsError(f"{origin} must be one of {', '.join(choices)}; it is {value!r}.")
        return value
    if kind == "speed":
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = float("nan")
        if not SPEED_MIN <= value <= SPEED_MAX or isinstance(raw, bool):
            raise SettingsError(
                f"{origin} must be a number from {SPEED_MIN} to {SPEED_MAX}; it is {raw!r}.")
        return value
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{origin} must be true or false; it is {raw!r}.")
    raise AssertionError(kind)


def save_setting(path: Path, section: str, key: str, value: Any) -> None:
    """Write one value into the settings file, keeping the user's comments and layout."""
    import tomlkit

    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        table = document.setdefault(section, tomlkit.table())
        table[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
        tmp.replace(path)
    except OSError as e:
        raise SettingsError(f"Could not save `{key}` to {path} ({e.strerror}).",
                            "Check that the folder is writable and the disk is not full.") from None
    except Exception as e:  # tomlkit's parse errors have no common base class
        raise SettingsError(f"Could not update {path}: it is not valid TOML ({e}).") from None

