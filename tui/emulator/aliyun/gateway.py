"""POST / : the POP gateway in front of the Chatbot API, as the official SDK meets it.

It authenticates a request (ACS3-HMAC-SHA256 header or legacy v1 `Signature` parameter),
checks the key, the clock and the nonce, then answers ApplyForStreamAccessToken (and minimal
Chat / CancelChat, which the SDK vectors exercise). Every refusal is the real gateway's JSON.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tui.emulator.aliyun.clock import FRESHNESS_WINDOW, Clock
from tui.emulator.aliyun.pop_errors import CATALOGUE, Rejection, error_body
from tui.emulator.aliyun.signature import (
    acs3_canonical_request,
    acs3_signature,
    acs3_string_to_sign,
    parse_acs3_authorization,
    signatures_equal,
    v1_signature,
    v1_string_to_sign,
)
from tui.emulator.aliyun.tokens import TokenStore

API_VERSION = "2022-04-08"
ACTIONS = frozenset({"ApplyForStreamAccessToken", "Chat", "CancelChat"})
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
Params = list[tuple[str, str]]


@dataclass(frozen=True)
class Call:
    """An authenticated request: who called which action with which parameters."""

    action: str
    access_key_id: str
    params: dict[str, str]


class Gateway:
    def __init__(self, config: Any, tokens: TokenStore, clock: Clock) -> None:
        self.config = config
        self.tokens = tokens
        self.clock = clock
        # Every ApplyForStreamAccessToken request that reached the gateway, refused or not.
        self.token_requests = 0
        self._faults: deque[tuple[str, int]] = deque()
        self._nonces: dict[tuple[str, str], float] = {}

    def inject_faults(self, codes: Iterable[str], retry_after_ms: int) -> None:
        codes = list(codes)
        unknown = [code for code in codes if code not in CATALOGUE]
        if unknown:
            raise ValueError(f"unknown gateway error code(s) {unknown}; known: {sorted(CATALOGUE)}")
        self._faults.extend((code, retry_after_ms) for code in codes)

    async def handle(self, request: web.Request) -> web.Response:
        request_id = str(uuid.uuid4()).upper()
        body = await request.read()
        try:
            call = self._authenticate(request, body)
            self._apply_policies(call)
            status, answer = 200, {"RequestId": request_id, **self._perform(call)}
            headers: dict[str, str] = {}
        except Rejection as rejection:
            status, answer, headers = (rejection.error.status, error_body(rejection, request_id),
                                       rejection.headers)
        return web.Response(
            status=status, content_type="application/json", charset="utf-8",
            body=json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            headers={"x-acs-request-id": request_id, **headers})

    # -- authentication ---------------------------------------------------------------------

    def _authenticate(self, request: web.Request, body: bytes) -> Call:
        query = parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True)
        form = (parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                if request.content_type == FORM_CONTENT_TYPE else [])
        headers = {name.lower(): value for name, value in request.headers.items()}
        params = dict(query + form)
        if "authorization" in headers:
            action = self._check_api(headers.get("x-acs-action"), headers.get("x-acs-version"))
            key_id = self._verify_acs3(request, headers, query, body)
        else:
            action = self._check_api(params.get("Action"), params.get("Version"))
            key_id = self._verify_v1(request.method, query + form)
        return Call(action, key_id, params)

    def _check_api(self, action: str | None, version: str | None) -> str:
        if action == "ApplyForStreamAccessToken":
            self.token_requests += 1
        if not action:
            raise _missing("Action")
        if action not in ACTIONS:
            raise Rejection("InvalidAction.NotFound")
        if not version:
            raise _missing("Version")
        if version != API_VERSION:
            raise Rejection("InvalidVersion",
                            detail=f"Got {version!r}; Chatbot uses {API_VERSION}.")
        return action

    def _verify_acs3(self, request: web.Request, headers: dict[str, str], query: Params,
                     body: bytes) -> str:
        auth = parse_acs3_authorization(headers["authorization"])
        if auth is None:
            raise Rejection("IncompleteSignature", detail=(
                "The Authorization header must read 'ACS3-HMAC-SHA256 Credential="
                "<AccessKeyId>,SignedHeaders=<names>,Signature=<hex>'."))
        secret = self._secret_of(auth.access_key_id)
        moment = self._parse_date(headers.get("x-acs-date"), "x-acs-date")
        nonce = headers.get("x-acs-signature-nonce") or ""
        if not nonce:
            raise _missing("x-acs-signature-nonce")
        self._check_freshness(auth.access_key_id, moment, nonce)
        signed = tuple(name.lower() for name in auth.signed_headers)
        required = {"host", *(name for name in headers if name.startswith("x-acs-"))}
        if body and "content-type" in headers:
            required.add("content-type")
        unsigned = sorted(required - set(signed))
        if unsigned:
            raise Rejection("IncompleteSignature",
                            detail=f"These headers must be signed: {', '.join(unsigned)}.")
        # The Host header as received is what the client signed (also behind a proxy or when
        # replaying a request recorded for another port).
        canonical = acs3_canonical_request(request.method, request.rel_url.raw_path, query,
                                           headers, signed, body)
        string_to_sign = acs3_string_to_sign(canonical)
        if not signatures_equal(acs3_signature(secret, string_to_sign), auth.signature):
            raise _signature_mismatch(string_to_sign)
        self._remember_nonce(auth.access_key_id, nonce)
        return auth.access_key_id

    def _verify_v1(self, method: str, params: Params) -> str:
        fields = dict(params)
        for name in ("Signature", "AccessKeyId", "SignatureMethod", "Timestamp", "SignatureNonce"):
            if not fields.get(name):
                raise _missing(name)
        if fields["SignatureMethod"] != "HMAC-SHA1":
            raise Rejection("InvalidSignatureMethod",
                            detail=f"Got {fields['SignatureMethod']!r}; use HMAC-SHA1.")
        key_id = fields["AccessKeyId"]
        secret = self._secret_of(key_id)
        moment = self._parse_date(fields["Timestamp"], "Timestamp")
        self._check_freshness(key_id, moment, fields["SignatureNonce"])
        string_to_sign = v1_string_to_sign(
            method, [(name, value) for name, value in params if name != "Signature"])
        if not signatures_equal(v1_signature(secret, string_to_sign), fields["Signature"]):
            raise _signature_mismatch(string_to_sign)
        self._remember_nonce(key_id, fields["SignatureNonce"])
        return key_id

    def _secret_of(self, key_id: str) -> str:
        secret = self.config.access_keys.get(key_id)
        if secret is None:
            raise Rejection("InvalidAccessKeyId.NotFound")
        if key_id in self.config.inactive_keys:
            raise Rejection("InvalidAccessKeyId.Inactive")
        return secret

    def _parse_date(self, value: str | None, name: str) -> float:
        if not value:
            raise _missing(name)
        try:
            moment = datetime.strptime(value, DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            raise Rejection("InvalidTimeStamp.Format",
                            detail=f"{name} must look like 2024-05-01T12:00:00Z (UTC).") from None
        return moment.timestamp()

    def _check_freshness(self, key_id: str, moment: float, nonce: str) -> None:
        now = self.clock.now()
        if abs(now - moment) > FRESHNESS_WINDOW:
            raise Rejection("InvalidTimeStamp.Expired")
        seen = self._nonces.get((key_id, nonce))
        if seen is not None and now - seen <= FRESHNESS_WINDOW:
            raise Rejection("SignatureNonceUsed")

    def _remember_nonce(self, key_id: str, nonce: str) -> None:
        # Only a verified request uses up its nonce, so a forged one cannot burn a real client's.
        now = self.clock.now()
        self._nonces = {key: seen for key, seen in self._nonces.items()
                        if now - seen <= FRESHNESS_WINDOW}
        self._nonces[(key_id, nonce)] = now

    # -- after authentication ---------------------------------------------------------------

    def _apply_policies(self, call: Call) -> None:
        if self._faults:
            code, retry_after_ms = self._faults.popleft()
            headers = ({"x-acs-retry-after": str(retry_after_ms)}
                       if code.startswith("Throttling") else {})
            raise Rejection(code, headers=headers)
        if call.access_key_id in self.config.forbidden_keys:
            raise Rejection("Forbidden.RAM", extra={"AccessDeniedDetail": {
                "PolicyType": "AccountLevelIdentityBasedPolicy",
                "AuthPrincipalOwnerId": "1234567890123456",
                "AuthPrincipalType": "SubUser",
                "AuthPrincipalDisplayName": "aichat-emulator-ram-user",
                "NoPermissionType": "ImplicitDeny",
                "AuthAction": f"chatbot:{call.action}",
            }})

    def _perform(self, call: Call) -> dict[str, Any]:
        if call.action == "ApplyForStreamAccessToken":
            grant = self.tokens.issue(call.params.get("AgentKey"), self.config.token_ttl)
            return {"AccessToken": grant.access_token, "ChannelId": grant.channel_id,
                    "StreamSecret": grant.stream_secret}
        if call.action == "Chat":
            return {"MessageId": str(uuid.uuid4()),
                    "SessionId": call.params.get("SessionId") or uuid.uuid4().hex,
                    "Messages": []}
        return {}  # CancelChat


def _missing(name: str) -> Rejection:
    return Rejection("MissingParameter", message=f'The input parameter "{name}" that is mandatory '
                                                 f"for processing this request is not supplied.")


def _signature_mismatch(string_to_sign: str) -> Rejection:
    # Like the real gateway, show the server's string to sign: it holds no secret and is what
    # a developer needs to find an encoding difference.
    return Rejection("SignatureDoesNotMatch", detail=f"server string to sign is:{string_to_sign}")
