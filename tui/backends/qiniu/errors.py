"""Qiniu's error answers and transport failures, turned into domain errors a person can act on."""

from __future__ import annotations

from dataclasses import dataclass

from tui.backends.error_body import code_and_message
from tui.domain.errors import (
    AichatError,
    AudioError,
    AuthError,
    InvalidInput,
    NetworkError,
    RateLimited,
    ServiceError,
)
from tui.domain.inert_text import inert_value
from tui.domain.secret import redact

KEY_ENV = "AICHAT_QINIU_API_KEY"
BASE_URL_ENV = "AICHAT_QINIU_BASE_URL"
VOICE_ENV = "AICHAT_QINIU_VOICE"
# Recognition error codes that mean the audio itself could not be heard.
AUDIO_ERROR_CODES = (45000002, 45000151)


@dataclass(frozen=True)
class QiniuErrors:
    """Builds the errors of one client: knows its host, its settings file and its key (to
    scrub it from anything the service echoes back)."""

    host: str
    config_path: str
    api_key: str
    timeout: float = 60.0

    def where(self, key: str, env: str) -> str:
        return f"`{key}` in the [qiniu] section of {self.config_path} or {env}"

    def key_refused(self) -> AuthError:
        return AuthError("The Qiniu API key was refused.",
                         f"Set api_key in [qiniu] of {self.config_path} or {KEY_ENV}.",
                         code="invalid_api_key")

    def from_status(self, status: int, body: bytes | bytearray | str, *, voice: str = "",
                    retry_after: str | None = None) -> AichatError:
        """The error for a non-2xx answer (or an error frame on the WebSocket)."""
        code, message = code_and_message(body)
        code, message = inert_value(code), inert_value(self.scrub(message))
        if status in (401, 403):
            return self.key_refused()
        if status == 429:
            return RateLimited("Qiniu is limiting how fast speech can be requested.",
                               "Wait a moment and try again.", code=code or None,
                               retry_after=_seconds(retry_after))
        if code == "3050":
            return ServiceError(f"Qiniu does not know the voice {inert_value(repr(voice))}.",
                                "Pick one from `aichat-tui voices` and set it as "
                                f"{self.where('voice', VOICE_ENV)}.", code=code)
        if code == "3011":
            return InvalidInput("There is no text to speak (Qiniu refused an empty text).",
                                "Give it some words to read.", code=code)
        if code == "3010":
            return InvalidInput("The text is too long for one Qiniu request (over 1024 bytes).",
                                "Split it at sentence ends; aichat-tui does this when it reads "
                                "replies.", code=code)
        if status == 404:
            return ServiceError(f"{self.host} has no Qiniu speech API at that address (HTTP 404).",
                                f"Check {self.where('base_url', BASE_URL_ENV)}; it usually ends "
                                "in /v1.", code=code or None)
        if status >= 500:
            return ServiceError(f"Qiniu's server failed (HTTP {status}: {message}).",
                                "Try again in a minute.", code=code or None)
        return ServiceError(f"Qiniu refused the speech request (HTTP {status}: {message}).",
                            f"Check the voice and speed, {self.where('voice', VOICE_ENV)}.",
                            code=code or None)

    def unreachable(self, error: BaseException) -> NetworkError:
        detail = type(error).__name__ if not str(error) else f"{type(error).__name__}: {error}"
        return NetworkError(f"Could not reach Qiniu at {self.host} "
                            f"({inert_value(self.scrub(detail))}).",
                            "Check your network connection, or "
                            f"{self.where('base_url', BASE_URL_ENV)}.")

    def timed_out(self) -> NetworkError:
        return NetworkError(f"Qiniu at {self.host} made no progress for {self.timeout:g} s.",
                            "Check your network connection and try again; [network] timeout "
                            "sets the limit.")

    def broken_stream(self, detail: str) -> NetworkError:
        return NetworkError(f"The speech stream from Qiniu at {self.host} broke off ({detail}).",
                            "Try again; what was already received has played.")

    def recognition_failed(self, code: int | None, message: str) -> AichatError:
        """An error frame from the streaming ASR (or an error answer to the REST call)."""
        said = inert_value(self.scrub(message))
        detail = f"code {code}: {said}" if code is not None else said
        if code in AUDIO_ERROR_CODES:
            return AudioError(f"Qiniu could not hear the audio ({detail}).",
                              "Send speech as WAV, MP3, FLAC or Ogg Vorbis, or another file.",
                              code=str(code))
        return ServiceError(f"Qiniu refused the speech recognition ({detail}).",
                            "Try again; if it keeps happening, report it.",
                            code=str(code) if code is not None else None)

    def recognition_broke(self, detail: str) -> NetworkError:
        return NetworkError(f"Speech recognition at {self.host} broke off ({detail}).",
                            "Try again; the transcript so far is kept.")

    def not_the_api(self, what: str) -> ServiceError:
        return ServiceError(f"{self.host} answered with {what}, not the Qiniu speech API.",
                            f"Check {self.where('base_url', BASE_URL_ENV)}.")

    def scrub(self, text: str) -> str:
        return redact(text, [self.api_key])


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
