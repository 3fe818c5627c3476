"""`QiniuSpeech`: Qiniu's voices and speech synthesis behind the domain `SpeechEngine` protocol."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tui.backends.deadlines import within
from tui.backends.http_client import http_client
from tui.backends.qiniu.errors import KEY_ENV, QiniuErrors
from tui.backends.qiniu.tts import post_tts, tts_request
from tui.backends.qiniu.voices import VOICE_LIST_TTL, VoiceListCache, parse_voices
from tui.backends.qiniu.ws_tts import stream_tts, websocket_url
from tui.domain.errors import ServiceError, SettingsError
from tui.domain.voice import Synthesis, Voice
from tui.settings import DEFAULT_NETWORK_TIMEOUT, QiniuSettings, Settings

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 1024


class QiniuSpeech:
    """Implements `tui.domain.voice.SpeechEngine`. One httpx client, reused; close with aclose()."""

    max_text_bytes = MAX_TEXT_BYTES

    def __init__(self, settings: QiniuSettings, *, config_path: Path | str = "the settings file",
                 cache_dir: Path | None = None, voice_list_ttl: float = VOICE_LIST_TTL,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = DEFAULT_NETWORK_TIMEOUT) -> None:
        key = settings.api_key.reveal()
        if not key:
            raise SettingsError("No Qiniu API key is set, so voices cannot be listed or spoken.",
                                f"Set api_key in [qiniu] of {config_path} or {KEY_ENV}.")
        self.base_url = settings.base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {key}"}
        self._errors = QiniuErrors(urlsplit(self.base_url).netloc, str(config_path), key, timeout)
        self.timeout = timeout
        self._voice_cache = (VoiceListCache(cache_dir / "qiniu_voices.json", ttl=voice_list_ttl)
                             if cache_dir is not None else None)
        self._client = http_client(timeout, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> QiniuSpeech:
        settings.require("qiniu")
        return cls(settings.qiniu, config_path=settings.config_path, cache_dir=settings.cache_dir,
                   timeout=settings.network.timeout)

    async def list_voices(self, *, refresh: bool = False) -> list[Voice]:
        if self._voice_cache is not None and not refresh:
            cached = self._voice_cache.load(self.base_url)
            if cached is not None:
                return cached
        response = await self._get(f"{self.base_url}/voice/list", headers=self._headers)
        try:
            voices = parse_voices(response.json())
        except ValueError:
            voices = None
        if voices is None:
            raise self._errors.not_the_api("something that is not a voice list")
        if self._voice_cache is not None:
            self._voice_cache.save(self.base_url, voices)
        return voices

    async def fetch_preview(self, voice: Voice) -> bytes:
        if not voice.preview_url.startswith(("http://", "https://")):
            raise ServiceError(f"The voice {voice.name} has no preview clip.")
        # Preview clips are public files, often on another host: the API key stays home.
        response = await self._get(voice.preview_url, what=f"the preview of {voice.name}")
        return response.content

    async def synthesize(self, text: str, *, voice: str, speed: float,
                         encoding: str = "pcm") -> Synthesis:
        log.debug("Synthesizing %d characters with %s (%s)", len(text), voice, encoding)
        body = tts_request(text, voice=voice, speed=speed, encoding=encoding)
        return await within(post_tts(self._client, f"{self.base_url}/voice/tts", self._headers,
                                     body, self._errors), self.timeout, self._errors.timed_out)

    def stream(self, text: str, *, voice: str, speed: float) -> AsyncGenerator[bytes, None]:
        log.debug("Streaming %d characters with %s", len(text), voice)
        body = tts_request(text, voice=voice, speed=speed, encoding="pcm")
        return stream_tts(websocket_url(self.base_url), self._headers, body, self._errors,
                          self.timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _get(self, url: str, *, headers: dict[str, str] | None = None,
                   what: str = "") -> httpx.Response:
        try:
            response = await within(self._client.get(url, headers=headers), self.timeout,
                                    self._errors.timed_out)
        except httpx.TimeoutException:
            raise self._errors.timed_out() from None
        except httpx.TransportError as e:
            raise self._errors.unreachable(e) from None
        if response.status_code >= 300:
            if what:
                raise ServiceError(f"Could not fetch {what} (HTTP {response.status_code}).",
                                   "Try again later, or another voice.")
            raise self._errors.from_status(response.status_code, response.content,
                                           retry_after=response.headers.get("Retry-After"))
        return response
