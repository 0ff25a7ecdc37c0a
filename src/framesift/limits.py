"""Input bounds: every size framesift accepts from a user, named once, checked before any work.

A question, a subtitle file or a "video" path is user input, and input without a bound turns
into a hang: a 100 KB question, a 50 MB subtitle file with 600k cues, a FIFO with no writer or
``/dev/zero`` given as the video. The checks here run before a file is opened (file type),
before it is read (size) and before text is parsed (length), and fail with one
:class:`~framesift.errors.InputError` line that names the parameter and the limit.

The caps are far above real use (a three-hour film's .srt is ~200 KB and ~2,000 cues; a
benchmark question with options is under 2,000 characters) and far below what hurts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_SUBTITLE_BYTES",
    "MAX_SUBTITLE_CUES",
    "check_query_text",
    "check_regular_file",
]

#: The longest question accepted (characters). The text embedder reads 256 word pieces at most,
#: and a visual encoder 64-77 tokens, so a longer question adds nothing but parse time.
MAX_QUERY_CHARS = 20_000
#: The largest subtitle file read (bytes); FFmpeg parses the whole file before the first cue.
MAX_SUBTITLE_BYTES = 16 * 1024 * 1024
#: The most cues kept from one track (after cues beyond the video's end are dropped); every cue
#: is embedded by the text model, so this bounds that cost too (ten hours at a cue every 2 s).
MAX_SUBTITLE_CUES = 20_000


def check_regular_file(path: str | os.PathLike[str], what: str, *, param: str | None = None) -> os.stat_result:
    """``path``'s stat when it is a regular file; else one :class:`InputError` line.

    Called before a file is opened: opening a FIFO with no writer blocks forever, and a device
    such as ``/dev/zero`` never ends. ``what`` names the file's role ("video", "subtitle file").
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file", param=param) from None
    except NotADirectoryError:
        raise InputError(f"{p}: no such file (a parent is not a directory)", param=param) from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})", param=param) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p}: is a directory, not a {what}", param=param)
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        raise InputError(f"{p}: is {kind}; a {what} must be a regular file", param=param)
    return st


def check_query_text(query: str, *, param: str = "query") -> None:
    """A question must be valid Unicode text (no lone surrogates) and at most :data:`MAX_QUERY_CHARS`."""
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"{param} is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}", param=param)
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        # Python maps bytes that are not UTF-8 in argv to lone surrogates (PEP 383).
        raise InputError(f"{param} is not valid UTF-8 text", param=param) from None
