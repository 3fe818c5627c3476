"""The chat providers aichat-tui knows: which are set up, and making one by name.

The CLI and the app only go through here, so a new provider is one entry in `_SPECS`: its
name and label, what is missing from the settings, how to build it, and how to list models.
A provider that keeps the conversation itself (Tongyi) lists one entry, named after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple

from tui.backends.model_cache import ModelListCache
from tui.domain.errors import SettingsError
from tui.domain.providers import ChatProvider
from tui.settings import CHAT_PROVIDERS, ENVIRONMENT_NAMES, Settings

if TYPE_CHECKING:
    # The app imports the registry at start-up; httpx loads with the first provider.
    from typing import TypeAlias

    import httpx

    from tui.backends.openai import Endpoint, OpenAIProvider

    Transport: TypeAlias = httpx.AsyncBaseTransport | None


class ModelEntry(NamedTuple):
    """One line of the model picker and of `aichat-tui models`."""

    provider: str
    id: str
    # What to put in ChatRequest.model (None: the provider's own choice, e.g. Tongyi).
    model: str | None


class _Spec(NamedTuple):
    label: str
    missing: Callable[[Settings], list[str]]  # setting keys ("section.key") not set
    build: Callable[[Settings, Transport], ChatProvider]
    default_model: Callable[[Settings], str | None]
    # None: the provider has no model list; it is one entry, `id` = the provider's name.
    # Else: where the list comes from (the cache key) and how to fetch it.
    source: Callable[[Settings], str] | None = None
    fetch_models: Callable[[Settings, Transport], Awaitable[list[str]]] | None = None
    # The setting that names its default model ("section.key"), when it has one.
    model_setting: str | None = None


def _tongyi(settings: Settings, transport: Transport) -> ChatProvider:
    from tui.backends.aliyun import TongyiProvider

    return TongyiProvider(settings.tongyi, network=settings.network, transport=transport,
                          token_file=settings.token_path)


def _tencent(settings: Settings, transport: Transport) -> ChatProvider:
    from tui.backends.tencent.chat import TencentChat
    from tui.backends.tencent.client import TencentClient

    return TencentChat(TencentClient(settings.tencent, config_path=settings.config_path,
                                     transport=transport, timeout=settings.network.timeout))


def endpoint(settings: Settings, name: str) -> Endpoint:
    """The OpenAI-compatible server that provider `name` ("qiniu" or "openai") talks to."""
    from tui.backends.openai import Endpoint

    env = {key: ENVIRONMENT_NAMES[f"{name}.{key}"] for key in ("api_key", "base_url", "model")}
    if name == "qiniu":
        return Endpoint("qiniu", "Qiniu", settings.qiniu.base_url, settings.qiniu.api_key,
                        settings.qiniu.model, "qiniu", str(settings.config_path), env,
                        search_suffix=True)
    return Endpoint("openai", "The OpenAI-compatible server", settings.openai.base_url,
                    settings.openai.api_key, settings.openai.model, "openai",
                    str(settings.config_path), env)


def _openai_provider(settings: Settings, name: str, transport: Transport) -> OpenAIProvider:
    from tui.backends.openai import OpenAIProvider

    return OpenAIProvider(endpoint(settings, name), context_chars=settings.chat.context_chars,
                          system_prompt=settings.chat.system_prompt, transport=transport,
                          timeout=settings.network.timeout)


def _openai_spec(name: str, label: str, missing: Callable[[Settings], list[str]],
                 default_model: Callable[[Settings], str | None]) -> _Spec:
    async def fetch_models(settings: Settings, transport: Transport) -> list[str]:
        provider = _openai_provider(settings, name, transport)
        try:
            return await provider.list_models()
        finally:
            await provider.aclose()

    return _Spec(label, missing, lambda s, t: _openai_provider(s, name, t), default_model,
                 source=lambda s: endpoint(s, name).base_url, fetch_models=fetch_models,
                 model_setting=f"{name}.model")


_SPECS: dict[str, _Spec] = {
    "tongyi": _Spec("Tongyi", lambda s: [f"tongyi.{key}" for key in s.tongyi.missing()], _tongyi,
                    lambda s: None),
    "qiniu": _openai_spec("qiniu", "Qiniu", lambda s: [] if s.qiniu.api_key else ["qiniu.api_key"],
                          lambda s: s.qiniu.model),
    "openai": _openai_spec("openai", "OpenAI-compatible",
                           lambda s: [] if s.openai.base_url else ["openai.base_url"],
                           lambda s: s.openai.model or None),
    # Tencent's chatbot keeps the conversation itself (one `session` per conversation).
    "tencent": _Spec("Tencent", lambda s: [f"tencent.{key}" for key in s.tencent.missing()],
                     _tencent, lambda s: None),
}
assert tuple(_SPECS) == CHAT_PROVIDERS


def names() -> tuple[str, ...]:
    return tuple(_SPECS)


def label(name: str) -> str:
    return _SPECS[name].label if name in _SPECS else name


def problem(settings: Settings, name: str) -> SettingsError | None:
    """Why the provider cannot be used with these settings, or None when it can."""
    if name not in _SPECS:
        return SettingsError(f"There is no chat provider {name!r}.",
                             f"Use one of {', '.join(_SPECS)}.")
    if name in settings.problems:  # a bad value in its section: say that, not "missing"
        return settings.problems[name]
    missing = _SPECS[name].missing(settings)
    if not missing:
        return None
    listed = ", ".join(f"`{key}` ({ENVIRONMENT_NAMES[key]})" for key in missing)
    section = missing[0].split(".")[0]
    return SettingsError(f"{label(name)} is not set up: {listed} missing.",
                         f"Set them in the [{section}] section of {settings.config_path} or in "
                         "the environment, or try aichat-tui --demo.")


def configured(settings: Settings) -> list[str]:
    """The providers these settings make usable, in the registry's order."""
    return [name for name in _SPECS if problem(settings, name) is None]


def build(settings: Settings, name: str, *,
          transport: Transport = None) -> ChatProvider:
    """The provider `name`; raises SettingsError when it is unknown or not set up."""
    error = problem(settings, name)
    if error is not None:
        raise error
    return _SPECS[name].build(settings, transport)


def default_model(settings: Settings, name: str) -> str | None:
    return _SPECS[name].default_model(settings) if name in _SPECS else None


def default_entry(settings: Settings, name: str) -> ModelEntry:
    """What provider `name` answers with when no model is chosen."""
    model = default_model(settings, name)
    return ModelEntry(name, model or name, model)


def model_setting(name: str) -> tuple[str, str] | None:
    """The (section, key) of the setting naming the provider's default model, if any."""
    spec = _SPECS.get(name)
    if spec is None or spec.model_setting is None:
        return None
    section, key = spec.model_setting.split(".")
    return section, key


async def list_models(settings: Settings, name: str, *, refresh: bool = False,
                      transport: Transport = None) -> list[ModelEntry]:
    """The provider's models: from the day-long cache unless `refresh`, else from the server."""
    spec = _SPECS[name]
    if spec.source is None or spec.fetch_models is None:
        return [ModelEntry(name, name, None)]
    error = problem(settings, name)
    if error is not None:
        raise error
    cache = ModelListCache(settings.cache_dir / "models.json")
    source = spec.source(settings)
    models = None if refresh else cache.load(name, source)
    if models is None:
        models = await spec.fetch_models(settings, transport)
        cache.save(name, source, models)
    return [ModelEntry(name, model, model) for model in models]

