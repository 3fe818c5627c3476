"""One OpenAI-compatible server as the client sees it, and the errors it can cause.

Qiniu is one such server (`[qiniu]`), any other is `[openai]`; an `Endpoint` carries what
differs between them: where it is, its key, its default model, which settings section to name
in hints, and whether model ids take Qiniu's `?search` suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tui.backends.deadlines import try_again_hint
from tui.backends.error_body import code_and_message
from tui.domain.errors import (
    AichatError,
    AuthError,
    InvalidInput,
    NetworkError,
    RateLimited,
    ServiceError,
    StreamInterrupted,
)
from tui.domain.inert_text import inert_value
from tui.domain.secret import Secret, redact

SEARCH_SUFFIX = "?search"


@dataclass(frozen=True)
class Endpoint:
    provider: str  # the provider name: "qiniu", "openai"
    label: str  # how people call it: "Qiniu", "the OpenAI-compatible server"
    base_url: str  # ends before /chat/completions, usually in /v1
    api_key: Secret
    model: str  # the default model; empty: the first one the server lists
    section: str  # the settings section that configures it
    config_path: str
    environment: dict[str, str]  # setting key -> environment variable, for hints
    search_suffix: bool = False  # model ids take "?search" to turn on web search

    @property
    def host(self) -> str:
        url = httpx.URL(self.base_url)
        return url.host if url.port is None else f"{url.host}:{url.port}"

    def where(self, key: str) -> str:
        return (f"`{key}` in the [{self.section}] section of {self.config_path} or "
                f"{self.environment.get(key, 'the environment')}")

    def wire_model(self, model: str, search: bool) -> str:
        return model + SEARCH_SUFFIX if search and self.search_suffix else model

    # -- errors -----------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        return redact(text, [self.api_key.reveal()])

    def http_error(self, status: int, body: bytes, model: str,
                   retry_after: float | None) -> AichatError:
        """The error for a non-2xx answer."""
        code, message = code_and_message(body)
        code, message = inert_value(code), inert_value(self.scrub(message))
        said = f"HTTP {status}: {message}"
        named = inert_value(repr(model))
        if status in (401, 403):
            needs = "refused the API key" if self.api_key else "wants an API key"
            return AuthError(f"{self.label} at {self.host} {needs} ({said}).",
                             f"Set {self.where('api_key')}.", code=code or "invalid_api_key")
        if code == "model_not_found" or (status == 404 and "model" in message.lower()):
            return ServiceError(f"{self.label} does not know the model {named} ({said}).",
                                f"List its models with `aichat-tui models --provider "
                                f"{self.provider}`, then pick one with --model or the model "
                                f"picker, or set {self.where('model')}.", code="model_not_found")
        if status == 404:
            return ServiceError(f"{self.host} has no OpenAI-compatible chat API at that address "
                                f"({said}).", f"Check {self.where('base_url')}; it usually ends "
                                "in /v1.", code=code or None)
        if status == 429:
            return RateLimited(f"{self.label} is limiting requests ({said}).",
                               try_again_hint(retry_after), code=code or None,
                               retry_after=retry_after)
        if status >= 500:
            return ServiceError(f"{self.label}'s server failed ({said}).",
                                "Try again in a minute.", code=code or None)
        if code == "context_length_exceeded":
            return InvalidInput(f"The conversation is too long for {named} ({said}).",
                                "Start a new conversation, or lower `context_chars` in [chat].",
                                code=code)
        return ServiceError(f"{self.label} refused the request ({said}).",
                            f"Check the model and {self.where('base_url')}.", code=code or None)

    def stream_error(self, error: Any) -> ServiceError:
        """An `{"error": {...}}` object inside the stream."""
        if isinstance(error, dict):
            message = str(error.get("message") or "no message")
            code = str(error.get("code") or error.get("type") or "") or None
        else:
            message, code = str(error), None
        return ServiceError(f"{self.label} reported an error while answering: "
                            f"{inert_value(self.scrub(message))}",
                            "What arrived is kept; ask again to retry.",
                            code=code)

    def unreachable(self, error: httpx.HTTPError) -> NetworkError:
        if isinstance(error, httpx.TimeoutException):
            return self.timed_out()
        return NetworkError(f"Cannot connect to {self.label} at {self.host} "
                            f"({type(error).__name__}).",
                            "Check the network, and that the server runs; or "
                            f"{self.where('base_url')}.")

    def timed_out(self) -> NetworkError:
        return NetworkError(f"{self.label} at {self.host} did not answer in time.",
                            "Check the network and try again; a local server may still be "
                            "loading the model.")

    def interrupted(self, detail: str) -> StreamInterrupted:
        return StreamInterrupted(f"The reply from {self.label} stopped before it was complete "
                                 f"({detail}).", "What arrived is kept; ask again to retry.")

    def not_the_api(self, what: str) -> ServiceError:
        return ServiceError(f"{self.host} answered with {what}, not an OpenAI-compatible API.",
                            f"Check {self.where('base_url')}; it usually ends in /v1.")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait a 429 or 503 asks for (`Retry-After` in seconds; HTTP dates are not used by
    these servers and count as no answer)."""
    for name in ("retry-after-ms", "retry-after"):
        value = response.headers.get(name)
        if value:
            try:
                seconds = float(value) / (1000 if name == "retry-after-ms" else 1)
            except ValueError:
                continue
            return max(0.0, seconds)
    return None
