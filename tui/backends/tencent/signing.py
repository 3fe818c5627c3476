"""The Tencent AI platform's request signature (ai.qq.com "接口鉴权").

Every parameter but `sign`, empty values dropped (`0` is kept), sorted by key, joined as
`key=urlencode(value)` with `&`, then `&app_key=<key>` appended; MD5, upper-case hex.
`urlencode` is PHP's: only `A-Z a-z 0-9 - _ .` stay, a space becomes `+`, every other UTF-8
byte is `%XX` in upper case. Python's `quote_plus` leaves `~` alone, which PHP does not:
a signature built with it fails for any text holding a tilde.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

_PHP_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

ParamValue = str | int


def php_urlencode(value: str) -> str:
    """PHP's `urlencode` of the UTF-8 bytes of `value`."""
    return "".join(
        chr(byte) if byte in _PHP_SAFE else "+" if byte == 0x20 else f"%{byte:02X}"
        for byte in value.encode("utf-8"))


def signing_string(params: Mapping[str, ParamValue], app_key: str) -> str:
    """What is hashed: the sorted, encoded parameters and the app key."""
    kept = sorted((key, str(value)) for key, value in params.items()
                  if key != "sign" and str(value) != "")
    # The key is appended as it is, not encoded (the platform's getReqSign does the same).
    return "".join(f"{key}={php_urlencode(value)}&" for key, value in kept) + f"app_key={app_key}"


def sign(params: Mapping[str, ParamValue], app_key: str) -> str:
    """The `sign` parameter for `params`: 32 upper-case hex digits."""
    return hashlib.md5(signing_string(params, app_key).encode("utf-8")).hexdigest().upper()


def signed_form(params: Mapping[str, ParamValue], app_key: str) -> dict[str, str]:
    """`params` as form fields with their `sign` added."""
    form = {key: str(value) for key, value in params.items() if key != "sign"}
    form["sign"] = sign(form, app_key)
    return form

