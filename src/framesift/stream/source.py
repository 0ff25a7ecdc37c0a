"""Where a live stream comes from, and how PyAV is made to read it without stopping at "EOF".

A source is one of

* ``"-"``: standard input (a pipe: ``ffmpeg ... -f mpegts - | framesift watch -``);
* a binary file object (anything with ``readinto`` or ``read``);
* a path: a file that may still be growing. Its reader waits for more bytes at the end instead
  of reporting end-of-file, and gives up after ``idle_timeout`` seconds without growth. Only
  formats that can be read front to back work while they grow: MPEG-TS, Matroska/WebM, FLV,
  fragmented MP4 (a plain MP4 writes its index last);
* a URL FFmpeg reads: ``udp://host:port`` (MPEG-TS over UDP; listens), ``tcp://host:port``
  (connects; ``?listen=1`` to wait for a sender), ``rtsp://``, ``rtmp://``, ``srt://``, and
  ``http(s)://`` HLS playlists or progressive streams.

Network sources are opened with PyAV's I/O ``timeout`` so a dead sender raises instead of
blocking forever; :class:`~framesift.stream.Stream` then reconnects.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import av

from ..errors import InputError, VideoError

__all__ = ["SourceSpec", "FollowFile", "describe_source", "open_source"]

_URL_SCHEMES = ("udp", "tcp", "rtsp", "rtsps", "rtmp", "rtmps", "srt", "http", "https", "hls", "rtp")
SourceKind = Literal["pipe", "fileobj", "file", "url"]


@dataclass(frozen=True)
class SourceSpec:
    """What kind of source a user gave, normalised."""

    kind: SourceKind
    label: str  # for messages
    target: Any  # path, URL or file object

    @property
    def network(self) -> bool:
        return self.kind == "url"


def describe_source(source: str | os.PathLike | BinaryIO) -> SourceSpec:
    """Classify ``source`` (see the module docstring); :class:`InputError` when it cannot be one."""
    if hasattr(source, "readinto") or hasattr(source, "read"):
        name = getattr(source, "name", None)
        return SourceSpec("fileobj", name if isinstance(name, str) and name else "<stream>", source)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    if not isinstance(source, str) or not source:
        raise InputError(f"stream source must be a path, a URL, '-' or a binary file object (got {source!r})")
    if source == "-":
        return SourceSpec("pipe", "stdin", source)
    scheme = source.split("://", 1)[0].lower() if "://" in source else ""
    if scheme:
        if scheme not in _URL_SCHEMES and scheme != "file":
            raise InputError(f"{source}: unsupported stream URL scheme '{scheme}' ({', '.join(_URL_SCHEMES)})")
        if scheme == "file":
            source = source.split("://", 1)[1]
        else:
            return SourceSpec("url", source, source)
    p = Path(source)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a video stream")
    return SourceSpec("file", str(p), p)


class FollowFile(io.RawIOBase):
    """A read-only view of a file being written: at the end it waits for more instead of ending.

    ``read`` returns end-of-file only when ``stop`` is set or the file has not grown for
    ``idle_timeout`` seconds. ``on_wait(seconds_waiting)`` is called while waiting (stall reports).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        idle_timeout: float,
        stop: threading.Event,
        wait_for_file_s: float = 0.0,
        poll_s: float = 0.02,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__()
        deadline = time.monotonic() + wait_for_file_s
        while not os.path.exists(path):
            if time.monotonic() >= deadline or stop.is_set():
                raise InputError(f"{path}: no such file")
            time.sleep(poll_s)
        self._fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self.idle_timeout = idle_timeout
        self.stop = stop
        self.poll_s = poll_s
        self.on_wait = on_wait
        self.name = str(path)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False  # a growing file is read front to back, like a pipe

    def readinto(self, buf) -> int:
        waited_from = None
        while True:
            n = self._fh.readinto(buf)
            if n:
                return n
            if self.stop.is_set():
                return 0
            now = time.monotonic()
            waited_from = waited_from or now
            if now - waited_from >= self.idle_timeout:
                return 0
            if self.on_wait is not None:
                self.on_wait(now - waited_from)
            time.sleep(self.poll_s)

    def close(self) -> None:
        try:
            self._fh.close()
        finally:
            super().close()


class _PlainReader(io.RawIOBase):
    """Present any binary file object (a pipe, a socket file) to PyAV as a non-seekable stream."""

    def __init__(self, fh: Any) -> None:
        super().__init__()
        self._fh = fh
        self.name = getattr(fh, "name", "<stream>")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buf) -> int:
        if hasattr(self._fh, "readinto"):
            try:
                return self._fh.readinto(buf) or 0
            except ValueError:  # closed under us (close() while reading)
                return 0
        data = self._fh.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def open_source(
    spec: SourceSpec,
    *,
    stop: threading.Event,
    format: str | None = None,
    options: dict[str, str] | None = None,
    idle_timeout: float = 10.0,
    open_timeout: float = 10.0,
    on_wait: Callable[[float], None] | None = None,
) -> av.container.InputContainer:
    """Open ``spec`` for demuxing; :class:`VideoError` with one readable line when it cannot be."""
    opts = dict(options or {})
    # FFmpeg probes 5 s of a stream before the first frame by default; a second is plenty for the
    # codecs live sources carry and gets the first frames out sooner.
    opts.setdefault("analyzeduration", "1000000")
    try:
        if spec.kind == "url":
            if spec.target.startswith("udp://"):
                # A larger socket buffer and FIFO absorb bursts while a frame is being processed.
                opts.setdefault("buffer_size", str(4 << 20))
                opts.setdefault("fifo_size", str(1 << 16))
                opts.setdefault("overrun_nonfatal", "1")
            return av.open(
                spec.target,
                "r",
                format=format,
                options=opts,
                timeout=(open_timeout, idle_timeout),
                metadata_errors="ignore",
            )
        if spec.kind == "file":
            fh: io.RawIOBase = FollowFile(
                spec.target, idle_timeout=idle_timeout, stop=stop, wait_for_file_s=open_timeout, on_wait=on_wait
            )
        elif spec.kind == "pipe":
            fh = _PlainReader(sys.stdin.buffer)
        else:
            fh = _PlainReader(spec.target)
        try:
            return av.open(fh, "r", format=format, options=opts, metadata_errors="ignore")
        except BaseException:
            fh.close()
            raise
    except av.error.FFmpegError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise VideoError(f"{spec.label}: cannot open the stream ({reason})") from exc
