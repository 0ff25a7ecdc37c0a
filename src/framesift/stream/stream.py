"""``Stream``: read a live source, keep a bounded memory of it, answer questions at any moment.

    >>> s = framesift.Stream("udp://0.0.0.0:5000").start()
    >>> s.watch("When does gate 7 close?", callback=print)
    >>> sel = s.select("What was on the whiteboard?", budget=8)   # frames from the whole history
    >>> [(f.time, f.wall, f.level) for f in sel.frames]

One reader thread decodes the source (PyAV), turns frames into candidates with the offline rules
(:mod:`.sampler`), reads on-screen text on a few of them per window (the offline
:class:`~framesift.signals.ocr.OcrPool`), takes subtitle cues from the stream itself, and feeds
the hierarchical memory (:mod:`.memory`). A watchdog thread reports stalls. Everything the
stream notices arrives as :class:`~framesift.stream.records.StreamEvent` (``events()``, or a
``on_event`` callback): start, stall/resume, timestamp discontinuities, resolution changes,
damaged packets, reconnects, the end, and watch hits. A failure inside the reader is reported
and ends reading; the memory built so far stays and can still be queried.

Speech: the speech channel (issue 13) plugs in through ``audio=`` (called with each decoded
audio frame and its stream time, returns recognised ``(start, end, text)``) or pushes words from
anywhere with :meth:`Stream.add_words`; both land in the memory and are matched by watches.
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any, BinaryIO

import av
from PIL import Image

from ..errors import InputError, VideoError
from ..signals.ocr import OcrPool
from ..video.probe import VideoInfo
from ..video.subtitles import _clean as clean_subtitle_text
from .buffer import SegmentBuffer
from .clock import StreamClock
from .memory import MemoryConfig, StreamMemory
from .records import StreamEvent, StreamSelection, Words
from .sampler import OnlineSampler
from .select import select_snapshot
from .source import describe_source, open_source
from .watch import BoundedEmbedder, Watch, WatchHit, match_watches

__all__ = ["Stream", "AudioTap"]

#: ``audio(frame, stream_time) -> [(start, end, text), ...]``: the hook for a speech recogniser.
AudioTap = Callable[[av.AudioFrame, float], Iterable[tuple[float, float, str]]]

_TEXT_SUBTITLE_CODECS = {"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"}


def _rss_bytes() -> int:
    """Resident memory of this process now (Linux /proc; the peak from getrusage elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Stream:
    """A live or growing video source with a constant-memory, query-ready memory of its history.

    Args:
        source: ``"-"`` (stdin), a binary file object, a path (may still be growing), or a URL
            (``udp://``, ``tcp://``, ``rtsp://``, ``rtmp://``, ``srt://``, ``http(s)://`` HLS).
        memory: a :class:`MemoryConfig` (how much is kept, at what resolution).
        events: scan every frame for shot changes and momentary events.
        ocr: read on-screen text on up to this many frames per minute of stream (``False``: off;
            ``True``: 8). Reading costs ~0.15 s a frame on a CPU.
        subtitles: take cues from text subtitle streams in the source.
        format: force the container format (``"mpegts"``, ``"matroska"``...) instead of probing.
        options: FFmpeg options for opening the source.
        idle_timeout: a growing file or a network source that delivers nothing for this long has
            ended (network sources reconnect first, ``reconnect`` times).
        stall_s: no frame for this long is reported as a stall.
        reconnect: how many times a network source is reopened after it fails.
        audio: the speech hook (see the module docstring).
        buffer_dir: keep a rolling on-disk copy of the last ``buffer_s`` seconds there (packet
            copy into MPEG-TS segments), so ``select(..., full_resolution=True)`` can decode
            older picks again at full size (:mod:`framesift.stream.buffer`).
        on_event: called (on the reader thread) with every :class:`StreamEvent`.
    """

    def __init__(
        self,
        source: str | os.PathLike | BinaryIO,
        *,
        memory: MemoryConfig | None = None,
        events: bool = True,
        ocr: bool | int = False,
        subtitles: bool = True,
        format: str | None = None,
        options: dict[str, str] | None = None,
        idle_timeout: float = 10.0,
        open_timeout: float = 15.0,
        stall_s: float = 2.0,
        reconnect: int = 3,
        audio: AudioTap | None = None,
        on_event: Callable[[StreamEvent], None] | None = None,
        buffer_dir: str | os.PathLike | None = None,
        buffer_s: float = 600.0,
    ) -> None:
        if memory is not None and not isinstance(memory, MemoryConfig):
            raise InputError("memory must be a framesift.stream.MemoryConfig", param="memory")
        if isinstance(ocr, bool):
            ocr_per_min = 8 if ocr else 0
        elif isinstance(ocr, int) and ocr >= 0:
            ocr_per_min = int(ocr)
        else:
            raise InputError(f"ocr must be True, False or a number of frames per minute (got {ocr!r})", param="ocr")
        for name, value in (("idle_timeout", idle_timeout), ("open_timeout", open_timeout), ("stall_s", stall_s)):
            if not value > 0:
                raise InputError(f"{name} must be > 0 (got {value})", param=name)
        if not buffer_s > 0:
            raise InputError(f"buffer_s must be > 0 (got {buffer_s})", param="buffer_s")
        if reconnect < 0:
            raise InputError(f"reconnect must be >= 0 (got {reconnect})", param="reconnect")
        self.spec = describe_source(source)
        self.config = memory or MemoryConfig()
        self.memory = StreamMemory(self.config)
        self.scan_events = events
        self.ocr_per_min = ocr_per_min
        self.use_subtitles = subtitles
        self.format = format
        self.options = dict(options or {})
        self.idle_timeout = idle_timeout
        self.open_timeout = open_timeout
        self.stall_s = stall_s
        self.reconnect = reconnect
        self.audio = audio
        self.on_event = on_event
        self.clock = StreamClock(stall_s=stall_s)
        self.sampler: OnlineSampler | None = None
        self.embed = BoundedEmbedder()
        self._watches: list[Watch] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._opened = threading.Event()
        self._ended = threading.Event()
        self._events: deque[StreamEvent] = deque(maxlen=4096)
        self._events_cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._error: BaseException | None = None
        self._frames = 0
        self._decode_errors = 0
        self._last_frame_mono: float | None = None
        self._stalled_since: float | None = None
        self._started_mono: float | None = None
        self._ended_mono: float | None = None
        self._size: tuple[int, int] | None = None
        self._pool: OcrPool | None = None
        self._ocr_window_end = 0.0
        self._ocr_reads = 0
        self._draining = False
        self._end_reason: str | None = None
        self._buffer = SegmentBuffer(buffer_dir, buffer_s=buffer_s) if buffer_dir is not None else None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, wait_open: bool = True) -> Stream:
        """Start reading in the background; with ``wait_open`` raise here if the source cannot open."""
        if self._thread is not None:
            return self
        self._started_mono = time.monotonic()
        self._thread = threading.Thread(target=self._reader_main, name="framesift-stream", daemon=True)
        self._thread.start()
        self._watchdog = threading.Thread(target=self._watch_stalls, name="framesift-stream-watchdog", daemon=True)
        self._watchdog.start()
        if wait_open:
            while not self._opened.wait(0.05):
                if self._ended.is_set():
                    break
            if self._error is not None and not self._opened.is_set():
                raise self._error
        return self

    def run(self) -> Stream:
        """Read until the source ends (in the background thread, waiting here); errors are raised."""
        self.start()
        self.wait()
        if self._error is not None and isinstance(self._error, InputError) and self._frames == 0:
            raise self._error
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the source has ended; True if it has."""
        return self._ended.wait(timeout)

    def close(self) -> None:
        """Stop reading (the memory stays and can still be queried)."""
        self._stop.set()
        if self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout=max(self.idle_timeout, 5.0) + 5.0)

    def __enter__(self) -> Stream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    @property
    def error(self) -> BaseException | None:
        """What stopped the reader, if something did (the memory is still there)."""
        return self._error

    @property
    def buffered(self) -> bool:
        """Whether a rolling on-disk buffer is kept (full-resolution fetches of older picks)."""
        return self._buffer is not None

    # -- questions ---------------------------------------------------------------------------
    def select(
        self,
        question: str = "",
        budget: int = 8,
        *,
        strategy: str = "auto",
        params: dict[str, Any] | None = None,
        seed: int = 0,
        window: tuple[float, float] | None = None,
        images: bool = True,
        full_resolution: bool = False,
    ) -> StreamSelection:
        """Frames for ``question`` from the whole history so far (or stream-time ``window``).

        Recent frames come from the full-rate window; older ones are the stored representatives
        and moments of their spans (``frame.level``, ``frame.span``). Same strategies as offline.
        With ``full_resolution`` and a ``buffer_dir``, picks still inside the on-disk buffer
        are decoded again at full size (the others keep their stored image).
        """
        if window is not None:
            a, b = window
            if not b >= a:
                raise InputError(f"window end must not be before its start (got {window})", param="window")
        with self._lock:
            snap = self.memory.snapshot()
            stats = self.memory.stats()
        sel = select_snapshot(
            snap,
            question,
            budget,
            strategy=strategy,
            params=params,
            seed=seed,
            window=window,
            images=images,
            embed=self.embed,
            memory_stats=stats,
        )
        if full_resolution and images:
            if self._buffer is None:
                sel.notes.append("full_resolution needs a buffer_dir: stored images returned")
            else:
                fetched = 0
                for f in sel.frames:
                    arr = self._buffer.fetch(f.time)
                    if arr is not None:
                        f.image = Image.fromarray(arr)
                        f.height, f.width = arr.shape[:2]
                        fetched += 1
                sel.notes.append(
                    f"{fetched} of {len(sel.frames)} frames decoded at full resolution from the segment buffer"
                )
        return sel

    def watch(
        self,
        question: str,
        *,
        threshold: float = 0.55,
        cooldown_s: float = 10.0,
        callback: Callable[[WatchHit], None] | None = None,
    ) -> Watch:
        """Fire (a ``watch`` event, and ``callback``) when words matching ``question`` appear."""
        w = Watch(question, threshold=threshold, cooldown_s=cooldown_s, callback=callback)
        self.embed([question])  # load the text model now, not on the reader thread mid-stream
        with self._lock:
            self._watches.append(w)
        return w

    def unwatch(self, watch: Watch) -> None:
        with self._lock:
            self._watches = [w for w in self._watches if w.id != watch.id]

    def add_words(self, start: float, end: float, text: str, source: str = "speech") -> None:
        """Add words said or shown from ``start`` to ``end`` stream seconds (the speech hook)."""
        if source not in ("speech", "subtitle", "ocr"):
            raise InputError(f"word source must be speech, subtitle or ocr (got {source!r})", param="source")
        if not end >= start:
            raise InputError(f"words must not end before they start ({start}..{end})", param="end")
        self._add_words([Words(float(start), float(end), str(text), source)])  # type: ignore[arg-type]

    # -- reporting ---------------------------------------------------------------------------
    def events(self, timeout: float | None = 0.0) -> list[StreamEvent]:
        """Events since the last call (waits up to ``timeout`` seconds for one; None: forever)."""
        with self._events_cv:
            if not self._events and timeout != 0.0:
                self._events_cv.wait_for(lambda: bool(self._events) or self._ended.is_set(), timeout)
            out = list(self._events)
            self._events.clear()
        return out

    @property
    def stats(self) -> dict[str, Any]:
        """Where the stream is: frames, stream time, speed (x real time), memory, stalls."""
        with self._lock:
            mem = self.memory.stats()
            t = self.memory.newest.time if self.memory.newest is not None else 0.0
        end = self._ended_mono or time.monotonic()
        elapsed = end - self._started_mono if self._started_mono else 0.0
        return {
            "source": self.spec.label,
            "frames": self._frames,
            "stream_time": round(t, 3),
            "elapsed": round(elapsed, 3),
            "x_real_time": round(t / elapsed, 2) if elapsed > 0 else None,
            "decode_errors": self._decode_errors,
            "discontinuities": self.clock.discontinuities,
            "stalled": self._stalled_since is not None,
            "ended": self.ended,
            "ocr_reads": self._ocr_reads,
            "size": list(self._size) if self._size else None,
            "rss_bytes": _rss_bytes(),
            "memory": mem,
        }

    def _emit(self, event: str, message: str, time_s: float | None = None, **data: Any) -> None:
        t = time_s if time_s is not None else (self.clock.last_time or 0.0)
        ev = StreamEvent(event, float(t), time.time(), message, data)  # type: ignore[arg-type]
        with self._events_cv:
            self._events.append(ev)
            self._events_cv.notify_all()
        if self.on_event is not None:
            try:
                self.on_event(ev)
            except Exception:  # noqa: BLE001 - a user's callback must not stop the stream
                pass

    # -- reading (reader thread) -------------------------------------------------------------
    def _reader_main(self) -> None:
        attempts = 0
        try:
            while not self._stop.is_set():
                try:
                    container = open_source(
                        self.spec,
                        stop=self._stop,
                        format=self.format,
                        options=self.options,
                        idle_timeout=self.idle_timeout,
                        open_timeout=self.open_timeout,
                    )
                except InputError as exc:
                    if self.spec.network and attempts < self.reconnect and self._opened.is_set():
                        attempts += 1
                        self._emit("reconnect", f"reopening {self.spec.label} ({exc}); attempt {attempts}")
                        time.sleep(min(0.5 * attempts, 3.0))
                        continue
                    raise
                try:
                    failed = self._read(container)
                finally:
                    container.close()
                if failed is None or self._stop.is_set() or not self.spec.network:
                    break
                if attempts >= self.reconnect:
                    self._end_reason = failed if not attempts else f"{failed}; gave up after {attempts} reconnects"
                    break
                attempts += 1
                self._emit("reconnect", f"{self.spec.label}: {failed}; reconnecting (attempt {attempts})")
                time.sleep(min(0.5 * attempts, 3.0))
        except BaseException as exc:  # noqa: BLE001 - reported; the memory built so far stays
            self._error = exc if isinstance(exc, InputError) else VideoError(f"{self.spec.label}: {exc}")
            self._emit("error", str(self._error))
        finally:
            self._finish()

    def _finish(self) -> None:
        self._draining = True  # no more frames will come: not a stall
        try:
            if self._buffer is not None:
                self._buffer.close()  # the segments stay readable for full-resolution fetches
            if self._pool is not None:
                self._read_ocr()
            with self._lock:
                if self.sampler is not None:
                    self.memory.flush(self.sampler.transient_of)
        finally:
            self._ended_mono = time.monotonic()
            t = self.clock.last_time or 0.0
            why = f": {self._end_reason}" if self._end_reason else ""
            self._emit(
                "end",
                f"stream ended after {t:.1f}s ({self._frames} frames){why}",
                t,
                frames=self._frames,
                error=bool(self._error),
            )
            self._ended.set()
            self._opened.set()
            with self._events_cv:
                self._events_cv.notify_all()

    def _read(self, container: av.container.InputContainer) -> str | None:
        """Demux and process until the end (None) or a read failure (its description)."""
        if not container.streams.video:
            raise VideoError(f"{self.spec.label}: the stream has no video")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        subs = [
            s
            for s in container.streams.subtitles
            if self.use_subtitles and s.codec_context is not None and s.codec_context.name in _TEXT_SUBTITLE_CODECS
        ]
        audio = container.streams.audio[:1] if self.audio is not None else []
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else 25.0
        if self.sampler is None:
            self.sampler = OnlineSampler(self.config, events=self.scan_events, fps_hint=fps)
            self.clock._default_interval = 1.0 / max(fps, 1e-3)
        else:
            self.sampler.reset_reference()
        if not self._opened.is_set():
            self._opened.set()
            self._emit("start", f"reading {self.spec.label} ({video.codec_context.name}, ~{fps:.3g} fps)", 0.0)
        errors_in_a_row = 0
        streams = [video, *subs, *audio]
        while not self._stop.is_set():
            try:
                for packet in container.demux(*streams):
                    if self._stop.is_set():
                        return None
                    errors_in_a_row = 0
                    if packet.stream is video:
                        self._video_packet(packet)
                    elif packet.stream in subs:
                        self._subtitle_packet(packet)
                    elif self.audio is not None:
                        self._audio_packet(packet)
                return None  # end of the source
            except (av.error.EOFError, StopIteration):
                return None
            except av.error.ExitError as exc:  # the I/O timeout fired: nothing arrived
                return f"no data for {self.idle_timeout:g}s ({exc.strerror or exc})"
            except av.error.FFmpegError as exc:
                errors_in_a_row += 1
                self._note_decode_error(f"damaged data ({exc.strerror or exc})")
                if errors_in_a_row > 64:
                    return f"the stream keeps failing ({exc.strerror or exc})"
                continue  # a new demux call resynchronises at the next packet
        return None

    def _note_decode_error(self, what: str) -> None:
        self._decode_errors += 1
        n = self._decode_errors
        if n <= 3 or (n & (n - 1)) == 0:  # 1, 2, 3, 4, 8, 16...: say it, without flooding
            self._emit("decode_error", f"{what}; {n} damaged packets so far, continuing", count=n)

    def _video_packet(self, packet: av.Packet) -> None:
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            self._note_decode_error(f"undecodable video packet ({exc.strerror or exc})")
            return
        for frame in frames:
            self._frame(frame)
        if self._buffer is not None:
            try:
                self._buffer.write(packet, packet.stream)
            except (av.error.FFmpegError, OSError) as exc:
                self._emit("error", f"segment buffer disabled: {exc}")
                self._buffer.close()
                self._buffer = None

    def _frame(self, frame: av.VideoFrame) -> None:
        assert self.sampler is not None
        wall = time.time()
        now = time.monotonic()
        if self._stalled_since is not None:
            gap = now - self._stalled_since + self.stall_s
            self._stalled_since = None
            self._emit("resume", f"frames again after {gap:.1f}s without any", gap_s=round(gap, 3))
        self._last_frame_mono = now
        place = self.clock.place(frame.time, wall)
        t = place.time
        if self._buffer is not None:
            self._buffer.note_frame(frame.time, t)
        if place.discontinuity is not None:
            self.sampler.reset_reference()
            self._emit(
                "discontinuity",
                f"timestamps {'restarted' if place.discontinuity == 'restart' else 'jumped'} "
                f"(by {place.pts_gap:+.2f}s); stream time continues at {t:.2f}s",
                t,
                kind=place.discontinuity,
                pts_gap=round(place.pts_gap, 3),
            )
        size = (frame.width, frame.height)
        if self._size is not None and size != self._size:
            self._emit(
                "resolution",
                f"resolution changed {self._size[0]}x{self._size[1]} -> {size[0]}x{size[1]}",
                t,
                before=list(self._size),
                after=list(size),
            )
            if self._pool is not None:
                self._read_ocr()  # its frames have the old size
        self._size = size
        index = self._frames
        self._frames += 1
        item = self.sampler.step(frame, index, t, wall)
        if item is None:
            return
        if self.ocr_per_min > 0:
            self._offer_ocr(frame, item.index, t, item.change, item.source)
        with self._lock:
            self.memory.add(item, self.sampler.transient_of)
        if self._frames % 4096 == 0:
            oldest = min((it.ordinal for it in self.memory.recent if it.ordinal >= 0), default=-1)
            self.sampler.prune(oldest)

    def _subtitle_packet(self, packet: av.Packet) -> None:
        if packet.pts is None or not packet.size:
            return
        tb = float(packet.time_base or packet.stream.time_base or Fraction(1, 1000))
        start = self.clock.time_of_pts(packet.pts * tb)
        end = start + (packet.duration or 0) * tb
        try:
            subs = packet.decode()
        except av.error.FFmpegError:
            self._note_decode_error("undecodable subtitle packet")
            return
        words = []
        for sub in subs:
            text = clean_subtitle_text(getattr(sub, "dialogue", None) or getattr(sub, "text", b"") or b"")
            if text:
                words.append(Words(start, end if end > start else start + 2.0, text, "subtitle"))
        self._add_words(words)

    def _audio_packet(self, packet: av.Packet) -> None:
        assert self.audio is not None
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            return
        for af in frames:
            if af.time is None or not isinstance(af, av.AudioFrame):
                continue
            got = self.audio(af, self.clock.time_of_pts(af.time))
            self._add_words([Words(float(a), float(b), str(txt), "speech") for a, b, txt in got or ()])

    # -- words, OCR and watches --------------------------------------------------------------
    def _add_words(self, words: list[Words]) -> None:
        if not words:
            return
        with self._lock:
            self.memory.add_words(words)
            watches = list(self._watches)
        if not watches:
            return
        for hit in match_watches(watches, words, self.embed):
            w = hit.words
            self._emit(
                "watch",
                f"{hit.question!r} matched {w.source} at {w.start:.1f}s ({hit.score:.2f}): {w.text}",
                w.start,
                watch=hit.watch_id,
                question=hit.question,
                text=w.text,
                source=w.source,
                score=round(hit.score, 4),
                index=w.index,
            )
            watch = next((x for x in watches if x.id == hit.watch_id), None)
            if watch is not None and watch.callback is not None:
                try:
                    watch.callback(hit)
                except Exception:  # noqa: BLE001 - a user's callback must not stop the stream
                    pass

    def _offer_ocr(self, frame: av.VideoFrame, index: int, t: float, change: float, source: str) -> None:
        window_s = 30.0
        if self._pool is None:
            w, h = frame.width, frame.height
            info = VideoInfo(
                path=self.spec.label,
                duration=0.0,
                fps=1.0 / self.clock.interval,
                width=w,
                height=h,
                num_frames=0,
                start_time=0.0,
                rotation=0,
                sample_aspect_ratio=Fraction(1, 1),
                coded_width=w,
                coded_height=h,
                codec="",
                is_vfr=False,
                keyframes=0,
                has_audio=False,
            )
            self._pool = OcrPool(info, max(1, round(self.ocr_per_min * window_s / 60.0)))
            self._ocr_window_end = t + window_s
        self._pool.offer(index, t, frame, change, source)
        if t >= self._ocr_window_end:
            self._read_ocr()

    def _read_ocr(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        reads = pool.read()
        self._ocr_reads += pool.read_count
        step = 1.0 / self.config.fps
        words = [Words(r.time, r.time + step, line, "ocr", r.index) for r in reads for line in r.lines]
        self._add_words(words)

    # -- stalls (watchdog thread) ------------------------------------------------------------
    def _watch_stalls(self) -> None:
        while not self._ended.wait(min(0.2, self.stall_s / 4)):
            last = self._last_frame_mono
            if last is None or self._stalled_since is not None or self._draining:
                continue
            if time.monotonic() - last > self.stall_s:
                self._stalled_since = time.monotonic()
                self._emit("stall", f"no frames for {self.stall_s:g}s; waiting for the source", stall_s=self.stall_s)
