"""What a person is told when a reply ended for a reason other than being complete."""

from __future__ import annotations

_NOTICES = {
    "length": "The reply was cut at the length limit.",
    "content_filter": "The service's content filter stopped the reply.",
}


def finish_notice(finish_reason: str | None) -> str | None:
    """A sentence for a finish reason worth telling, else None ("stop", or none given)."""
    return _NOTICES.get(finish_reason or "")
