"""What the body of an HTTP error answer says, whoever sent it.

The JSON shapes seen in the wild: `{"error": {"code", "message"}}` (OpenAI and Qiniu),
`{"error": "…"}`, `{"code", "message"}` and `{"detail": "…"}` (some proxies and gateways).
Anything else is shown as its first 200 characters.
"""

from __future__ import annotations

import json
from typing import Any


def code_and_message(body: bytes | bytearray | str) -> tuple[str, str]:
    """The error code ("" when none) and the message on one line, never empty. Neither is
    scrubbed of secrets nor made inert: the caller knows which secrets to scrub."""
    text = body if isinstance(body, str) else bytes(body).decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = None
    code, message = "", ""
    if isinstance(parsed, dict):
        inner = parsed.get("error")
        if isinstance(inner, dict):
            code, message = str(inner.get("code") or ""), str(inner.get("message") or "")
        elif isinstance(inner, str):
            message = inner
        message = message or str(parsed.get("message") or parsed.get("detail") or "")
        code = code or str(parsed.get("code") or "")
    return code, " ".join((message or text.strip()[:200] or "no details").split())
