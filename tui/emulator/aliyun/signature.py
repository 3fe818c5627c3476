"""Server-side recomputation of Alibaba Cloud POP request signatures (ACS3 and legacy v1).

Written from the protocol description, independently of the client's signer: the emulator
must not share a bug with the code it checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"


def pct(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 bytes: only A-Z a-z 0-9 - _ . ~ stay literal."""
    return quote(value, safe="~")


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    return "&".join(f"{pct(key)}={pct(value)}" for key, value in sorted(params))


@dataclass(frozen=True)
class Acs3Authorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_acs3_authorization(header: str) -> Acs3Authorization | None:
    """`ACS3-HMAC-SHA256 Credential=..,SignedHeaders=a;b,Signature=..`, or None if malformed."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ACS3_ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            return None
        fields[name] = value
    try:
        credential, signed, signature = (fields["Credential"], fields["SignedHeaders"],
                                         fields["Signature"])
    except KeyError:
        return None
    if not (credential and signed and signature):
        return None
    return Acs3Authorization(credential, tuple(signed.split(";")), signature)


def acs3_canonical_request(method: str, path: str, query: Iterable[tuple[str, str]],
                           headers: Mapping[str, str], signed_headers: Iterable[str],
                           body: bytes) -> str:
    """`headers` maps lower-case names to received values; a signed but absent header is ''."""
    names = sorted(signed_headers)
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    return "\n".join([method, path, canonical_query(query), canonical_headers, ";".join(names),
                      hashlib.sha256(body).hexdigest()])


def acs3_string_to_sign(canonical_request: str) -> str:
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ACS3_ALGORITHM}\n{digest}"


def acs3_signature(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def v1_string_to_sign(method: str, params: Iterable[tuple[str, str]]) -> str:
    """`params` is every query and form-body parameter except `Signature` itself."""
    return f"{method}&{pct('/')}&{pct(canonical_query(params))}"


def v1_signature(secret: str, string_to_sign: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode("utf-8"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signatures_equal(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))
