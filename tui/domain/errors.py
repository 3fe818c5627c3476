"""The error taxonomy. Every error carries a sentence a person can act on.

Backends translate vendor errors into these; the UI and the CLI only ever show `str(error)`,
which is `message` followed by `hint` (what to do about it).
"""

from __future__ import annotations


class AichatError(Exception):
    """Base of every error aichat-tui shows to a user."""

    # The conversation a failed reply belonged to, when the service had named it: a script
    # can still continue it (`ask --json`).
    session_id: str | None = None

    def __init__(self, message: str, hint: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class SettingsError(AichatError):
    """A setting is missing or malformed."""


class AuthError(AichatError):
    """Credentials were refused: wrong key, wrong secret, missing permission, clock skew."""


class RateLimited(AichatError):
    """The service asked us to slow down."""

    def __init__(self, message: str, hint: str = "", *, code: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message, hint, code=code)
        self.retry_after = retry_after


class ServiceError(AichatError):
    """The service answered with an error (or with something that is not its protocol)."""


class NetworkError(AichatError):
    """The service could not be reached, or the connection failed."""


class StreamInterrupted(AichatError):
    """A reply stream ended before the service said it was complete. Partial text is kept."""


class AudioError(AichatError):
    """Audio could not be decoded or played."""


class NoSoundDevice(AudioError):
    """There is no sound device to play on; audio can still be saved to a file."""


class InvalidInput(AichatError):
    """What the user asked to send cannot be sent as it is (empty, too long)."""
