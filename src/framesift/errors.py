"""Exceptions that separate a user's bad input from a bug in framesift.

The CLI maps :class:`InputError` (and subclasses) to exit code 2 with one line naming the file and
the problem; anything else is an internal error (exit code 1).
"""

from __future__ import annotations

import errno
import os
import re


class FramesiftError(Exception):
    """Base class of every error framesift raises on purpose."""


class InputError(FramesiftError):
    """Bad input or usage: a missing file, a file that is not a video, a budget below 1, ...

    The message is written for a person: it names the file (if any) and says what is wrong.
    ``param`` is the Python parameter at fault (``"embed_budget"``), when there is one: the
    library's message names that parameter, and the CLI swaps in its flag (``--embed-budget``).
    """

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class VideoError(InputError):
    """The video cannot be opened, has no video stream, or has no decodable frame."""


class SubtitleError(InputError):
    """A subtitle file or stream cannot be read."""


def os_reason(exc: OSError) -> str:
    """An :class:`OSError`'s reason in a few words on one line ("No space left on device").

    The operating system's text for the errno when there is one (libraries such as pyarrow put
    multi-line details into ``strerror``), else the first line of what the error says.
    """
    code = exc.errno
    if code is None:  # pyarrow: "Error writing bytes to file. Detail: [errno 28] No space left on device"
        m = re.search(r"\[errno (\d+)\]", str(exc))
        code = int(m.group(1)) if m else None
    if code is not None and code in errno.errorcode:
        return os.strerror(code)
    text = " ".join(str(exc.strerror or exc).split())
    return text or type(exc).__name__
