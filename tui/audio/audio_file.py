"""An audio file (WAV, MP3, FLAC, Vorbis) as 16-bit mono PCM at the rate a recogniser wants."""

from __future__ import annotations

from pathlib import Path

from tui.domain.errors import AudioError, InvalidInput


def read_pcm(path: Path, rate: int) -> bytes:
    import miniaudio  # a C extension: loaded when a file is first read

    if not path.is_file():
        raise InvalidInput(f"There is no audio file {path}.")
    try:
        sound = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16,
                                      nchannels=1, sample_rate=rate)
    except miniaudio.DecodeError:
        raise AudioError(f"{path} is not audio that can be read (WAV, MP3, FLAC or Vorbis).",
                         "Convert it to WAV and try again.") from None
    except OSError as e:
        raise AudioError(f"Could not read {path} ({e.strerror}).") from None
    return sound.samples.tobytes()
