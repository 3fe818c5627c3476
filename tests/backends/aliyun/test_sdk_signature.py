"""Alibaba's official SDK as a witness: the same date, nonce and headers give the same signature.

The SDK sends a live request to a recording socket on loopback (as the shared vectors were
recorded); the client's signer must reproduce its Authorization header exactly.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from alibabacloud_chatbot20220408 import models
from alibabacloud_chatbot20220408.client import Client
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils

from tui.backends.aliyun import signing


@pytest.fixture
def recorder():
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            requests.append((self.path, dict(self.headers.items()), body))
            answer = json.dumps({"RequestId": "r", "AccessToken": "t" * 32, "ChannelId": "c",
                                 "StreamSecret": "s"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], requests
    server.shutdown()


@pytest.mark.parametrize("agent_key, date, nonce", [
    ("ak_demo_123", "2026-11-21T06:00:00Z", "0123456789abcdef0123456789abcdef"),
    (None, "2025-01-31T23:59:59Z", "ffffffffffffffffffffffffffffffff"),
    ("业务空间 key*~/", "2026-02-28T12:34:56Z", "00000000000000000000000000000001"),
])
def test_client_signature_equals_the_sdks(recorder, monkeypatch, agent_key, date, nonce):
    port, requests = recorder
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: date))
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: nonce))
    client = Client(Config(access_key_id="testid", access_key_secret="testsecret",
                           endpoint=f"127.0.0.1:{port}", protocol="HTTP"))
    client.apply_for_stream_access_token(
        models.ApplyForStreamAccessTokenRequest(agent_key=agent_key))

    path, headers, body = requests[-1]
    lowered = {k.lower(): v for k, v in headers.items()}
    authorization = lowered.pop("authorization")
    names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    signed = {n: lowered[n] for n in names if n != "x-acs-content-sha256"}
    assert signed["x-acs-date"] == date and signed["x-acs-signature-nonce"] == nonce
    query = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
    ours = signing.sign("POST", "/", query, signed, body, "testid", "testsecret")
    assert ours["Authorization"] == authorization
    assert ours["x-acs-content-sha256"] == lowered["x-acs-content-sha256"]
