"""The platform's side of the signature check, written apart from the client's.

Encoding: `urllib.parse.quote` with nothing safe keeps `_.-~` besides letters and digits; PHP's
urlencode also escapes `~`, and writes a space as `+`. The client builds the same bytes another
way, so a slip on either side shows up as a refused sign.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote


def _php_encode(value: str) -> str:
    return quote(value, safe="", encoding="utf-8").replace("~", "%7E").replace("%20", "+")


def expected_sign(form: dict[str, str], app_key: str) -> str:
    text = ""
    for key in sorted(form):
        if key == "sign" or form[key] == "":
            continue
        text += key + "=" + _php_encode(form[key]) + "&"
    text += "app_key=" + app_key
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()
