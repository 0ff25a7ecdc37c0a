"""Videos by URL: ``http(s)://`` read directly through PyAV (FFmpeg's http protocol).

FFmpeg's http reader asks for byte ranges when it seeks (``Range: bytes=N-``) and treats the
stream as seekable when the server answers ``206``/``Accept-Ranges: bytes``; against a server
without ranges it reads straight through (seeks that go backwards then re-open from the start).
Nothing is downloaded to disk first. Reconnection on a dropped connection and an I/O timeout are
switched on here (``reconnect*``, ``rw_timeout``), so a slow or dying server ends in one
:class:`~framesift.errors.VideoError` line instead of a hang.

The per-video index keys a local file by its bytes (:func:`framesift.index.keys.content_hash`);
reading a URL's bytes to hash them would defeat sparse reading, so a URL is keyed by the URL
plus its HTTP validators and size (``ETag``, ``Last-Modified``, ``Content-Length`` from one
``HEAD``): the same resource keeps its key, a changed one (new ETag or size) gets a new one.
A server that sends no validator gives no key, and :func:`remote_key` says so.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import av

from ..errors import VideoError

__all__ = ["RemoteInfo", "head", "is_url", "open_url", "remote_key", "require_ranges"]

#: seconds without progress before a read gives up (FFmpeg ``rw_timeout``)
DEFAULT_TIMEOUT = float(os.environ.get("FRAMESIFT_URL_TIMEOUT", "30"))


def is_url(video: Any) -> bool:
    """Whether ``video`` is an ``http://`` or ``https://`` URL (a string, not a path)."""
    return isinstance(video, str) and video.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class RemoteInfo:
    """What one ``HEAD`` says about a URL."""

    url: str
    size: int | None
    etag: str | None
    last_modified: str | None
    accept_ranges: bool


def head(url: str, *, timeout: float | None = None) -> RemoteInfo:
    """``HEAD`` the URL (following redirects); ranges are confirmed with a one-byte ranged GET
    when HEAD is refused or does not advertise them (some servers serve ranges silently)."""
    t = DEFAULT_TIMEOUT if timeout is None else timeout
    info: RemoteInfo | None = None
    try:
        info = _ask(url, "HEAD", {}, t)
    except urllib.error.HTTPError as exc:
        if exc.code not in (405, 501):
            raise VideoError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    if info is not None and info.accept_ranges:
        return info
    try:
        ranged = _ask(url, "GET", {"Range": "bytes=0-0"}, t)
    except urllib.error.HTTPError as exc:
        raise VideoError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    if info is None:
        return ranged
    return RemoteInfo(info.url, info.size, info.etag, info.last_modified, ranged.accept_ranges)


def _ask(url: str, method: str, headers: dict[str, str], timeout: float) -> RemoteInfo:
    req = urllib.request.Request(url, method=method, headers={"User-Agent": "framesift", **headers})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only (is_url)
            h = resp.headers
            size = h.get("Content-Length")
            total = h.get("Content-Range", "").rpartition("/")[2]
            if resp.status == 206 and total.isdigit():
                size = total  # the whole resource, not the one byte asked for
            return RemoteInfo(
                url=resp.geturl(),
                size=int(size) if size and str(size).isdigit() else None,
                etag=h.get("ETag"),
                last_modified=h.get("Last-Modified"),
                accept_ranges=resp.status == 206
                or (method == "HEAD" and h.get("Accept-Ranges", "").lower() == "bytes"),
            )
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VideoError(f"{url}: cannot be reached ({reason})") from exc


def require_ranges(url: str, *, timeout: float | None = None) -> RemoteInfo:
    """The URL's :class:`RemoteInfo`, or a :class:`VideoError` when the server ignores byte ranges.

    Without ranges FFmpeg cannot seek: frames past a failed seek are decoded from the wrong place
    (measured here: a different selection than the same file read locally) or not at all when
    the container's index sits at the end. framesift refuses rather than mislabel frames.
    """
    info = head(url, timeout=timeout)
    if not info.accept_ranges:
        raise VideoError(
            f"{url}: the server does not serve byte ranges, which reading a video in place needs; "
            "download the file and pass its path"
        )
    return info


def remote_key(url: str, *, timeout: float | None = None) -> str:
    """Index key of a URL: the URL with its validators and size (module docstring)."""
    info = head(url, timeout=timeout)
    if info.etag is None and info.last_modified is None:
        raise VideoError(
            f"{url}: the server sends no ETag or Last-Modified, so a cached analysis could not be told "
            "from a changed video; run without the index (--no-cache) or download the file"
        )
    h = hashlib.blake2b(digest_size=16)
    h.update(f"framesift-url-v1\n{url}\n{info.etag}\n{info.last_modified}\n{info.size}".encode())
    return h.hexdigest()


def open_url(url: str, *, timeout: float | None = None) -> av.container.InputContainer:
    """Open a URL for reading through FFmpeg's http protocol, with timeouts and reconnection."""
    t = DEFAULT_TIMEOUT if timeout is None else timeout
    micro = str(int(t * 1_000_000))
    options = {
        "rw_timeout": micro,  # no progress for this long: fail instead of hanging
        "timeout": micro,
        "reconnect": "1",  # a dropped connection resumes with a ranged request
        "reconnect_on_network_error": "1",
        "reconnect_delay_max": "2",
        "seekable": "-1",  # let FFmpeg find out whether the server serves ranges
    }
    try:
        return av.open(url, mode="r", options=options, metadata_errors="ignore", timeout=t)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        text = str(exc).split(":")[0].strip() if isinstance(exc, av.error.FFmpegError) else str(exc)
        raise VideoError(f"{url}: not a readable video ({text or type(exc).__name__})") from exc
