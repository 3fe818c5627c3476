"""The request signature, byte for byte: the platform's published vector and edge cases whose
expected values come from PHP's urlencode rules written out by hand."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from tui.backends.tencent.signing import php_urlencode, sign, signed_form, signing_string

DOC_KEY = "a95eceb1ac8c24ee28b70f7dbba912bf"
DOC_PARAMS = {"app_id": "10000", "time_stamp": "1493449657", "nonce_str": "20e3408a79",
              "key1": "腾讯AI开放平台", "key2": "示例仅供参考"}


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


def test_the_published_vector() -> None:
    assert signing_string(DOC_PARAMS, DOC_KEY) == (
        "app_id=10000&key1=%E8%85%BE%E8%AE%AFAI%E5%BC%80%E6%94%BE%E5%B9%B3%E5%8F%B0"
        "&key2=%E7%A4%BA%E4%BE%8B%E4%BB%85%E4%BE%9B%E5%8F%82%E8%80%83"
        "&nonce_str=20e3408a79&time_stamp=1493449657&app_key=" + DOC_KEY)
    assert sign(DOC_PARAMS, DOC_KEY) == "BE918C28827E0783D1E5F8E6D7C37A61"


def test_integers_sign_like_their_text() -> None:
    as_ints = {**DOC_PARAMS, "app_id": 10000, "time_stamp": 1493449657}
    assert sign(as_ints, DOC_KEY) == "BE918C28827E0783D1E5F8E6D7C37A61"


def test_php_urlencode_differs_from_quote_plus_where_php_does() -> None:
    assert php_urlencode("a~b") == "a%7Eb"  # quote_plus gives "a~b"
    assert php_urlencode("a*b") == "a%2Ab"
    assert php_urlencode("two words") == "two+words"
    assert php_urlencode("-_.") == "-_."
    assert php_urlencode("+/=&%") == "%2B%2F%3D%26%25"
    assert php_urlencode("é") == "%C3%A9"
    assert php_urlencode("😀") == "%F0%9F%98%80"
    assert php_urlencode("\n") == "%0A"


def test_edge_cases_byte_exact() -> None:
    params = {"app_id": "1", "text": "hi ~there* 😀", "nonce_str": "n", "time_stamp": "2"}
    expected = "app_id=1&nonce_str=n&text=hi+%7Ethere%2A+%F0%9F%98%80&time_stamp=2&app_key=k"
    assert signing_string(params, "k") == expected
    assert sign(params, "k") == md5_upper(expected)


def test_empty_values_are_dropped_but_zero_is_kept() -> None:
    params = {"app_id": "1", "volume": 0, "aht": "0", "speech_url": "", "nonce_str": "n"}
    assert signing_string(params, "k") == "aht=0&app_id=1&nonce_str=n&volume=0&app_key=k"


def test_an_existing_sign_is_not_signed_and_is_replaced() -> None:
    form = signed_form({**DOC_PARAMS, "sign": "stale"}, DOC_KEY)
    assert form["sign"] == "BE918C28827E0783D1E5F8E6D7C37A61"
    assert all(isinstance(v, str) for v in form.values())


def test_keys_sort_by_byte_order() -> None:
    assert signing_string({"b": "1", "B": "2", "a_b": "3", "ab": "4"}, "k") == \
        "B=2&a_b=3&ab=4&b=1&app_key=k"


params_strategy = st.dictionaries(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10).filter(
        lambda k: k != "sign"),
    st.one_of(st.text(max_size=20), st.integers(min_value=-5, max_value=10**9)),
    min_size=1, max_size=8)


@given(params=params_strategy, data=st.data())
def test_the_signature_does_not_depend_on_parameter_order(params, data) -> None:
    shuffled = dict(data.draw(st.permutations(list(params.items()))))
    assert sign(shuffled, DOC_KEY) == sign(params, DOC_KEY)


@given(params=params_strategy)
def test_the_signing_string_decodes_back_to_the_non_empty_params(params) -> None:
    from urllib.parse import unquote_plus

    text = signing_string(params, "k")
    pairs = [pair.split("=", 1) for pair in text.split("&")[:-1]]
    assert {k: unquote_plus(v) for k, v in pairs} == {
        k: str(v) for k, v in params.items() if str(v) != ""}
