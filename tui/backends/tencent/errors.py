"""The platform's `ret` codes, and transport failures, as domain errors a person can act on.

Every answer is HTTP 200; only `ret == 0` is success, whatever else the body holds.
"""

from __future__ import annotations

from dataclasses import dataclass

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

APP_ID_ENV = "AICHAT_TENCENT_APP_ID"
APP_KEY_ENV = "AICHAT_TENCENT_APP_KEY"
BASE_URL_ENV = "AICHAT_TENCENT_BASE_URL"

QPS_LIMIT = 9

# What each API is called in the platform's console, for "enable it for your app".
API_NAMES = {
    "nlp/nlp_textchat": "智能闲聊 (chat)",
    "aai/aai_tts": "语音合成 (text to speech)",
    "aai/aai_asr": "语音识别 (speech recognition)",
    "aai/aai_wxasrlong": "长语音识别 (long speech recognition)",
    "aai/aai_detectkeyword": "关键词检索 (keyword detection)",
}


@dataclass(frozen=True)
class TencentErrors:
    """Builds the errors of one client: knows its host, its settings file and its app key (to
    scrub it from anything the service echoes back)."""

    host: str
    config_path: str
    app_key: str

    def where(self, key: str, env: str) -> str:
        return f"`{key}` in the [tencent] section of {self.config_path} or {env}"

    def from_ret(self, ret: int, msg: str, api: str) -> AichatError:
        detail = inert_value(self.scrub(msg)) or "no details"
        code = str(ret)
        name = API_NAMES.get(api, api)
        if ret == 16388:
            return AuthError("Tencent refused the request signature: the app key is wrong.",
                             f"Set the app's key as {self.where('app_key', APP_KEY_ENV)}.",
                             code=code)
        if ret == 12289:
            return AuthError("Tencent does not know this app id.",
                             f"Set it as {self.where('app_id', APP_ID_ENV)}.", code=code)
        if ret == 16390:
            return AuthError("Tencent refused the request's time: this computer's clock is off "
                             "by more than 5 minutes.",
                             "Set the clock right (turn on network time) and try again.",
                             code=code)
        if ret == 16389:
            return AuthError(f"This Tencent app has no permission for {name}.",
                             "Add that capability to the app in the platform's console, or use "
                             "an app that has it.", code=code)
        if ret == QPS_LIMIT:
            return RateLimited("Tencent is limiting how often this app may call "
                               f"{name} (requests per second).",
                               "Wait a moment and try again.", code=code)
        if ret == 16394:
            return ServiceError("Tencent's chatbot had no answer to that.",
                                "Ask it another way.", code=code)
        if ret == 16453:
            return NetworkError("Tencent's chatbot took too long to answer.",
                                "Try again in a moment.", code=code)
        if ret == 16414:
            return ServiceError(f"Tencent could not synthesize that text ({detail}).",
                                "Try again, or another voice.", code=code)
        if ret == 16454:
            return AudioError(f"Tencent could not decode the audio ({detail}).",
                              "Use 16-bit mono PCM or WAV at 16 kHz (8 kHz for keywords).",
                              code=code)
        if ret == 16455:
            return InvalidInput(f"Tencent refused the speech: it is empty or too long ({detail}).",
                                "Use a shorter recording with some speech in it, or --long.",
                                code=code)
        if ret == 4096:
            return InvalidInput(f"Tencent refused a parameter of the request ({detail}).",
                                code=code)
        if ret in (16385, 16386, 16387):
            return ServiceError(f"Tencent says the request was incomplete ({detail}).",
                                f"Check {self.where('base_url', BASE_URL_ENV)}: it may not be a "
                                "gateway for this protocol.", code=code)
        if ret < 0:
            return ServiceError(f"Tencent's server failed (ret {ret}: {detail}).",
                                "Try again later.", code=code)
        return ServiceError(f"Tencent refused the request (ret {ret}: {detail}).", code=code)

    def unreachable(self, error: BaseException) -> NetworkError:
        detail = type(error).__name__ if not str(error) else f"{type(error).__name__}: {error}"
        return NetworkError(f"Could not reach the Tencent AI platform at {self.host} "
                            f"({inert_value(self.scrub(detail))}).",
                            "The public service closed in 2021; point "
                            f"{self.where('base_url', BASE_URL_ENV)} at a compatible gateway.")

    def timed_out(self) -> NetworkError:
        return NetworkError(f"The Tencent AI platform at {self.host} did not answer in time.",
                            "Check your network connection and try again.")

    def not_the_api(self, what: str) -> ServiceError:
        return ServiceError(f"{self.host} answered with {what}, not the Tencent AI platform's "
                            "protocol.", f"Check {self.where('base_url', BASE_URL_ENV)}; it "
                            "usually ends in /fcgi-bin.")

    def scrub(self, text: str) -> str:
        return redact(text, [self.app_key])
