"""A stand-in speech synthesizer: real audio, one tone per syllable, pauses at punctuation.

It is not speech, but it has the properties a client can observe: 24 kHz mono s16le, a length
that grows with the text and shrinks with the speed ratio, silence where a reader would pause,
a pitch that tells female from male voices, and output in segments (a few syllables or one
clause each) so a streaming response can send each segment when it is "ready". Every clip
carries its text in a quiet data band (`watermark.py`), which the emulated ASR reads back.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from functools import lru_cache

from tui.emulator.qiniu.watermark import embed

SAMPLE_RATE = 24_000

SYLLABLE_SECONDS = 0.15
SYLLABLE_GAP_SECONDS = 0.02
WORD_GAP_SECONDS = 0.06
CLAUSE_PAUSE_SECONDS = 0.18
SENTENCE_PAUSE_SECONDS = 0.32
# A reply that is all symbols still gets a breath of audio, as real engines return.
MIN_SECONDS = 0.1
# A streamed segment holds at most this many syllables (or ends at a pause before that).
SEGMENT_SYLLABLES = 6

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(
    rf"(?P<cjk>[{_CJK}])"
    rf"|(?P<word>[^\W_{_CJK}]+)"
    r"|(?P<sentence>[.!?。！？…\n]+)"
    r"|(?P<clause>[,;:，；：、]+)"
    r"|(?P<space>\s+)",
)
_VOWEL_GROUPS = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Segment:
    """Audio for the text up to character `text_end` (which sets when it is "ready")."""

    text_end: int
    pcm: bytes


def voice_pitch(voice_type: str) -> float:
    """A base pitch per voice: lower for male voices, and a little different for each voice."""
    base = 125.0 if "_male_" in voice_type else 220.0
    return base + sum(voice_type.encode()) % 40


@dataclass(slots=True)
class _Piece:
    """The audio of one syllable, gap or pause, and where its text ends."""

    kind: str
    text_end: int
    pcm: bytes


def synthesize(text: str, pitch: float, speed: float = 1.0) -> list[Segment]:
    """The audio of `text` in segments; joined, they are the whole utterance."""
    pieces: list[_Piece] = []
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup or "", match.group()
        if kind == "cjk":
            pieces.append(_Piece(kind, match.end(), _syllable(pitch, ord(token), speed)))
        elif kind == "word":
            seed = sum(map(ord, token))
            pieces.extend(_Piece(kind, match.end(), _syllable(pitch, seed + index, speed))
                          for index in range(_syllable_count(token)))
        elif kind == "space":
            pieces.append(_Piece(kind, match.end(), _silence(WORD_GAP_SECONDS / speed)))
        else:
            pause = SENTENCE_PAUSE_SECONDS if kind == "sentence" else CLAUSE_PAUSE_SECONDS
            pieces.append(_Piece(kind, match.end(), _silence(pause / speed)))
    if sum(len(p.pcm) for p in pieces) < _samples(MIN_SECONDS) * 2:
        pieces.append(_Piece("space", len(text), _silence(MIN_SECONDS)))
    _mark_sentences(pieces, text)

    segments: list[Segment] = []
    pending: list[bytes] = []
    syllables = 0
    for piece in pieces:
        pending.append(piece.pcm)
        syllables += piece.kind in ("cjk", "word")
        if piece.kind in ("sentence", "clause") or syllables >= SEGMENT_SYLLABLES:
            segments.append(Segment(piece.text_end, b"".join(pending)))
            pending.clear()
            syllables = 0
    if pending:
        segments.append(Segment(len(text), b"".join(pending)))
    return segments


def _mark_sentences(pieces: list[_Piece], text: str) -> None:
    """Embed each sentence's text (with the spaces after it) in its own audio. Sentence by
    sentence, so a text sounds the same whether it is synthesized whole or a sentence at a
    time, and a recogniser hears each sentence as it ends."""
    first, text_start, stopped = 0, 0, False
    for index, piece in enumerate(pieces):
        if piece.kind == "sentence":
            stopped = True
        elif piece.kind != "space":
            stopped = False
        following = pieces[index + 1].kind if index + 1 < len(pieces) else None
        if following is not None and not (stopped and following not in ("sentence", "space")):
            continue
        sentence = pieces[first:index + 1]
        # The last sentence takes the rest of the text: a closing ")" or quote makes no sound
        # of its own, but it was said all the same.
        text_end = piece.text_end if following is not None else len(text)
        marked = embed(b"".join(p.pcm for p in sentence), text[text_start:text_end],
                       SAMPLE_RATE)
        offset = 0
        for number, part in enumerate(sentence):
            size = len(marked) - offset if number == len(sentence) - 1 else len(part.pcm)
            part.pcm = marked[offset:offset + size]
            offset += size
        first, text_start, stopped = index + 1, piece.text_end, False


def _syllable_count(word: str) -> int:
    if word.isdigit():
        return len(word)
    return max(1, len(_VOWEL_GROUPS.findall(word)))


def _samples(seconds: float) -> int:
    return max(1, round(seconds * SAMPLE_RATE))


def _syllable(pitch: float, seed: int, speed: float) -> bytes:
    # Four steps of intonation, chosen by the text, so the audio is not a monotone beep.
    step = (0, 2, 4, 7)[seed % 4]
    frequency = round(pitch * 2 ** (step / 12))
    return (_tone(frequency, _samples(SYLLABLE_SECONDS / speed))
            + _silence(SYLLABLE_GAP_SECONDS / speed))


@lru_cache(maxsize=1024)
def _tone(frequency: int, count: int) -> bytes:
    fade = min(count // 2, SAMPLE_RATE // 100)  # 10 ms ramps: no clicks at the edges
    samples = []
    for i in range(count):
        envelope = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
        phase = 2 * math.pi * frequency * i / SAMPLE_RATE
        value = 0.8 * math.sin(phase) + 0.2 * math.sin(2 * phase)
        samples.append(round(9000 * envelope * value))
    return struct.pack(f"<{count}h", *samples)


@lru_cache(maxsize=64)
def _silence(seconds: float) -> bytes:
    return bytes(2 * _samples(seconds))
