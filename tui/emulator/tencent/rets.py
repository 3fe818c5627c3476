"""The platform's `ret` codes and the answer shape: HTTP 200 always, and on an error `data`
still holds every key of the API's answer, empty."""

from __future__ import annotations

from typing import Any

from aiohttp import web

OK = 0
QPS_LIMIT = 9
INVALID_PARAM = 4096
UNKNOWN_APP = 12289
NO_APP_ID = 16385
NO_TIME_STAMP = 16386
NO_NONCE = 16387
BAD_SIGN = 16388
NO_PERMISSION = 16389
STALE_TIME_STAMP = 16390
EMPTY_ANSWER = 16394
TTS_FAILED = 16414
CHAT_TIMEOUT = 16453
ASR_DECODE_FAILED = 16454
SPEECH_LENGTH = 16455
SYSTEM_ERROR = -30

# The keys of each API's `data`, in the platform's order.
DATA_KEYS: dict[str, tuple[str, ...]] = {
    "nlp/nlp_textchat": ("session", "answer"),
    "aai/aai_tts": ("format", "speech", "md5sum"),
    "aai/aai_asr": ("format", "rate", "text"),
    "aai/aai_wxasrlong": ("task_id",),
    "aai/aai_detectkeyword": ("task_id",),
}


class Refusal(Exception):
    def __init__(self, ret: int, msg: str) -> None:
        super().__init__(msg)
        self.ret = ret
        self.msg = msg


def answer(api: str, ret: int, msg: str, data: dict[str, Any] | None = None) -> web.Response:
    body = {"ret": ret, "msg": msg,
            "data": data if data is not None else dict.fromkeys(DATA_KEYS.get(api, ()), "")}
    return web.json_response(body, dumps=_dumps)


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
