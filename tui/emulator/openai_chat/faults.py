"""OpenAI-shaped error answers: `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error",
          404: "invalid_request_error", 429: "rate_limit_exceeded"}


def error_body(message: str, code: str | None, status: int = 500,
               param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "server_error"),
                      "param": param, "code": code}}


def error_response(status: int, message: str, code: str | None, *, param: str | None = None,
                   retry_after: float | None = None) -> web.Response:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
    return web.Response(status=status, text=json.dumps(error_body(message, code, status, param)),
                        content_type="application/json", headers=headers)


def bad_key() -> web.Response:
    return error_response(401, "Incorrect API key provided. You can find your API key in the "
                          "console.", "invalid_api_key")


def unknown_model(model: str) -> web.Response:
    return error_response(404, f"The model `{model}` does not exist or you do not have access "
                          "to it.", "model_not_found", param="model")


def bad_request(message: str, param: str | None = None) -> web.Response:
    return error_response(400, message, None, param=param)


FAULT_MESSAGES = {429: ("Rate limit reached for requests. Please try again later.",
                        "rate_limit_exceeded"),
                  500: ("The server had an error while processing your request.", None),
                  502: ("Bad gateway.", None),
                  503: ("The engine is currently overloaded, please try again later.", None)}


def fault(status: int, retry_after: float | None) -> web.Response:
    message, code = FAULT_MESSAGES.get(status, ("The server had an error.", None))
    return error_response(status, message, code, retry_after=retry_after)
