"""How a reply's extras (clarify options, hand-over requests) and errors are kept in Message.meta.

Message.meta is stored as JSON, so it holds plain data only. This module is the one place that
knows its layout, for the recorder that writes it, the screens that reload it and the exporter:

    {"extras": [{"kind": "clarify", "title": ..., "content": ..., "options": [...]},
                {"kind": "hand_over", "detail": ...}],
     "error": "what went wrong, as shown to the user",
     "reasoning": "the thinking of a reasoning model, never part of the answer",
     "finish_reason": "length" | "content_filter" (only when not a plain "stop")}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui.domain.events import ClarifyOptions, HandOverToHuman

Extra = ClarifyOptions | HandOverToHuman


def reply_meta(extras: Iterable[Extra] = (), error: str | None = None, *, reasoning: str = "",
               finish_reason: str | None = None) -> dict[str, Any]:
    """The meta dict for a finished reply."""
    meta: dict[str, Any] = {}
    encoded = [_encode(extra) for extra in extras]
    if encoded:
        meta["extras"] = encoded
    if error:
        meta["error"] = error
    if reasoning:
        meta["reasoning"] = reasoning
    if finish_reason and finish_reason != "stop":
        meta["finish_reason"] = finish_reason
    return meta


def reply_reasoning(meta: Mapping[str, Any]) -> str:
    reasoning = meta.get("reasoning")
    return reasoning if isinstance(reasoning, str) else ""


def reply_finish_reason(meta: Mapping[str, Any]) -> str | None:
    reason = meta.get("finish_reason")
    return reason if isinstance(reason, str) and reason else None


def reply_extras(meta: Mapping[str, Any]) -> tuple[Extra, ...]:
    """The extras kept in `meta`; entries of a kind this version does not know are skipped."""
    decoded = (_decode(item) for item in meta.get("extras", ()) if isinstance(item, Mapping))
    return tuple(extra for extra in decoded if extra is not None)


def reply_error(meta: Mapping[str, Any]) -> str | None:
    error = meta.get("error")
    return error if isinstance(error, str) and error else None


def _encode(extra: Extra) -> dict[str, Any]:
    if isinstance(extra, ClarifyOptions):
        return {"kind": "clarify", "title": extra.title, "content": extra.content,
                "options": list(extra.options)}
    return {"kind": "hand_over", "detail": extra.detail}


def _decode(item: Mapping[str, Any]) -> Extra | None:
    kind = item.get("kind")
    if kind == "clarify":
        return ClarifyOptions(title=str(item.get("title", "")),
                              content=str(item.get("content", "")),
                              options=tuple(str(o) for o in item.get("options", ())))
    if kind == "hand_over":
        return HandOverToHuman(detail=str(item.get("detail", "")))
    return None
