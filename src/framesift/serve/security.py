"""What the service refuses: paths outside its roots, requests without the token, files that are not video.

Paths are resolved with :func:`os.path.realpath` (every symlink followed, ``..`` collapsed)
*before* the allow-list check, and the check runs before the file is looked at, so a request can
neither read outside the roots through a link nor learn whether a file exists out there.
Uploads are recognised by their first bytes (container signatures), never by the name or the
``Content-Type`` the client sent, and then probed by the real demuxer.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from ..errors import InputError

__all__ = [
    "BodyTooLarge",
    "Forbidden",
    "NotFound",
    "UnsupportedMedia",
    "check_token",
    "resolve_in_roots",
    "sniff_container",
]


class Forbidden(InputError):
    """A path outside the allowed roots (HTTP 403)."""


class NotFound(InputError):
    """A path inside the roots that does not exist, or an unknown id (HTTP 404)."""


class UnsupportedMedia(InputError):
    """An upload that is not a video container this server reads (HTTP 415)."""


class BodyTooLarge(InputError):
    """A request body over the configured limit (HTTP 413)."""


def resolve_in_roots(raw: object, roots: tuple[Path, ...], *, param: str = "video", kind: str = "file") -> Path:
    """``raw`` as a real path inside one of ``roots`` (relative paths are taken from the first root).

    ``kind``: ``"file"``, ``"dir"`` or ``"any"``: what the path must be.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InputError(f"{param} must be a non-empty path", param=param)
    if "\x00" in raw:
        raise InputError(f"{param}: a path cannot contain a NUL byte", param=param)
    if not roots:
        raise Forbidden(f"{raw}: this server has no allowed roots (start it with --root DIR)", param=param)
    p = Path(raw).expanduser() if raw.startswith("~") else Path(raw)
    if not p.is_absolute():
        p = roots[0] / p
    try:
        real = Path(os.path.realpath(p))
    except (OSError, ValueError) as exc:
        raise InputError(f"{raw}: not a usable path ({exc})", param=param) from None
    if not any(real == r or real.is_relative_to(r) for r in roots):
        raise Forbidden(f"{raw[:200]}: outside the directories this server may read", param=param)
    try:
        exists, is_file, is_dir = real.exists(), real.is_file(), real.is_dir()
    except OSError as exc:  # a name too long for the file system, a permission problem, ...
        raise InputError(f"{raw[:200]}: not a usable path ({exc.strerror or exc})", param=param) from None
    if not exists:
        raise NotFound(f"{raw[:200]}: no such file or directory", param=param)
    if kind == "file" and not is_file:
        raise InputError(f"{raw[:200]}: is not a file", param=param)
    if kind == "dir" and not is_dir:
        raise InputError(f"{raw[:200]}: is not a directory", param=param)
    return real


def check_token(header: str | None, token: str | None) -> bool:
    """True when no token is configured, or ``header`` is ``Bearer <token>`` (constant-time compare)."""
    if not token:
        return True
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())


def sniff_container(head: bytes) -> str | None:
    """The container a file's first bytes announce (``mp4``, ``mkv``, ``avi``, ``ts``, ...), or None.

    Signatures: ISO BMFF ``ftyp`` box at offset 4 (MP4/MOV/M4V/3GP); EBML magic (Matroska, WebM);
    RIFF + ``AVI ``; MPEG-TS sync bytes every 188 bytes; MPEG-PS pack header; FLV; ASF GUID (WMV);
    Ogg.
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if len(head) >= 12 and head[4:8] in (b"moov", b"mdat", b"free", b"wide") and head[:2] == b"\x00\x00":
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "mkv"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if len(head) >= 377 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "ts"
    if head.startswith(b"\x00\x00\x01\xba"):
        return "mpg"
    if head.startswith(b"FLV\x01"):
        return "flv"
    if head.startswith(bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")):
        return "wmv"
    if head.startswith(b"OggS"):
        return "ogv"
    return None
