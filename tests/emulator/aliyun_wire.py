"""A test-side raw client for the emulated Alibaba services: it signs gateway requests by hand
(the vectors' algorithm, independent of both the emulator and the real client) and reads the
SSE stream byte for byte, so the tests see exactly what a client would receive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

VECTORS_PATH = Path(__file__).parents[1] / "fixtures" / "aliyun_sdk_requests.json"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _enc(text: str) -> str:
    return quote(text, safe="~")


def acs3_authorization(*, method: str, query: dict[str, str], headers: dict[str, str],
                       body: bytes, key_id: str, secret: str) -> str:
    """Every header in `headers` (lower-case names) is signed."""
    canonical_query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(query.items()))
    names = sorted(headers)
    canonical = "\n".join([method, "/", canonical_query,
                           "".join(f"{n}:{headers[n].strip()}\n" for n in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"ACS3-HMAC-SHA256 Credential={key_id},SignedHeaders={';'.join(names)},"
            f"Signature={signature}")


def v1_query(params: dict[str, str], *, key_id: str, secret: str, method: str = "POST",
             signature_method: str = "HMAC-SHA1", date: str | None = None) -> dict[str, str]:
    """The legacy RPC signature: every parameter, sorted and encoded, HMAC-SHA1 with secret&."""
    signed = {"Format": "json", "Version": "2022-04-08", "AccessKeyId": key_id,
              "SignatureMethod": signature_method, "SignatureVersion": "1.0",
              "SignatureNonce": uuid.uuid4().hex, "Timestamp": date or utc_stamp(), **params}
    canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(signed.items()))
    to_sign = f"{method}&{_enc('/')}&{_enc(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return {**signed, "Signature": base64.b64encode(digest).decode()}


def utc_stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Acs3Request:
    """A gateway call signed with ACS3; tweak fields before `send` to build a bad request."""

    base_url: str
    key_id: str
    secret: str
    action: str = "ApplyForStreamAccessToken"
    query: dict[str, str] = field(default_factory=lambda: {"AgentKey": "demo_agent_key"})
    date: str = field(default_factory=utc_stamp)
    nonce: str = field(default_factory=lambda: uuid.uuid4().hex)
    body: bytes = b""
    content_type: str | None = None
    unsigned: tuple[str, ...] = ()  # header names sent but left out of SignedHeaders
    sign_with: str | None = None  # a different secret to sign with

    def headers(self) -> dict[str, str]:
        host = httpx.URL(self.base_url).netloc.decode()
        headers = {"host": host, "x-acs-action": self.action, "x-acs-version": "2022-04-08",
                   "x-acs-date": self.date, "x-acs-signature-nonce": self.nonce,
                   "x-acs-content-sha256": hashlib.sha256(self.body).hexdigest(),
                   "accept": "application/json"}
        if self.content_type:
            headers["content-type"] = self.content_type
        signed = {k: v for k, v in headers.items() if k not in self.unsigned}
        headers["authorization"] = acs3_authorization(
            method="POST", query=self.query, headers=signed, body=self.body, key_id=self.key_id,
            secret=self.sign_with or self.secret)
        return headers

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        url = self.base_url + "/" + ("?" + urlencode(self.query) if self.query else "")
        return await client.post(url, headers=self.headers(), content=self.body)


def md5_sign(secret: str, timestamp: str) -> str:
    return hashlib.md5(f"streamSecret={secret}&timestamp={timestamp}".encode()).hexdigest()


def millis(seconds: float) -> str:
    return str(int(seconds * 1000))


def chat_body(utterance: str, instance_id: str, session_id: str | None = None,
              message_id: str | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"InstanceId": instance_id, "Utterance": utterance}
    if session_id:
        value["SessionId"] = session_id
    return {"messageId": message_id or str(uuid.uuid4()), "action": "TongyiBeebotChat",
            "version": "2022-04-08",
            "data": [{"type": "JSON_TEXT", "value": json.dumps(value, ensure_ascii=False)}]}


@dataclass(frozen=True)
class Grant:
    access_token: str
    channel_id: str
    stream_secret: str

    def url(self, base_url: str, timestamp: str, *, sign: str | None = None,
            channel: str | None = None) -> str:
        return (f"{base_url}/sse/paas4Json/{self.access_token}/{channel or self.channel_id}/"
                f"{sign or md5_sign(self.stream_secret, timestamp)}/{timestamp}")


@dataclass
class Received:
    """What arrived on the wire: status, content type, the body text, and whether the HTTP
    body ended properly (False when the connection was cut)."""

    status: int
    content_type: str
    text: str
    complete: bool


async def post_stream(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> Received:
    chunks: list[bytes] = []
    async with client.stream("POST", url, json=body,
                             headers={"Accept": "text/event-stream"}) as response:
        complete = True
        try:
            async for chunk in response.aiter_raw():
                chunks.append(chunk)
        except httpx.RemoteProtocolError:
            complete = False
    return Received(response.status_code, response.headers.get("content-type", ""),
                    b"".join(chunks).decode("utf-8"), complete)


@dataclass
class SseParse:
    events: list[list[str]]  # the data lines of each dispatched event
    comments: list[str]
    pending: list[str]  # data lines after the last blank line (never dispatched)


def parse_sse(text: str) -> SseParse:
    """The SSE rules (WHATWG): a blank line dispatches, `:` starts a comment."""
    result = SseParse([], [], [])
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the split after the final newline
    for line in lines:
        if line == "":
            if result.pending:
                result.events.append(result.pending)
            result.pending = []
        elif line.startswith(":"):
            result.comments.append(line[1:])
        elif line.startswith("data:"):
            result.pending.append(line[5:])
    return result


@dataclass(frozen=True)
class Event:
    envelope: dict[str, Any]
    result: dict[str, Any] | None  # the decoded data[0].value, None for a failure

    @property
    def text(self) -> str:
        body = ((self.result or {}).get("MessageBody") or {}).get("DirectMessageBody") or {}
        return "".join(s["Content"] for s in body.get("SentenceList", []))

    @property
    def sentences(self) -> list[str]:
        body = ((self.result or {}).get("MessageBody") or {}).get("DirectMessageBody") or {}
        return [s["Content"] for s in body.get("SentenceList", [])]


def decode(data_lines: list[str]) -> list[Event]:
    """Every data line of an event is one JSON document (two when #merged glued them)."""
    events = []
    for line in data_lines:
        envelope = json.loads(line)
        result = json.loads(envelope["data"][0]["value"]) if envelope["success"] else None
        events.append(Event(envelope, result))
    return events


def events_of(received: Received) -> list[Event]:
    parsed = parse_sse(received.text)
    return [event for lines in [*parsed.events, parsed.pending] for event in decode(lines)]


async def apply_for_grant(client: httpx.AsyncClient, base_url: str, key_id: str,
                          secret: str) -> Grant:
    response = await Acs3Request(base_url, key_id, secret).send(client)
    response.raise_for_status()
    body = response.json()
    return Grant(body["AccessToken"], body["ChannelId"], body["StreamSecret"])
