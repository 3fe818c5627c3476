"""Speech to text on the Tencent platform: short audio in one call (`aai_asr`), long audio and
keyword search through results posted later to our `CallbackReceiver`. `TencentRecognizer` is
also `listen --provider tencent`'s `SpeechRecognizer`: it hears the whole audio first (the
platform has no streaming recognition), then makes one call, or a long task when the audio is
over the one-call limit or `long_audio` is asked for.

Audio comes in as 16-bit mono PCM at the rate the API wants (16 kHz for recognition, 8 kHz for
keyword search); it is sent as WAV so the service knows the rate. A result is accepted once per
task (and a keyword segment once per index): the platform may post the same one twice.
"""

from __future__ import annotations

import base64
import io
import uuid
import wave
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from tui.backends.deadlines import within
from tui.backends.tencent.callbacks import CallbackReceiver
from tui.backends.tencent.client import TencentClient
from tui.domain.errors import InvalidInput, NetworkError
from tui.domain.reply import Edit
from tui.domain.transcript import (
    SAMPLE_RATE,
    TranscriptChanged,
    TranscriptEvent,
    TranscriptFinished,
    pcm_ms,
)
from tui.settings import Settings

ASR_API = "aai/aai_asr"
LONG_API = "aai/aai_wxasrlong"
KEYWORD_API = "aai/aai_detectkeyword"
RECOGNITION_RATE = SAMPLE_RATE
KEYWORD_RATE = 8_000
MAX_SHORT_BASE64 = 8 * 1024 * 1024
MAX_UPLOAD = 5 * 1024 * 1024
MAX_DOWNLOAD = 30 * 1024 * 1024
MAX_KEYWORDS = 500
FORMAT_WAV = 2
# What the platform can hear from a URL, by the file's extension.
URL_FORMATS = {".pcm": 1, ".wav": 2, ".amr": 3, ".silk": 4}


@dataclass(frozen=True, slots=True)
class KeywordHit:
    keyword: str
    start_ms: float
    end_ms: float
    score: float
    segment: int


def wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm)
    return out.getvalue()


def fits_short(pcm: bytes) -> bool:
    """Whether 16 kHz PCM is small enough for one `aai_asr` call (8 MB of base64)."""
    return (len(wav(b"", RECOGNITION_RATE)) + len(pcm) + 2) // 3 * 4 <= MAX_SHORT_BASE64


def url_format(url: str) -> int:
    """The platform's `format` for audio at `url`; it hears only PCM, WAV, AMR and SILK."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix not in URL_FORMATS:
        raise InvalidInput(f"Tencent cannot hear {suffix or 'audio without an extension'} from "
                           "a URL: it takes WAV, PCM (16 kHz), AMR or SILK.",
                           "Give a .wav URL, or download the file and give its path.")
    return URL_FORMATS[suffix]


def keyword_list(words: str) -> list[str]:
    """`W1|W2` as the platform takes it: each at least two characters, at most 500."""
    listed = [w.strip() for w in words.split("|") if w.strip()]
    if not listed:
        raise InvalidInput("No keywords were given.", 'Give them as --words "天气|下雨".')
    short = [w for w in listed if len(w) < 2]
    if short:
        raise InvalidInput(f"Each keyword needs at least two characters: {', '.join(short)}.")
    if len(listed) > MAX_KEYWORDS:
        raise InvalidInput(f"{len(listed)} keywords were given; Tencent searches for at most "
                           f"{MAX_KEYWORDS}.")
    return listed


class TencentRecognizer:
    """Implements `tui.domain.transcript.SpeechRecognizer`. Waits `[tencent] result_timeout`
    (or `result_timeout`) for a posted result, or for the next keyword segment."""

    name = "tencent"

    def __init__(self, client: TencentClient, *, long_audio: bool = False,
                 result_timeout: float | None = None) -> None:
        self._client = client
        self._long_audio = long_audio
        self._timeout = client.settings.result_timeout if result_timeout is None else result_timeout

    @classmethod
    def from_settings(cls, settings: Settings, *, long_audio: bool = False) -> TencentRecognizer:
        return cls(TencentClient.from_settings(settings), long_audio=long_audio)

    async def transcribe(self, audio: AsyncIterable[bytes]) -> AsyncIterator[TranscriptEvent]:
        heard = bytearray()
        async for chunk in audio:
            heard += chunk
        pcm = bytes(heard[:len(heard) - len(heard) % 2])
        if self._long_audio or not fits_short(pcm):
            text = await self.recognise_long(pcm)
        else:
            text = await self.recognise(pcm)
        if text:
            yield TranscriptChanged(Edit(0, text, 0), text)
        yield TranscriptFinished(text, pcm_ms(len(pcm)))

    async def transcribe_url(self, url: str) -> TranscriptFinished:
        """The platform downloads the audio itself (`speech_url`, up to 30 MB) as a long task."""
        source = {"format": str(url_format(url)), "speech_url": url}
        async with self._receiver() as receiver:
            task_id = await self._submit(LONG_API, receiver, source, {})
            return TranscriptFinished(await self._long_text(receiver, task_id), 0)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def recognise(self, pcm: bytes) -> str:
        """The text of 16 kHz PCM that fits one call."""
        if not fits_short(pcm):
            raise InvalidInput("The audio is too long for one recognition request (8 MB).",
                               "Use long recognition (--long).")
        data = await self._client.call(ASR_API, {
            "format": FORMAT_WAV, "rate": RECOGNITION_RATE,
            "speech": base64.b64encode(wav(pcm, RECOGNITION_RATE)).decode("ascii")})
        return _text(data, self._client)

    async def recognise_long(self, pcm: bytes) -> str:
        """The text of 16 kHz PCM of any length up to 15 minutes, posted back to a receiver."""
        async with self._receiver() as receiver:
            source = _upload(receiver, wav(pcm, RECOGNITION_RATE))
            task_id = await self._submit(LONG_API, receiver, source, {})
            return await self._long_text(receiver, task_id)

    async def keywords(self, pcm: bytes, words: list[str]) -> AsyncIterator[KeywordHit]:
        """Each hit of `words` in 8 kHz PCM as its segment arrives, until the last segment."""
        async with self._receiver() as receiver:
            task_id = await self._submit(KEYWORD_API, receiver,
                                         _upload(receiver, wav(pcm, KEYWORD_RATE)),
                                         {"key_words": "|".join(words)})
            seen: set[int] = set()
            while True:
                body = await self._next(receiver, task_id)
                self._check(body, KEYWORD_API)
                data = body["data"]
                index = _int(data.get("seg_index"))
                if index not in seen:  # a segment posted again is not reported again
                    seen.add(index)
                    for hit in _hits(data, index):
                        yield hit
                if _int(data.get("is_end")):
                    return

    def _receiver(self) -> CallbackReceiver:
        settings = self._client.settings
        return CallbackReceiver(settings.listen, settings.callback_url)

    async def _submit(self, api: str, receiver: CallbackReceiver, source: dict[str, str],
                      params: dict[str, str]) -> str:
        data = await self._client.call(api, {"format": FORMAT_WAV, "callback_url": receiver.url,
                                             **source, **params})
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise self._client.errors.not_the_api("an upload answer without a task_id")
        return task_id

    async def _long_text(self, receiver: CallbackReceiver, task_id: str) -> str:
        body = await self._next(receiver, task_id)
        self._check(body, LONG_API)
        return _text(body["data"], self._client)

    async def _next(self, receiver: CallbackReceiver, task_id: str) -> dict:
        return await within(receiver.next_result(task_id), self._timeout, self._no_result)

    def _no_result(self) -> NetworkError:
        return NetworkError(f"Tencent did not post the result within {self._timeout:g} s.",
                            "If the service is not on this machine, set [tencent] callback_url "
                            "to a public address that reaches this computer.")

    def _check(self, body: dict, api: str) -> None:
        if body.get("ret") != 0:
            raise self._client.errors.from_ret(int(body["ret"]), str(body.get("msg") or ""), api)
        if not isinstance(body.get("data"), dict):
            raise self._client.errors.not_the_api("a result without data")


def _upload(receiver: CallbackReceiver, audio: bytes) -> dict[str, str]:
    """The audio as the request carries it: inline, or served by `receiver` when too large."""
    if len(audio) > MAX_DOWNLOAD:
        raise InvalidInput(f"The audio is {len(audio) // (1024 * 1024)} MB; Tencent takes at "
                           "most 30 MB (about 15 minutes).", "Cut it into shorter parts.")
    if len(audio) <= MAX_UPLOAD:
        return {"speech": base64.b64encode(audio).decode("ascii")}
    # Too large to upload: the platform downloads it from our receiver.
    return {"speech_url": receiver.serve(f"{uuid.uuid4().hex}.wav", audio)}


def _text(data: dict, client: TencentClient) -> str:
    text = data.get("text")
    if not isinstance(text, str):
        raise client.errors.not_the_api("a recognition answer without text")
    return text


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def _hits(data: dict, index: int) -> list[KeywordHit]:
    start = _number(data.get("bps"))
    res = data.get("res")
    res = res if isinstance(res, dict) else {}
    found = res.get("key_words")
    found = found if isinstance(found, list) else []
    return [KeywordHit(str(hit.get("key_word", "")), start + _number(hit.get("mbtm")),
                       start + _number(hit.get("metm")), _number(hit.get("score")), index)
            for hit in found if isinstance(hit, dict)]


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
