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

Platform pages (YouTube and the like) go through yt-dlp (``framesift[integrations]``), which
only finds the URL of one progressive format; that format is then read in place like any URL
(:func:`resolve`).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import av

from .._extras import require
from ..errors import VideoError

__all__ = ["Media", "RemoteInfo", "head", "is_url", "open_url", "remote_key", "require_ranges", "resolve"]

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
    info = head(resolve(url, timeout=timeout).url, timeout=timeout)
    if not info.accept_ranges:
        raise VideoError(
            f"{url}: the server does not serve byte ranges, which reading a video in place needs; "
            "download the file and pass its path"
        )
    return info


@dataclass(frozen=True)
class Media:
    """The media resource behind a URL: itself, or what yt-dlp found on a platform page."""

    url: str
    headers: tuple[tuple[str, str], ...] = ()
    #: for a platform page: (extractor, id, format_id), the stable part of its index key
    page_id: tuple[str, str, str] | None = None


_PLATFORM_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "dailymotion.com", "twitch.tv", "bilibili.com")
_resolved: dict[str, Media] = {}


def _looks_like_page(url: str, timeout: float) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if any(host == h or host.endswith("." + h) for h in _PLATFORM_HOSTS):
        return True
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "framesift"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only (is_url)
            return resp.headers.get("Content-Type", "").lower().startswith(("text/html", "application/xhtml"))
    except (urllib.error.URLError, OSError, ValueError):
        return False  # let the reader report the failure itself


def resolve(url: str, *, timeout: float | None = None) -> Media:
    """The media to read for ``url`` (cached per process).

    A direct media URL is itself. A web page (``text/html``, or a known platform host) goes
    through yt-dlp (the ``integrations`` extra), which picks one progressive http(s) format
    (``best[protocol^=http]``): only that format is read, in place and by ranges like any URL,
    never downloaded whole. Fails with one line when yt-dlp is missing or finds no video.
    """
    if url in _resolved:
        return _resolved[url]
    t = DEFAULT_TIMEOUT if timeout is None else timeout
    if not _looks_like_page(url, t):
        media = Media(url)
    else:
        yt_dlp = require("yt_dlp", "integrations", feature=f"{url}: reading a platform page")
        opts = {
            "quiet": True,
            "no_warnings": True,
            "noplaylist": True,
            "format": "best[protocol^=http]/best",
            "socket_timeout": t,
        }
        try:
            with yt_dlp.YoutubeDL(opts) as ydl:
                info = ydl.extract_info(url, download=False)
        except Exception as exc:  # noqa: BLE001 - yt-dlp's errors all mean "no video here"
            raise VideoError(f"{url}: no video found on the page ({str(exc).splitlines()[0][:160]})") from exc
        if info.get("_type") == "playlist":
            raise VideoError(f"{url}: is a playlist; pass one video's URL")
        direct = info.get("url")
        if not direct or not str(info.get("protocol", "https")).startswith("http"):
            raise VideoError(f"{url}: the page offers no progressive http(s) video format (only streams)")
        headers = tuple(sorted((str(k), str(v)) for k, v in (info.get("http_headers") or {}).items()))
        media = Media(direct, headers, (str(info.get("extractor")), str(info.get("id")), str(info.get("format_id"))))
    _resolved[url] = media
    return media


def remote_key(url: str, *, timeout: float | None = None) -> str:
    """Index key of a URL: the URL with its validators and size (module docstring).

    A platform page is keyed by the page URL and yt-dlp's (extractor, id, format) plus the
    media's size: its direct URL is usually signed and changes from one request to the next.
    """
    media = resolve(url, timeout=timeout)
    if media.page_id is not None:
        info = head(media.url, timeout=timeout)
        h = hashlib.blake2b(digest_size=16)
        h.update(f"framesift-page-v1\n{url}\n{media.page_id}\n{info.size}".encode())
        return h.hexdigest()
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
    media = resolve(url, timeout=t)
    micro = str(int(t * 1_000_000))
    options = {
        "rw_timeout": micro,  # no progress for this long: fail instead of hanging
        "timeout": micro,
        "reconnect": "1",  # a dropped connection resumes with a ranged request
        "reconnect_on_network_error": "1",
        "reconnect_delay_max": "2",
        "seekable": "-1",  # let FFmpeg find out whether the server serves ranges
    }
    if media.headers:  # what the platform needs to serve the media (User-Agent, Referer, ...)
        options["headers"] = "".join(f"{k}: {v}\r\n" for k, v in media.headers)
    try:
        return av.open(media.url, mode="r", options=options, metadata_errors="ignore", timeout=t)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        text = str(exc).split(":")[0].strip() if isinstance(exc, av.error.FFmpegError) else str(exc)
        raise VideoError(f"{url}: not a readable video ({text or type(exc).__name__})") from exc
