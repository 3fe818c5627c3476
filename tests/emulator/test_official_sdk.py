"""Alibaba's official Python SDK as a witness: the emulated gateway accepts what it signs
(ACS3 and the legacy v1 HMAC-SHA1 it sends with signature_algorithm='v2'), refuses a wrong
secret the way the real gateway does, and the token it gets opens the emulated stream."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

import httpx
import pytest

# Test-only dependencies (the `test` extra): ./run installs them.
from alibabacloud_chatbot20220408.client import Client
from alibabacloud_chatbot20220408.models import ApplyForStreamAccessTokenRequest
from alibabacloud_tea_openapi.exceptions import ClientException, ThrottlingException
from alibabacloud_tea_openapi.models import Config

from tui.emulator import DEMO, Emulator, EmulatorConfig

ALGORITHMS = [pytest.param(None, id="ACS3-HMAC-SHA256"), pytest.param("v2", id="v1-HMAC-SHA1")]


@pytest.fixture(scope="module")
def served():
    with Emulator.in_thread(EmulatorConfig(event_delay=0.0)) as emulator:
        yield emulator


def sdk_client(emulator: Emulator, secret: str, algorithm: str | None) -> Client:
    config = Config(access_key_id=DEMO.access_key_id, access_key_secret=secret,
                    endpoint=f"127.0.0.1:{emulator.port}", protocol="HTTP")
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


def apply(emulator: Emulator, secret: str, algorithm: str | None):
    request = ApplyForStreamAccessTokenRequest(agent_key=DEMO.agent_key)
    return sdk_client(emulator, secret, algorithm).apply_for_stream_access_token(request)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sdk_gets_a_token_with_the_right_secret(served, algorithm):
    before = served.aliyun.token_requests
    response = apply(served, DEMO.access_key_secret, algorithm)
    assert response.status_code == 200
    body = response.body
    assert len(body.access_token) == 32 and body.channel_id and body.stream_secret
    assert body.request_id
    assert served.aliyun.token_requests == before + 1


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sdk_with_a_wrong_secret_gets_signature_does_not_match(served, algorithm):
    with pytest.raises(ClientException) as info:
        apply(served, "not-the-secret", algorithm)
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.status_code == 400
    assert "Specified signature is not matched with our calculation" in info.value.message


def test_sdk_sees_throttling_with_its_retry_after(served):
    served.aliyun.inject_gateway_faults(["Throttling.User"], retry_after_ms=1500)
    with pytest.raises(ThrottlingException) as info:
        apply(served, DEMO.access_key_secret, None)
    assert info.value.code == "Throttling.User"
    assert info.value.retry_after == 1500


def test_sdk_token_opens_the_stream(served):
    body = apply(served, DEMO.access_key_secret, None).body
    stamp = str(int(time.time() * 1000))
    sign = hashlib.md5(f"streamSecret={body.stream_secret}&timestamp={stamp}".encode()).hexdigest()
    url = f"{served.base_url}/sse/paas4Json/{body.access_token}/{body.channel_id}/{sign}/{stamp}"
    value = json.dumps({"InstanceId": DEMO.instance_id, "Utterance": "你有什么技能?"})
    request = {"messageId": str(uuid.uuid4()), "action": "TongyiBeebotChat",
               "version": "2022-04-08", "data": [{"type": "JSON_TEXT", "value": value}]}
    response = httpx.post(url, json=request, timeout=10)
    assert response.headers["content-type"].startswith("text/event-stream")
    last = json.loads(response.text.strip().split("\n")[-1].removeprefix("data:"))
    assert json.loads(last["data"][0]["value"])["StreamEnd"] is True
