"""The chat window's speech: a reply read aloud as it streams (with reading aloud on), any
message spoken or saved as audio. Speaking runs in workers and never holds up the
conversation; its failures are notifications."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from tui.domain.conversation import Message, Role
from tui.domain.errors import AichatError, AudioError, NoSoundDevice
from tui.ui.bindings import keys_for
from tui.ui.notices import shown_path
from tui.ui.shown_errors import shown, unexpected
from tui.ui.speech import SpeechController

if TYPE_CHECKING:
    from tui.audio.speaker import Reading


def audio_file_name(message: Message) -> str:
    """The file a message's audio is saved in: named for when the message was written, so
    saving the same one again replaces its file rather than piling up copies."""
    kind = "reply" if message.role == Role.ASSISTANT else "message"
    return f"{kind}-{time.strftime('%Y-%m-%d-%H%M%S', time.localtime(message.created_at))}.mp3"


class ChatSpeech:
    """Speech for one screen. `speaking(on)` is told when something starts or stops being read
    (the status line and the keys follow it)."""

    def __init__(self, screen: Screen[Any], controller: SpeechController, *,
                 speaking: Callable[[bool], None], keymap: dict[str, str],
                 secrets: tuple[str, ...], export_dir: Path, log_path: Path) -> None:
        self._screen = screen
        self._controller = controller
        self._speaking = speaking
        self._keymap = keymap
        self._secrets = secrets
        self._export_dir = export_dir
        self._log_path = log_path

    def start_reading(self) -> Reading | None:
        """A reading of the reply about to stream, if replies are read aloud (and can be)."""
        if not self._controller.read_aloud:
            return None
        try:
            reading = self._controller.start_reading()
        except AichatError as error:
            # The reply matters more: it streams all the same. A missing sound device's hint
            # is for the CLI; here the way out is the key.
            said = error.message if isinstance(error, NoSoundDevice) else self._shown(error)
            self._screen.notify(
                f"{said} {keys_for('app.read_aloud', self._keymap)} turns reading replies "
                "aloud off.", title="Not read aloud", severity="error")
            return None
        self._hear(reading.wait())
        return reading

    def silence(self, reading: Reading | None) -> None:
        """Stop reading a reply that did not complete, unless something else plays by now."""
        if reading is not None and not reading.done:
            self._controller.stop()

    def speak(self, markdown: str) -> None:
        self._hear(self._controller.speak(markdown))

    def stop(self) -> None:
        self._controller.stop()

    def save_audio(self, message: Message, markdown: str) -> None:
        path = self._export_dir / audio_file_name(message)
        # It takes a few seconds for a long reply.
        self._screen.notify("Saving the audio…", timeout=3)
        self._screen.run_worker(self._save_audio(markdown, path), group="save_audio",
                                exit_on_error=False)

    def _hear(self, reading: Awaitable[bool]) -> None:
        """Await a reading in a worker, so that its errors are told."""
        self._speaking(True)
        self._screen.run_worker(self._heard(reading), group="speech", exit_on_error=False)

    async def _heard(self, reading: Awaitable[bool]) -> None:
        try:
            await reading
        except AichatError as error:
            self._failed(error, "Could not read aloud")
        except Exception as bug:
            self._failed(unexpected(bug, "speech", self._log_path), "Could not read aloud")
        finally:
            # Another reading may have taken over from this one.
            self._speaking(self._controller.speaking)

    async def _save_audio(self, markdown: str, path: Path) -> None:
        try:
            await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            saved = await self._controller.save(markdown, path)
        except OSError as exc:
            self._failed(AudioError(
                f"Could not create the folder {path.parent} ({exc.strerror or exc}).",
                "Check that you may write there."), "Audio not saved")
        except AichatError as error:
            self._failed(error, "Audio not saved")
        else:
            self._screen.notify(shown_path(saved, self._export_dir.parent), title="Audio saved")

    def _failed(self, error: AichatError, title: str) -> None:
        text = self._shown(error)
        if isinstance(error, NoSoundDevice):  # its hint names the CLI: say the key instead
            keys = keys_for("chat.save_audio", self._keymap)
            palette = keys_for("app.palette", self._keymap)
            text = (f"{error.message} {keys} saves the audio to a file instead "
                    f"(“Save audio” in {palette}).")
        self._screen.notify(text, title=title, severity="error")

    def _shown(self, error: AichatError) -> str:
        return shown(error, self._secrets)
