"""ACS3-HMAC-SHA256 request signing for Alibaba Cloud's RPC (POP) API.

Byte-exact with the official SDK (alibabacloud-tea-openapi): see
shared/protocols/tongyi.md §1.1 and the vectors in tests/backends/aliyun/test_signing.py.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"


def pct(value: str) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes: only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(params.items()))


def canonical_request(method: str, path: str, params: Mapping[str, str],
                      headers: Mapping[str, str], body_sha256: str) -> tuple[str, str]:
    """Return (canonical request, SignedHeaders). Every header given is signed."""
    lowered = sorted((name.lower(), value.strip()) for name, value in headers.items())
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in lowered)
    signed = ";".join(name for name, _ in lowered)
    text = "\n".join([method.upper(), path, canonical_query(params), canonical_headers, signed,
                      body_sha256])
    return text, signed


def string_to_sign(canonical: str) -> str:
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def sign(method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str],
         body: bytes, access_key_id: str, access_key_secret: str) -> dict[str, str]:
    """Return `headers` plus `x-acs-content-sha256` and the `Authorization` header.

    `headers` must already hold host, x-acs-action, x-acs-version, x-acs-date and
    x-acs-signature-nonce (and content-type when there is a body); all of them are signed.
    """
    signed_headers = {name.lower(): value for name, value in headers.items()}
    body_sha256 = hashlib.sha256(body).hexdigest()
    signed_headers["x-acs-content-sha256"] = body_sha256
    canonical, signed_names = canonical_request(method, path, params, signed_headers, body_sha256)
    signature = hmac.new(access_key_secret.encode(), string_to_sign(canonical).encode(),
                         hashlib.sha256).hexdigest()
    signed_headers["Authorization"] = (
        f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_names},"
        f"Signature={signature}")
    return signed_headers
