"""Keep alsa-lib from writing to stderr, where Textual draws the screen.

When no sound card is present alsa-lib prints a dozen "ALSA lib ... cannot find card" lines
while a device is probed. miniaudio and simpleaudio load the same libasound.so.2, so
installing a silent error handler in it once, before any device is opened, silences them all.
We report a missing device ourselves, in one sentence.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# (file, line, function, err, fmt, ...): the variadic tail is never read, so a fixed
# signature is safe for a handler that ignores its arguments.
_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_char_p)
_handler: object | None = None  # kept referenced: alsa-lib calls it for the life of the process


def silence_alsa() -> bool:
    """Install the silent handler (once). False where there is no alsa-lib (macOS, Windows)."""
    global _handler
    if _handler is not None:
        return True
    name = ctypes.util.find_library("asound") or "libasound.so.2"
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return False
    handler = _HANDLER_TYPE(lambda *args: None)
    library.snd_lib_error_set_handler(handler)
    _handler = handler
    return True
