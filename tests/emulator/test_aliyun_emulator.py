"""The emulated POP gateway over real sockets: SDK vector replays, refusals, fault injection."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.emulator.aliyun_wire import (
    VECTORS_PATH,
    Acs3Request,
    acs3_authorization,
    v1_query,
)
from tui.emulator import DEMO, EmulatorConfig

VECTORS = json.loads(VECTORS_PATH.read_text())
RECORDED = {v["name"]: v for v in VECTORS["vectors"]}
SYNTHETIC = {v["name"]: v for v in VECTORS["synthetic_vectors"]}
RECORDED_AT = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc).timestamp()
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    keys = {DEMO.access_key_id: DEMO.access_key_secret, "testid": "testsecret",
            "inactive-id": "inactive-secret", "no-ram-id": "no-ram-secret"}
    return EmulatorConfig(access_keys=keys, inactive_keys={"inactive-id"},
                          forbidden_keys={"no-ram-id"}, event_delay=0.0)


@pytest.fixture
async def client():
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


def demo_call(emulator, **changes) -> Acs3Request:
    return Acs3Request(emulator.base_url, DEMO.access_key_id, DEMO.access_key_secret, **changes)


async def send_raw(port: int, raw: bytes) -> tuple[int, dict[str, str], dict]:
    """Write exact request bytes to the emulator and read one response."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        status_line, *header_lines = head.strip().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        body = await reader.readexactly(int(headers["content-length"]))
    finally:
        writer.close()
    return int(status_line.split()[1]), headers, json.loads(body)


def synthetic_raw(vector: dict) -> bytes:
    request = vector["request"]
    head = [f"{request['method']} {request['target']} HTTP/1.1"]
    head += [f"{name}: {value}" for name, value in request["headers"]]
    head += ["Content-Length: 0", "", ""]
    return "\r\n".join(head).encode()


def raw_of(name: str) -> bytes:
    if name in RECORDED:
        return base64.b64decode(RECORDED[name]["request"]["raw_b64"])
    return synthetic_raw(SYNTHETIC[name])


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["Code"] == code
    assert body["Message"]
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    return body


# -- the SDK's own requests -------------------------------------------------------------------

def test_test_signer_reproduces_the_vectors():
    """The tests' hand-written signer agrees with the SDK, so what it signs is the reference."""
    for vector in [*RECORDED.values(), *SYNTHETIC.values()]:
        if vector["signature_kind"] != "ACS3":
            continue
        request = vector["request"]
        headers = dict((k.lower(), v) for k, v in request["headers"])
        authorization = headers.pop("authorization")
        signed = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
        query = dict(pair.split("=", 1) for pair in request["query"].split("&") if pair)
        query = {k: httpx.QueryParams(f"{k}={v}")[k] for k, v in query.items()}
        assert acs3_authorization(method="POST", query=query,
                                  headers={n: headers[n] for n in signed},
                                  body=request["body"].encode(), key_id="testid",
                                  secret="testsecret") == authorization


@pytest.mark.parametrize("name", [*RECORDED, *SYNTHETIC])
async def test_sdk_vectors_replayed_byte_for_byte_are_accepted(emulator, name):
    emulator.aliyun.clock.set(RECORDED_AT)
    status, _, body = await send_raw(emulator.port, raw_of(name))
    assert status == 200, body
    expected = (RECORDED.get(name) or {}).get("sdk_parsed_response_body")
    if expected is not None:
        assert set(body) >= set(expected), "every field the SDK model reads is there"


async def test_replaying_a_vector_twice_hits_the_nonce(emulator):
    emulator.aliyun.clock.set(RECORDED_AT)
    raw = raw_of("acs3_apply_for_stream_access_token")
    assert (await send_raw(emulator.port, raw))[0] == 200
    status, _, body = await send_raw(emulator.port, raw)
    assert (status, body["Code"]) == (400, "SignatureNonceUsed")


async def test_a_tampered_vector_no_longer_matches(emulator):
    emulator.aliyun.clock.set(RECORDED_AT)
    raw = raw_of("v1_cancel_chat_form_body").replace(b"Type=STOP", b"Type=STOQ")
    status, _, body = await send_raw(emulator.port, raw)
    assert (status, body["Code"]) == (400, "SignatureDoesNotMatch")
    # v1 merges the form body into the signed parameters: the server shows what it signed.
    assert "Type%3DSTOQ" in body["Message"]


async def test_vectors_are_too_old_for_the_real_clock(emulator):
    status, _, body = await send_raw(emulator.port, raw_of("acs3_apply_for_stream_access_token"))
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")
    status, _, body = await send_raw(emulator.port, raw_of("v1_apply_real_host_via_proxy"))
    assert (status, body["Code"]) == (400, "InvalidTimeStamp.Expired")


# -- ApplyForStreamAccessToken ----------------------------------------------------------------

async def test_token_answer_has_exactly_the_documented_fields(emulator, client):
    response = await demo_call(emulator).send(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"RequestId", "AccessToken", "ChannelId", "StreamSecret"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["AccessToken"])
    assert UUID.fullmatch(body["ChannelId"]) and UUID.fullmatch(body["StreamSecret"])
    assert body["StreamSecret"] in emulator.aliyun.issued_secrets()
    assert emulator.aliyun.token_requests == 1


async def test_each_call_gets_a_new_token(emulator, client):
    first = (await demo_call(emulator).send(client)).json()
    second = (await demo_call(emulator).send(client)).json()
    assert first["AccessToken"] != second["AccessToken"]
    assert emulator.aliyun.token_requests == 2


async def test_agent_key_is_optional(emulator, client):
    response = await demo_call(emulator, query={}).send(client)
    assert response.status_code == 200 and response.json()["AccessToken"]


# -- refusals ---------------------------------------------------------------------------------

async def test_unknown_access_key(emulator, client):
    call = Acs3Request(emulator.base_url, "no-such-id", "whatever")
    assert_error(await call.send(client), 404, "InvalidAccessKeyId.NotFound")


async def test_inactive_access_key(emulator, client):
    call = Acs3Request(emulator.base_url, "inactive-id", "inactive-secret")
    body = assert_error(await call.send(client), 400, "InvalidAccessKeyId.Inactive")
    assert "disabled" in body["Message"]


async def test_wrong_secret(emulator, client):
    body = assert_error(await demo_call(emulator, sign_with="wrong").send(client),
                        400, "SignatureDoesNotMatch")
    assert body["Message"].startswith("Specified signature is not matched with our calculation.")
    assert "wrong" not in body["Message"] and DEMO.access_key_secret not in body["Message"]


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
async def test_date_more_than_15_minutes_off(emulator, client, skew):
    date = (datetime.now(timezone.utc) + skew).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_error(await demo_call(emulator, date=date).send(client), 400,
                 "InvalidTimeStamp.Expired")


async def test_date_within_15_minutes_is_fine(emulator, client):
    date = (datetime.now(timezone.utc) - timedelta(minutes=14)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await demo_call(emulator, date=date).send(client)).status_code == 200


async def test_malformed_date(emulator, client):
    assert_error(await demo_call(emulator, date="2024-05-01 12:00:00").send(client), 400,
                 "InvalidTimeStamp.Format")


async def test_reused_nonce(emulator, client):
    call = demo_call(emulator)
    assert (await call.send(client)).status_code == 200
    assert_error(await call.send(client), 400, "SignatureNonceUsed")


async def test_nonce_is_forgotten_after_15_minutes(emulator, client):
    call = demo_call(emulator)
    assert (await call.send(client)).status_code == 200
    emulator.aliyun.clock.advance(16 * 60)
    call.date = datetime.fromtimestamp(emulator.aliyun.clock.now(), timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert (await call.send(client)).status_code == 200


async def test_a_refused_signature_does_not_use_up_the_nonce(emulator, client):
    call = demo_call(emulator, sign_with="wrong")
    assert_error(await call.send(client), 400, "SignatureDoesNotMatch")
    call.sign_with = None
    assert (await call.send(client)).status_code == 200


async def test_ram_user_without_permission(emulator, client):
    call = Acs3Request(emulator.base_url, "no-ram-id", "no-ram-secret")
    body = assert_error(await call.send(client), 403, "Forbidden.RAM")
    assert body["AccessDeniedDetail"]["AuthAction"] == "chatbot:ApplyForStreamAccessToken"


async def test_unsupported_action(emulator, client):
    assert_error(await demo_call(emulator, action="DescribeInstances").send(client), 404,
                 "InvalidAction.NotFound")


@pytest.mark.parametrize("unsigned", [("host",), ("x-acs-signature-nonce",), ("x-acs-date",)])
async def test_required_headers_must_be_signed(emulator, client, unsigned):
    body = assert_error(await demo_call(emulator, unsigned=unsigned).send(client), 400,
                        "IncompleteSignature")
    assert unsigned[0] in body["Message"]


async def test_content_type_must_be_signed_with_a_body(emulator, client):
    call = demo_call(emulator, action="CancelChat", query={}, body=b"ChatId=m-1&Type=STOP",
                     content_type="application/x-www-form-urlencoded", unsigned=("content-type",))
    assert_error(await call.send(client), 400, "IncompleteSignature")
    call.unsigned, call.nonce = (), "another-nonce"
    assert (await call.send(client)).status_code == 200


async def test_body_differing_from_its_signed_hash(emulator, client):
    call = demo_call(emulator, action="CancelChat", query={}, body=b"ChatId=m-1",
                     content_type="application/x-www-form-urlencoded")
    headers = call.headers()
    response = await client.post(emulator.base_url + "/", headers=headers, content=b"ChatId=m-2")
    assert_error(response, 400, "SignatureDoesNotMatch")


async def test_malformed_authorization_header(emulator, client):
    headers = demo_call(emulator).headers()
    headers["authorization"] = "ACS3-HMAC-SHA256 Credential=demo-access-key-id"
    response = await client.post(emulator.base_url + "/?AgentKey=x", headers=headers)
    assert_error(response, 400, "IncompleteSignature")


async def test_unsupported_version(emulator, client):
    headers = demo_call(emulator).headers()
    headers["x-acs-version"] = "2017-10-11"
    response = await client.post(emulator.base_url + "/?AgentKey=x", headers=headers)
    body = assert_error(response, 400, "InvalidVersion")
    assert "2022-04-08" in body["Message"]


async def test_v1_signature_is_accepted_and_checked(emulator, client):
    apply = {"Action": "ApplyForStreamAccessToken", "AgentKey": "a b+c"}
    good = v1_query(apply, key_id=DEMO.access_key_id, secret=DEMO.access_key_secret)
    response = await client.post(emulator.base_url + "/", params=good)
    assert response.status_code == 200 and response.json()["AccessToken"]
    bad = v1_query(apply, key_id=DEMO.access_key_id, secret="wrong")
    body = assert_error(await client.post(emulator.base_url + "/", params=bad), 400,
                        "SignatureDoesNotMatch")
    assert "server string to sign is:POST&%2F&AccessKeyId%3D" in body["Message"]
    unknown = v1_query(apply, key_id="no-such-id", secret="x")
    assert_error(await client.post(emulator.base_url + "/", params=unknown), 404,
                 "InvalidAccessKeyId.NotFound")


async def test_v1_over_get_signs_the_get_method(emulator, client):
    apply = {"Action": "ApplyForStreamAccessToken"}
    query = v1_query(apply, key_id=DEMO.access_key_id, secret=DEMO.access_key_secret,
                     method="GET")
    assert (await client.get(emulator.base_url + "/", params=query)).status_code == 200
    signed_for_post = v1_query(apply, key_id=DEMO.access_key_id, secret=DEMO.access_key_secret)
    assert_error(await client.get(emulator.base_url + "/", params=signed_for_post), 400,
                 "SignatureDoesNotMatch")


async def test_v1_only_knows_hmac_sha1(emulator, client):
    query = v1_query({"Action": "ApplyForStreamAccessToken"}, key_id=DEMO.access_key_id,
                     secret=DEMO.access_key_secret, signature_method="HMAC-SHA256")
    assert_error(await client.post(emulator.base_url + "/", params=query), 400,
                 "InvalidSignatureMethod")


async def test_v1_timestamp_is_checked(emulator, client):
    old = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = v1_query({"Action": "ApplyForStreamAccessToken"}, key_id=DEMO.access_key_id,
                     secret=DEMO.access_key_secret, date=old)
    assert_error(await client.post(emulator.base_url + "/", params=query), 400,
                 "InvalidTimeStamp.Expired")


async def test_unsigned_request(emulator, client):
    response = await client.post(emulator.base_url + "/?Action=ApplyForStreamAccessToken"
                                 "&Version=2022-04-08")
    body = assert_error(response, 400, "MissingParameter")
    assert '"Signature"' in body["Message"]


# -- fault injection and counters -------------------------------------------------------------

async def test_injected_faults_answer_in_order_then_recover(emulator, client):
    emulator.aliyun.inject_gateway_faults(["Throttling.User", "ServiceUnavailable"],
                                          retry_after_ms=120)
    throttled = await demo_call(emulator).send(client)
    assert_error(throttled, 400, "Throttling.User")
    assert throttled.headers["x-acs-retry-after"] == "120"
    unavailable = await demo_call(emulator).send(client)
    assert_error(unavailable, 503, "ServiceUnavailable")
    assert "x-acs-retry-after" not in unavailable.headers
    assert (await demo_call(emulator).send(client)).status_code == 200
    assert emulator.aliyun.token_requests == 3


async def test_faults_wait_for_an_authenticated_call(emulator, client):
    emulator.aliyun.inject_gateway_faults(["InternalError"])
    assert_error(await demo_call(emulator, sign_with="wrong").send(client), 400,
                 "SignatureDoesNotMatch")
    assert_error(await demo_call(emulator).send(client), 500, "InternalError")
    assert emulator.aliyun.token_requests == 2, "refused calls are counted too"


def test_unknown_fault_codes_are_refused_at_once(emulator_config):
    from tui.emulator.aliyun import AliyunEmulator

    with pytest.raises(ValueError, match=r"Throttling\.Usr"):
        AliyunEmulator(emulator_config).inject_gateway_faults(["Throttling.Usr"])


async def test_chat_and_cancel_chat_answer_minimally(emulator, client):
    chat = demo_call(emulator, action="Chat",
                     query={"InstanceId": DEMO.instance_id, "Utterance": "hi", "SessionId": "s1"})
    body = (await chat.send(client)).json()
    assert body["SessionId"] == "s1" and body["Messages"] == []
    cancel = demo_call(emulator, action="CancelChat", query={"ChatId": "m-1", "Type": "STOP"})
    assert set((await cancel.send(client)).json()) == {"RequestId"}
    assert emulator.aliyun.token_requests == 0
