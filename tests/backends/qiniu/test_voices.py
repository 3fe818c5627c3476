"""The voice catalogue: fetched from the emulator, parsed leniently, cached for a day."""

from __future__ import annotations

import pytest

from tui.backends.qiniu.voices import VoiceListCache, parse_voices
from tui.domain.errors import ServiceError
from tui.domain.voice import Voice


async def test_list_voices_gives_the_catalogue_with_derived_language_and_gender(speech, emulator):
    voices = await speech.list_voices()
    assert len(voices) == 38
    by_type = {v.voice_type: v for v in voices}
    bilingual = by_type["qiniu_en_male_ysyyn"]
    assert (bilingual.name, bilingual.category, bilingual.category_label) == \
        ("英式英语男", "双语音色", "Bilingual")
    assert (bilingual.language, bilingual.gender) == ("en", "male")
    assert (by_type["qiniu_multi_female_rxsyn1"].language_label, by_type["qiniu_zh_female_tmjxxy"]
            .gender_label) == ("Multilingual", "Female")
    assert bilingual.preview_url.startswith(emulator.base_url)
    assert bilingual.updated_ms == 1747812605559


@pytest.mark.parametrize("wrapper", ["voices", "data"])
async def test_a_wrapped_list_reads_the_same(speech, emulator, wrapper):
    bare = await speech.list_voices(refresh=True)
    emulator.qiniu.list_wrapper = wrapper
    assert await speech.list_voices(refresh=True) == bare


async def test_the_list_is_cached_until_refreshed(make_speech, emulator):
    first = await make_speech().list_voices()
    # A new client (a new run of the app) reads the cache: no request.
    assert await make_speech().list_voices() == first
    assert emulator.qiniu.requests["list"] == 1
    await make_speech().list_voices(refresh=True)
    assert emulator.qiniu.requests["list"] == 2


async def test_a_damaged_cache_costs_a_request_not_an_error(make_speech, emulator, tmp_path):
    await make_speech().list_voices()
    (tmp_path / "cache" / "qiniu_voices.json").write_text("{not json", encoding="utf-8")
    assert len(await make_speech().list_voices()) == 38
    assert emulator.qiniu.requests["list"] == 2


def test_cache_expires_after_a_day_and_is_per_base_url(tmp_path):
    now = [1000.0]
    cache = VoiceListCache(tmp_path / "voices.json", clock=lambda: now[0])
    voices = [Voice("qiniu_zh_female_x", "X", "传统音色", "http://h/x.mp3", 1)]
    cache.save("http://a/v1", voices)
    now[0] += 24 * 3600 - 1
    assert cache.load("http://a/v1") == voices
    assert cache.load("http://b/v1") is None
    now[0] += 2
    assert cache.load("http://a/v1") is None


def test_parsing_tolerates_new_fields_and_skips_entries_without_a_voice_type():
    payload = {"voices": [
        {"voice_type": "qiniu_en_female_new", "voice_name": "New", "url": "https://cdn/new.mp3",
         "category": "新音色", "updatetime": 5, "emotion": ["happy"]},
        {"voice_name": "no type"},
        "junk",
        {"voice_type": "custom_voice"},
    ]}
    first, second = parse_voices(payload)
    assert (first.voice_type, first.name, first.category_label, first.preview_url) == \
        ("qiniu_en_female_new", "New", "新音色", "https://cdn/new.mp3")
    assert (second.name, second.language, second.gender, second.language_label) == \
        ("custom_voice", "", "", "Unknown")
    assert parse_voices({"error": "nope"}) is None and parse_voices("text") is None


def test_category_matches_chinese_or_english_names():
    voice = Voice("qiniu_zh_male_x", "X", "特殊音色")
    assert voice.in_category("特殊音色") and voice.in_category(" character ")
    assert not voice.in_category("Standard")


async def test_preview_is_fetched_without_the_api_key(speech, emulator):
    voice = next(v for v in await speech.list_voices() if v.voice_type == "qiniu_zh_male_ljfdxz")
    clip = await speech.fetch_preview(voice)
    assert clip[:3] == b"ID3" or clip[0] == 0xFF  # an MP3
    # The voice list answers 401 without the key: fetching it "as a preview" shows no key is sent.
    keyless = Voice("x", "Keyless", preview_url=f"{emulator.base_url}/v1/voice/list")
    with pytest.raises(ServiceError, match=r"preview of Keyless \(HTTP 401\)"):
        await speech.fetch_preview(keyless)
