"""The app's one object for speech: the voice and speed in use, reading aloud, previews, files.

Nothing is made until it is first needed, so start-up imports no HTTP client and opens no
sound device: a vendor's client and synthesizer on its first request (a voice list, a file),
the player and the speaker on the first sound. Each voice is spoken by its own vendor's engine
(`speech_engine_for`: `tencent-*` voices are Tencent's, the others Qiniu's); the one speaker
is pointed at the right synthesizer before each reading or preview. Failures are
`AichatError`s for the app to show as they are (`str(error)` says what happened and what to
do).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.audio.player import Player, open_player
from tui.domain.errors import InvalidInput
from tui.domain.voice import SPEED_MAX, SPEED_MIN
from tui.settings import Settings

if TYPE_CHECKING:
    from tui.audio.speaker import Reading, Speaker
    from tui.audio.synthesis import Synthesizer
    from tui.domain.voice import Voice

SPEED_STEP = 0.1  # people step through the speeds a tenth at a time


class SpeechController:
    """Owned by the app; every screen that speaks goes through it.

    `player_factory(backend)` opens the player for `[audio] backend` (tests pass one that
    records instead of playing). Close with `aclose()`.
    """

    def __init__(self, settings: Settings, *,
                 player_factory: Callable[[str], Player] = open_player) -> None:
        self.settings = settings
        self._player_factory = player_factory
        # Settings are frozen: the choices made in this session live here (the screens that
        # make them save them in the file: `settings_saver`).
        self._voice = settings.qiniu.voice
        self._speed = settings.qiniu.speed
        self._read_aloud = settings.audio.read_aloud
        self._synthesizers: dict[str, Synthesizer] = {}  # by engine name
        self._speaker: Speaker | None = None

    @property
    def voice(self) -> str:
        """The voice type new readings use."""
        return self._voice

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def read_aloud(self) -> bool:
        """Whether replies should be read aloud as they stream in (the app asks this)."""
        return self._read_aloud

    @property
    def speaking(self) -> bool:
        return self._speaker is not None and self._speaker.speaking

    # -- choices (saved as [qiniu] voice, [qiniu] speed and [audio] read_aloud) ----------------

    def set_voice(self, voice_type: str) -> None:
        """Use `voice_type` from now on ([qiniu] voice is the default voice, whichever vendor
        speaks it)."""
        self._voice = voice_type
        if self._speaker is not None:
            self._speaker.voice = voice_type

    def set_speed(self, speed: float) -> float:
        """Use `speed` (0.2-3.0) from now on; returns it."""
        speed = round(float(speed), 2)
        if not SPEED_MIN <= speed <= SPEED_MAX:
            raise InvalidInput(f"The speech speed must be from {SPEED_MIN} to {SPEED_MAX}; "
                               f"{speed} is not.")
        self._speed = speed
        if self._speaker is not None:
            self._speaker.speed = speed
        return speed

    def step_speed(self, steps: int) -> float:
        """Faster (steps > 0) or slower by tenths, stopping at the limits; returns the speed."""
        tenths = round(self._speed / SPEED_STEP) + steps
        wanted = min(max(tenths * SPEED_STEP, SPEED_MIN), SPEED_MAX)
        if round(wanted, 2) == self._speed:
            return self._speed  # at a limit: no change
        return self.set_speed(wanted)

    def toggle_read_aloud(self) -> bool:
        """Reading replies aloud on or off; returns the new state."""
        self._read_aloud = not self._read_aloud
        return self._read_aloud

    # -- sound -----------------------------------------------------------------------------

    async def speak(self, markdown: str) -> bool:
        """Stop whatever is playing and read `markdown` aloud, each sentence playing while the
        next is synthesized. True when heard to the end, False when stopped."""
        from tui.audio.speakable import speakable

        if not speakable(markdown).strip():
            raise InvalidInput("There is nothing to speak in this text (no words once the "
                               "markup is removed).")
        return await self._get_speaker(self._voice).speak(markdown)

    def start_reading(self) -> Reading:
        """A reading to feed while a reply streams in: `feed(text_so_far)` on every change,
        `finish(final_text)` at the end, and `await wait()` for its outcome (it raises the
        error that ended it early). Stops whatever was playing."""
        return self._get_speaker(self._voice).read()

    async def preview(self, voice: Voice) -> None:
        """Play the voice's sample clip (fetched once, then from the cache)."""
        await self._get_speaker(voice.voice_type).preview(voice)

    def stop(self) -> None:
        """Silence now, and drop every sentence still waiting to be synthesized."""
        if self._speaker is not None:
            self._speaker.stop()

    # -- no sound device needed ------------------------------------------------------------

    async def voices(self, *, refresh: bool = False) -> list[Voice]:
        """Qiniu's voice catalogue (cached for a day unless `refresh`), then Tencent's four
        when the platform is set up (`list_all_voices`)."""
        from tui.backends.speech_engines import list_all_voices

        return await list_all_voices(self.settings, lambda: self._get_synthesizer("qiniu").engine,
                                     refresh=refresh)

    async def save(self, markdown: str, path: Path) -> Path:
        """Write the speech of `markdown` in the current voice and speed to `path` (.wav or
        .mp3); returns the path written."""
        from tui.backends.speech_engines import engine_name

        path = Path(path).expanduser()
        synthesizer = self._get_synthesizer(engine_name(self._voice))
        await synthesizer.save(markdown, path, voice=self._voice, speed=self._speed)
        return path

    async def aclose(self) -> None:
        if self._speaker is not None:
            self._speaker.close()
            self._speaker = None
        synthesizers, self._synthesizers = list(self._synthesizers.values()), {}
        for synthesizer in synthesizers:
            await synthesizer.engine.aclose()

    # -- made on first use -----------------------------------------------------------------

    def _get_synthesizer(self, engine: str) -> Synthesizer:
        """The synthesizer of engine "qiniu" or "tencent"."""
        if engine not in self._synthesizers:
            from tui.audio.synthesis import Synthesizer
            from tui.backends.speech_engines import open_speech_engine

            self._synthesizers[engine] = Synthesizer(open_speech_engine(self.settings, engine),
                                                     self.settings.cache_dir)
        return self._synthesizers[engine]

    def _get_speaker(self, voice: str) -> Speaker:
        """The speaker, its synthesizer the one that speaks `voice` (a reading or preview that
        starts stops the last one, so a switch never mixes two vendors' audio)."""
        from tui.backends.speech_engines import engine_name

        if self._speaker is None:
            from tui.audio.speaker import Speaker

            # The device first: without one, say so before any request is spent.
            player = self._player_factory(self.settings.audio.backend)
            try:
                synthesizer = self._get_synthesizer(engine_name(voice))
            except BaseException:
                player.close()
                raise
            self._speaker = Speaker(synthesizer, player, voice=self._voice, speed=self._speed)
        else:
            self._speaker.synthesizer = self._get_synthesizer(engine_name(voice))
        return self._speaker
