"""Alibaba POP gateway error codes -> domain errors that say what to fix."""

from __future__ import annotations

from tui.domain.errors import AichatError, AuthError, RateLimited, ServiceError
from tui.domain.inert_text import inert_value

_KEY_ID = "`access_key_id` ([tongyi] in the settings file, or ALIBABA_CLOUD_ACCESS_KEY_ID)"
_SECRET = "`access_key_secret` ([tongyi] in the settings file, or ALIBABA_CLOUD_ACCESS_KEY_SECRET)"

RETRYABLE_CODES = frozenset({"Throttling", "Throttling.User", "Throttling.Api", "InternalError",
                             "ServiceUnavailable", "SignatureNonceUsed"})


def is_retryable(status: int, code: str) -> bool:
    return code in RETRYABLE_CODES or code.startswith("Throttling") or status >= 500


def gateway_error(status: int, code: str, message: str, retry_after: float | None) -> AichatError:
    """The error to show once retries (if any) are exhausted."""
    if code == "InvalidAccessKeyId.NotFound":
        return AuthError("Alibaba Cloud does not know this AccessKey ID.", f"Check {_KEY_ID}.",
                         code=code)
    if code == "InvalidAccessKeyId.Inactive":
        return AuthError("This AccessKey is disabled in Alibaba Cloud.",
                         "Enable it in the RAM console, or set another key in " + _KEY_ID + ".",
                         code=code)
    if code == "SignatureDoesNotMatch":
        return AuthError("Alibaba Cloud rejected the request signature: the AccessKey secret is "
                         "probably wrong.", f"Check {_SECRET}.", code=code)
    if code == "InvalidTimeStamp.Expired":
        return AuthError("Alibaba Cloud says this computer's clock is off by more than 15 minutes.",
                         "Set the system clock (enable NTP time sync) and try again.", code=code)
    if code in ("Forbidden.RAM", "Forbidden") or (status == 403 and code.startswith("Forbidden")):
        return AuthError("This AccessKey's RAM user may not call "
                         "chatbot:ApplyForStreamAccessToken.",
                         "Grant that permission (e.g. the AliyunChatbotFullAccess policy) in the "
                         "RAM console.", code=code)
    if code.startswith("Throttling"):
        return RateLimited("Alibaba Cloud is throttling requests from this account.",
                           "Wait a moment, then try again.", code=code, retry_after=retry_after)
    if code == "IncompleteSignature":
        return ServiceError("Alibaba Cloud says the request signature is incomplete; this is a "
                            "bug in aichat-tui.", "Please report it.", code=code)
    code, message = inert_value(code), inert_value(message)
    if status >= 500:
        return ServiceError(f"Alibaba Cloud's API gateway is unavailable (HTTP {status} {code}).",
                            "Try again in a minute.", code=code)
    detail = f"{code}: {message}" if message else code or f"HTTP {status}"
    return ServiceError(f"Alibaba Cloud refused the token request ({detail}).",
                        "Check the [tongyi] settings.", code=code or None)
