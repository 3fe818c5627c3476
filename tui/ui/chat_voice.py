"""Speech input on the chat screen: push-to-talk into the prompt, and voice conversation mode.

The logic lives in `tui.ui.dictation` and `tui.ui.voice_conversation` (no widgets); this
module opens the source and the recogniser, runs them in workers, and shows them: the prompt
holds the transcript as it grows, the status line the level, the elapsed time and the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple

from tui.domain.errors import AichatError
from tui.domain.inert_text import make_inert
from tui.ui.shown_errors import shown
from tui.ui.speech import SpeechController

if TYPE_CHECKING:
    # Speech input's machinery is imported when it is first used: start-up does not pay it.
    from tui.audio.sources import AudioSource
    from tui.domain.transcript import SpeechRecognizer
    from tui.ui.dictation import Dictation
    from tui.ui.screens.chat import ChatScreen
    from tui.ui.voice_conversation import VoiceConversation

    # What is done with the opened source and recogniser: dictate, or converse.
    Listen = Callable[[AudioSource, SpeechRecognizer], Awaitable[None]]

METER_STEPS = 5


class Listening(NamedTuple):
    """What speech input works with, provided by the app."""

    recognizer: Callable[[], SpeechRecognizer]  # made on first use
    audio_input: Callable[[], Awaitable[AudioSource]]  # opens what [audio] input names
    silence_timeout: float = 1.5  # [voice] silence_timeout
    conversation: bool = False  # [voice] conversation: start in voice conversation mode


def meter(level: float) -> str:
    filled = round(max(0.0, min(1.0, level)) * METER_STEPS)
    return "▮" * filled + "▯" * (METER_STEPS - filled)


class ChatVoice:
    def __init__(self, screen: ChatScreen, listening: Listening | None,
                 speech: SpeechController, secrets: tuple[str, ...]) -> None:
        self._screen = screen
        self._listening = listening
        self._speech = speech
        self._secrets = secrets
        self.dictation: Dictation | None = None
        self.conversation: VoiceConversation | None = None
        self._starting = False

    @property
    def dictating(self) -> bool:
        return self.dictation is not None

    # -- push-to-talk ----------------------------------------------------------------------

    def toggle_dictation(self) -> None:
        if self.dictation is not None:
            self.dictation.stop()
        else:
            before = self._screen.prompt.text  # the draft when the key was pressed
            self._start("dictation", lambda *opened: self._dictate(before, *opened))

    def finish_dictation(self) -> None:
        """Stop recording; the words stay in the prompt to edit and send."""
        if self.dictation is not None:
            self.dictation.stop()

    def discard_dictation(self) -> None:
        if self.dictation is not None:
            self.dictation.discard()

    async def _dictate(self, before: str, source: AudioSource,
                       recognizer: SpeechRecognizer) -> None:
        prompt = self._screen.prompt
        prefix = before if not before or before[-1].isspace() else before + " "

        def changed() -> None:
            assert dictation is not None
            # The recogniser's text, inert: the prompt writes what it holds to the terminal.
            heard = prefix + make_inert(dictation.text)
            if prompt.text != heard:
                prompt.text = heard
                prompt.move_cursor(prompt.document.end)
            self._screen.status.voice = (f"recording {dictation.elapsed:.0f} s "
                                         f"{meter(dictation.level)}")

        from tui.ui.dictation import Dictation

        dictation = Dictation(source, recognizer, on_change=changed)
        self.dictation = dictation
        self._screen.refresh_bindings()
        try:
            final = await dictation.run()
        except AichatError as error:
            self._failed(error, "Recording stopped")  # what was heard stays in the prompt
            final = dictation.text
        finally:
            self.dictation = None
            self._screen.status.voice = ""
            self._screen.refresh_bindings()
        prompt.text = before if final is None else prefix + make_inert(final)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()

    # -- voice conversation mode -----------------------------------------------------------

    def toggle_conversation(self) -> None:
        if self.conversation is not None:
            self.conversation.stop()
        else:
            self._start("voice", self._converse)

    def reply_changed(self, text: str) -> None:
        if self.conversation is not None:
            self.conversation.reply_changed(text)

    def reply_ended(self, text: str, *, complete: bool) -> None:
        if self.conversation is not None:
            self.conversation.reply_ended(text, complete=complete)

    async def _converse(self, source: AudioSource, recognizer: SpeechRecognizer) -> None:
        status = self._screen.status

        def changed() -> None:
            assert voice is not None
            status.voice = f"voice: {voice.state} {meter(voice.level)}"
            status.heard = voice.heard
            self._screen.speaking = voice.state == "speaking"

        from tui.ui.voice_conversation import VoiceConversation

        voice = VoiceConversation(source, recognizer, self._speech, self._send,
                                  silence_timeout=self._silence_timeout,
                                  on_change=changed,
                                  on_error=lambda error: self._failed(error, "Not read aloud"))
        self.conversation = voice
        changed()
        self._screen.notify("Voice conversation: speak, then pause to send.", timeout=4)
        try:
            await voice.run()
        except AichatError as error:
            self._failed(error, "Voice conversation stopped")
        finally:
            self.conversation = None
            status.voice = status.heard = ""
            self._screen.speaking = self._speech.speaking

    async def _send(self, text: str) -> bool:
        # New words supersede a reply still arriving. Sent as dictation would put them in the
        # prompt (inert): the question is kept, shown and recalled into the prompt as it is.
        await self._screen.stop_reply()
        return await self._screen.ask(make_inert(text))

    # -- shared ------------------------------------------------------------------------------

    @property
    def _silence_timeout(self) -> float:
        return self._listening.silence_timeout if self._listening else Listening.silence_timeout

    def _start(self, group: str, listen: Listen) -> None:
        """Open the audio source and the recogniser in a worker, then `listen` to them; a
        second press while they open is ignored."""
        if not self._starting:
            self._starting = True
            self._screen.run_worker(self._open_then(listen), group=group, exit_on_error=False)

    async def _open_then(self, listen: Listen) -> None:
        try:
            opened = await self._open()
        finally:
            self._starting = False
        if opened is not None:
            await listen(*opened)

    async def _open(self) -> tuple[AudioSource, SpeechRecognizer] | None:
        if self._listening is None:  # not offered: the keys are disabled
            return None
        try:
            recognizer = self._listening.recognizer()
            source = await self._listening.audio_input()
        except AichatError as error:
            self._failed(error, "Cannot listen")
            return None
        return source, recognizer

    def _failed(self, error: AichatError, title: str) -> None:
        self._screen.notify(shown(error, self._secrets), title=title, severity="error",
                            markup=False)
