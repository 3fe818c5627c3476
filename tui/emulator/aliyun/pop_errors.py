"""The POP gateway's error answers: codes, HTTP statuses and messages as the real gateway sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HOST_ID = "chatbot.cn-shanghai.aliyuncs.com"


@dataclass(frozen=True)
class PopError:
    code: str
    status: int
    message: str


CATALOGUE: dict[str, PopError] = {error.code: error for error in (
    PopError("MissingParameter", 400,
             "The input parameter that is mandatory for processing this request is not supplied."),
    PopError("IncompleteSignature", 400,
             "The request signature does not conform to Aliyun standards."),
    PopError("InvalidSignatureMethod", 400, "Specified signature method is not valid."),
    PopError("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."),
    PopError("InvalidAccessKeyId.Inactive", 400, "Specified access key is disabled."),
    PopError("SignatureDoesNotMatch", 400,
             "Specified signature is not matched with our calculation."),
    PopError("InvalidTimeStamp.Format", 400,
             "Specified time stamp or date value is not well formatted."),
    PopError("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."),
    PopError("SignatureNonceUsed", 400, "Specified signature nonce was used already."),
    PopError("InvalidAction.NotFound", 404,
             "Specified api is not found, please check your url and method."),
    PopError("InvalidVersion", 400, "Specified parameter Version is not valid."),
    PopError("Forbidden.RAM", 403, "User not authorized to operate on the specified resource, "
                                   "or this API doesn't support RAM."),
    PopError("Forbidden", 403, "User not authorized to operate on the specified resource."),
    PopError("Throttling", 400, "Request was denied due to request throttling."),
    PopError("Throttling.User", 400, "Request was denied due to user flow control."),
    PopError("Throttling.Api", 400, "Request was denied due to api flow control."),
    PopError("InternalError", 500, "The request processing has failed due to some unknown "
                                   "error, exception or failure."),
    PopError("ServiceUnavailable", 503,
             "The request has failed due to a temporary failure of the server."),
)}


class Rejection(Exception):
    """Raised inside the gateway to answer with one of the catalogue's errors."""

    def __init__(self, code: str, *, message: str | None = None, detail: str | None = None,
                 headers: Mapping[str, str] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        """`message` replaces the catalogue's message; `detail` is appended to it."""
        self.error = CATALOGUE[code]
        self.message = message or self.error.message
        if detail:
            self.message = f"{self.message} {detail}"
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(f"{code}: {self.message}")


def error_body(rejection: Rejection, request_id: str) -> dict[str, Any]:
    code = rejection.error.code
    return {
        "RequestId": request_id,
        "HostId": HOST_ID,
        "Code": code,
        "Message": rejection.message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Chatbot"
                     f"&requestId={request_id}",
        **rejection.extra,
    }
