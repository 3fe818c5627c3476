"""The text of emulated speech, carried inside the audio itself, so the emulated ASR can hear it.

The emulator's TTS is tones, not speech, so nothing could recognise it. Instead every clip it
synthesizes carries its own text in a quiet data band (1-3.8 kHz, above the "voice" tones):
8 channels side by side, each sending one of 4 tones per 40 ms symbol, so a symbol is 2 bytes.
A message is

    preamble (2 symbols) | payload length (1) | repeat count (1) | payload (each symbol sent
    `repeat` times, so the text is spread over the whole clip) | CRC-16 of the payload (1)

Tone detection by energy survives what a client does to audio: MP3 at 48 kbit/s, resampling
to 16 kHz, concatenating clips. No registry is needed, so `say --out` in one process and
`listen` in another agree. `Decoder` reads the messages back incrementally, at any sample rate
of 8 kHz or more, and reports the text of each as far as it has been heard, and when in the
audio it was said.
"""

from __future__ import annotations

import binascii
import math
from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul

SYMBOL_SECONDS = 0.040
HOP_SECONDS = 0.010
WINDOW_SECONDS = 0.030
CHANNELS = 8
TONES_PER_CHANNEL = 4
BASE_HZ = 1000.0
SPACING_HZ = 90.0
AMPLITUDE = 1100
RAMP_SECONDS = 0.004
PREAMBLE = (0xA35C, 0x96E1)
MAX_REPEAT = 31
# Below this mean band energy per frame there is no data worth reading (silence, speech gaps).
# Energy grows with the square of the window's length, so it is compared per squared sample:
# the same threshold holds at 8, 16 and 24 kHz.
MIN_POWER = 4000.0
HOPS_PER_SYMBOL = round(SYMBOL_SECONDS / HOP_SECONDS)


def _frequency(channel: int, tone: int) -> float:
    return BASE_HZ + SPACING_HZ * (channel * TONES_PER_CHANNEL + tone)


def message_symbols(text: str, available_symbols: int) -> list[int]:
    """The symbols of one message, spread to fill `available_symbols` where it can."""
    payload = text.encode("utf-8")
    padded = payload + b"\0" * (len(payload) % 2)
    words = [int.from_bytes(padded[i:i + 2], "big") for i in range(0, len(padded), 2)]
    fixed = len(PREAMBLE) + 3
    repeat = max(1, min(MAX_REPEAT, (available_symbols - fixed) // max(1, len(words))))
    body = [word for word in words for _ in range(repeat)]
    return [*PREAMBLE, len(payload), repeat << 8 | (0xFF ^ repeat), *body,
            binascii.crc_hqx(payload, 0xFFFF)]


def embed(pcm: bytes, text: str, sample_rate: int) -> bytes:
    """`pcm` (s16le mono) with the message for `text` mixed in from its start; longer than
    `pcm` when the text needs more time than the speech takes."""
    symbol_samples = round(SYMBOL_SECONDS * sample_rate)
    samples = array("h", pcm)
    symbols = message_symbols(text, len(samples) // symbol_samples)
    needed = len(symbols) * symbol_samples
    if len(samples) < needed:
        samples.extend(bytes(2 * (needed - len(samples))))
    mixed = array("h", samples)
    for index, value in enumerate(symbols):
        start = index * symbol_samples
        tone = _symbol_wave(value, sample_rate)
        chunk = map(sum, zip(samples[start:start + symbol_samples], tone, strict=False))
        mixed[start:start + symbol_samples] = array("h", (max(-32768, min(32767, round(v)))
                                                         for v in chunk))
    return mixed.tobytes()


@lru_cache(maxsize=512)
def _symbol_wave(value: int, sample_rate: int) -> tuple[float, ...]:
    waves = [_tone(_frequency(c, value >> (2 * c) & 3), sample_rate) for c in range(CHANNELS)]
    return tuple(map(sum, zip(*waves, strict=True)))


@lru_cache(maxsize=CHANNELS * TONES_PER_CHANNEL * 4)
def _tone(frequency: float, sample_rate: int) -> tuple[float, ...]:
    count = round(SYMBOL_SECONDS * sample_rate)
    ramp = max(1, round(RAMP_SECONDS * sample_rate))
    step = 2 * math.pi * frequency / sample_rate
    return tuple(AMPLITUDE * min(1.0, i / ramp, (count - 1 - i) / ramp) * math.sin(step * i)
                 for i in range(count))


@dataclass
class Message:
    """One message as far as it has been heard."""

    length: int
    repeat: int
    start_seconds: float = 0.0  # where its preamble begins in the audio
    end_seconds: float | None = None  # where its last symbol ends, once heard
    payload: bytearray = field(default_factory=bytearray)
    complete: bool = False
    intact: bool = False

    def text(self) -> str:
        return bytes(self.payload[:self.length]).decode("utf-8", "ignore")


class Decoder:
    """Feed PCM (s16le mono at `sample_rate`); read `text()` at any time."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._hop = round(HOP_SECONDS * sample_rate)
        self._window = round(WINDOW_SECONDS * sample_rate)
        self._samples = array("h")
        self._frames: list[tuple[int, float]] = []  # (symbol value, confidence) per hop
        self._tables = _tables(sample_rate, self._window)
        self._next = 0  # the frame where the search for the next message starts
        self.messages: list[Message] = []
        self._reading: tuple[Message, int] | None = None  # message, frame of its symbol 0

    def feed(self, pcm: bytes) -> None:
        self._samples.frombytes(pcm[:len(pcm) - len(pcm) % 2])
        while (len(self._frames) * self._hop + self._window) <= len(self._samples):
            start = len(self._frames) * self._hop
            self._frames.append(self._read_frame(self._samples[start:start + self._window]))
        self._parse()

    def text(self) -> str:
        return "".join(m.text() for m in self.messages if m.intact or not m.complete)

    def _read_frame(self, window: array) -> tuple[int, float]:
        # No band can hold more energy than the window has (Cauchy-Schwarz): a quiet window is
        # skipped for the cost of one product instead of 64.
        if sum(map(mul, window, window)) < MIN_POWER * len(window):
            return -1, 0.0
        energies = []
        for cos_table, sin_table in self._tables:
            re, im = sum(map(mul, window, cos_table)), sum(map(mul, window, sin_table))
            energies.append(re * re + im * im)
        value, confidence = 0, 1.0
        power = sum(energies) / len(energies) / len(window) ** 2
        if power < MIN_POWER:
            return -1, 0.0
        for channel in range(CHANNELS):
            group = energies[channel * TONES_PER_CHANNEL:(channel + 1) * TONES_PER_CHANNEL]
            best = max(range(TONES_PER_CHANNEL), key=group.__getitem__)
            value |= best << (2 * channel)
            confidence = min(confidence, group[best] / (sum(group) or 1.0))
        return value, confidence

    def _symbol(self, frame: int) -> int | None:
        """The value at `frame`, or None when it has not been heard yet."""
        return self._frames[frame][0] if frame < len(self._frames) else None

    def _parse(self) -> None:
        while True:
            if self._reading is not None:
                if not self._read_payload(*self._reading):
                    return
                continue
            found = self._find_preamble()
            if found is None:
                return

    def _find_preamble(self) -> int | None:
        hops = HOPS_PER_SYMBOL
        last = len(self._frames) - 3 * hops - 1  # preamble, header: 4 symbols must be heard
        frame = self._next
        while frame <= last:
            if (self._frames[frame][0] == PREAMBLE[0]
                    and self._frames[frame + hops][0] == PREAMBLE[1]):
                # A symbol spans several hops: take the hop most squarely inside it.
                candidates = [f for f in range(frame, min(frame + hops, last + 1))
                              if self._frames[f][0] == PREAMBLE[0]
                              and self._frames[f + hops][0] == PREAMBLE[1]]
                frame = max(candidates, key=lambda f: min(self._frames[f][1],
                                                          self._frames[f + hops][1]))
                length = self._frames[frame + 2 * hops][0]
                packed = self._frames[frame + 3 * hops][0]
                repeat = packed >> 8
                if 1 <= repeat <= MAX_REPEAT and packed & 0xFF == 0xFF ^ repeat:
                    message = Message(length, repeat, frame * self._hop / self.sample_rate)
                    self.messages.append(message)
                    self._reading = (message, frame)
                    return frame
            frame += 1
        self._next = max(self._next, last + 1)
        return None

    def _read_payload(self, message: Message, start: int) -> bool:
        """Read what has arrived of `message`; False when waiting for more audio."""
        hops = HOPS_PER_SYMBOL
        words = (message.length + 1) // 2
        while len(message.payload) < 2 * words:
            index = len(message.payload) // 2
            # The middle copy of a repeated symbol: furthest from both of its neighbours.
            frame = start + (4 + index * message.repeat + message.repeat // 2) * hops
            value = self._symbol(frame)
            if value is None:
                return False
            message.payload += max(value, 0).to_bytes(2, "big")
        crc_frame = start + (4 + words * message.repeat) * hops
        crc = self._symbol(crc_frame)
        if crc is None:
            return False
        message.complete = True
        message.end_seconds = (crc_frame + hops) * self._hop / self.sample_rate
        message.intact = crc == binascii.crc_hqx(bytes(message.payload[:message.length]), 0xFFFF)
        self._reading = None
        self._next = crc_frame + 1
        return True


@lru_cache(maxsize=8)
def _tables(sample_rate: int,
            window: int) -> tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]:
    hann = [0.5 - 0.5 * math.cos(2 * math.pi * i / (window - 1)) for i in range(window)]
    tables = []
    for channel in range(CHANNELS):
        for tone in range(TONES_PER_CHANNEL):
            step = 2 * math.pi * _frequency(channel, tone) / sample_rate
            tables.append((tuple(h * math.cos(step * i) for i, h in enumerate(hann)),
                           tuple(h * math.sin(step * i) for i, h in enumerate(hann))))
    return tuple(tables)
