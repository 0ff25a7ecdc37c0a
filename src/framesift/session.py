"""A multi-turn frame session over one analysed video: overview, select, zoom, words, on a budget.

Recent long-video agents do not take one fixed set of frames: they look at a sparse overview,
then ask for dense frames where the answer seems to be (VideoZoomer, arXiv 2512.22315;
FrameThinker, arXiv 2509.24304; "Thinking With Videos", arXiv 2508.04416; LOVE-R1's zoom-in,
arXiv 2509.24786). :class:`Session` is that loop's server side for one video:

* the video is analysed once (from the per-video index when present, ``cache=True``), and every
  call is the cheap, query-dependent part on top of that :class:`~framesift.api.Analysis`;
* one **total frame budget** covers the whole conversation; every call says what it spent
  (``spent`` / ``left``) and a call never hands out more than is left;
* frames already shown are not shown again unless asked (``allow_repeats``), and a frame is
  decoded at most once per session (decoded images are kept by original frame index);
* every frame is a :class:`~framesift.api.SelectedFrame` with its original index, its true time
  (pts seconds, right for variable-frame-rate video) and the reason it was chosen.

>>> s = Session("talk.mp4", budget=32)
>>> first = s.overview(8)
>>> close = s.zoom(90.0, 100.0, k=10)
>>> s.spent, s.left
(18, 14)
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from PIL import Image

from ._imaging import clock, fit_within
from .analysis import Analysis
from .api import analyze, select_from
from .errors import InputError
from .frame import SelectedFrame
from .video.fetch import fetch_images

__all__ = ["Session", "Words", "ZOOM_DEFAULT_FRAMES", "frame_caption", "time_label"]

#: Frames a zoom returns when neither ``fps`` nor ``k`` is given (VideoZoomer's default density
#: works out to a handful of frames per segment; 8 keeps one call within a small VLM's context).
ZOOM_DEFAULT_FRAMES = 8


@dataclass(frozen=True)
class Words:
    """Text on the video's timeline: ``start``/``end`` seconds, where it came from, and the text.

    ``channel`` is ``"subtitle"`` (a cue), ``"speech"`` (a transcript segment) or ``"ocr"`` (text
    read on a frame; ``start == end`` is that frame's time).
    """

    start: float
    end: float
    channel: Literal["subtitle", "speech", "ocr"]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 3), "end": round(self.end, 3), "channel": self.channel, "text": self.text}


def _whole(value: Any, name: str, *, minimum: int = 1) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise InputError(f"{name} must be a whole number (got {value!r})", param=name)
    if value < minimum:
        raise InputError(f"{name} must be at least {minimum} (got {value})", param=name)
    return int(value)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name} must be a number of seconds (got {value!r})", param=name)
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{name} must be a finite number of seconds (got {value!r})", param=name)
    return v


def _max_side(value: Any) -> int | None:
    return None if value is None else _whole(value, "max_side", minimum=16)


class Session:
    """One video, one total frame budget, and the frames already shown (see the module docstring).

    Args:
        video_or_analysis: a video path, or an :class:`~framesift.api.Analysis` made earlier.
        budget: the total number of frames this session may hand out, over all calls.
        cache: for a path: reuse / fill the per-video index (see :func:`framesift.analyze`).
        **analysis_options: for a path: ``subtitles``, ``fps``, ``events``, ``ocr``, ``model``,
            ``progress`` as in :func:`framesift.analyze`.

    Calls are serialised by a lock, so one session may serve a multi-threaded server.
    """

    def __init__(
        self,
        video_or_analysis: str | os.PathLike | Analysis,
        *,
        budget: int,
        cache: Any = True,
        **analysis_options: Any,
    ) -> None:
        self.budget = _whole(budget, "budget")
        if isinstance(video_or_analysis, Analysis):
            if analysis_options:
                raise InputError(
                    f"analysis options ({', '.join(sorted(analysis_options))}) cannot change an existing Analysis",
                    param="analysis_options",
                )
            self.analysis = video_or_analysis
        else:
            self.analysis = analyze(video_or_analysis, cache=cache, **analysis_options)
        self._lock = threading.RLock()
        self._images: dict[int, Image.Image] = {}
        self._shown: dict[int, float] = {}  # original index -> time, in the order shown
        self._spent = 0
        #: One entry per call: ``{"call", "args", "frames", "notes"}`` (what a report or a test reads).
        self.history: list[dict[str, Any]] = []
        #: Notes of the last call (truncated to the budget, frames skipped as already shown, ...).
        self.notes: list[str] = []
        #: Number of frames decoded at full resolution so far (each at most once).
        self.decoded = 0

    # ------------------------------------------------------------------ state
    @property
    def spent(self) -> int:
        """Frames handed out so far (a repeat asked for with ``allow_repeats`` counts again)."""
        return self._spent

    @property
    def left(self) -> int:
        return self.budget - self._spent

    @property
    def shown(self) -> list[int]:
        """Original indices of the frames shown so far, in the order they were first shown."""
        return list(self._shown)

    @property
    def seen(self) -> list[tuple[int, float]]:
        """``(index, time)`` of every frame shown so far, in time order."""
        return sorted(self._shown.items(), key=lambda it: it[1])

    @property
    def info(self):
        """The video's :class:`~framesift.video.VideoInfo`."""
        return self.analysis.info

    # ------------------------------------------------------------------ calls
    def overview(self, k: int = 8, *, max_side: int | None = None) -> list[SelectedFrame]:
        """``k`` query-agnostic frames: momentary events, then visually distinct scenes over time.

        The same coverage pass ``select`` runs without a question (the ``auto`` strategy on
        zero relevance: events first, then farthest-point coverage in time x appearance).
        """
        with self._lock:
            self.notes = []
            max_side = _max_side(max_side)
            k = self._take(_whole(k, "k"), "overview")
            frames = self._select_fresh("", k, "auto", allow_repeats=False, role_prefix="overview")
            return self._hand_out("overview", {"k": k}, frames, max_side=max_side)

    def select(
        self,
        question: str,
        k: int = 8,
        *,
        strategy: str = "auto",
        allow_repeats: bool = False,
        max_side: int | None = None,
    ) -> list[SelectedFrame]:
        """The normal question-aware selection of ``k`` frames, skipping frames already shown."""
        with self._lock:
            self.notes = []
            max_side = _max_side(max_side)
            if not isinstance(question, str):
                raise InputError("question must be text", param="question")
            k = self._take(_whole(k, "k"), "select")
            frames = self._select_fresh(question, k, strategy, allow_repeats=allow_repeats, role_prefix=None)
            return self._hand_out(
                "select", {"question": question, "k": k, "strategy": strategy}, frames, max_side=max_side
            )

    def zoom(
        self,
        start: float,
        end: float,
        *,
        fps: float | None = None,
        k: int | None = None,
        max_side: int | None = None,
        allow_repeats: bool = False,
    ) -> list[SelectedFrame]:
        """Dense frames inside ``[start, end]`` seconds, snapped to real frames, with true times.

        ``fps``: sample the span at this rate (VideoZoomer's ``segment`` + ``fps``); ``k``: this
        many frames spread evenly over the span (with ``fps`` too: at most ``k``); neither:
        :data:`ZOOM_DEFAULT_FRAMES`. Each target time snaps to the nearest frame whose start time
        lies inside the span, so every returned time is inside it. ``max_side`` shrinks images
        whose longer side is larger (aspect kept). Frames already shown are left out (a note
        says so) unless ``allow_repeats``; a request larger than what is left is thinned evenly.
        """
        with self._lock:
            self.notes = []
            start, end = _seconds(start, "start"), _seconds(end, "end")
            if fps is not None:
                fps = _seconds(fps, "fps")
                if fps <= 0:
                    raise InputError(f"fps must be > 0 (got {fps})", param="fps")
            if k is not None:
                k = _whole(k, "k")
            max_side = _max_side(max_side)
            info, table = self.analysis.info, self.analysis.table
            t0, t1 = float(info.start_time), float(info.start_time + info.duration)
            if end <= start:
                raise InputError(f"end must be after start (got {start:g}-{end:g} s)", param="end")
            if start >= t1 or end < t0:
                raise InputError(f"span {start:g}-{end:g} s is outside the video ({t0:g}-{t1:.3f} s)", param="start")
            start, end = max(start, t0), min(end, t1)
            lo = int(np.searchsorted(table.time, start - 1e-9, side="left"))
            hi = int(np.searchsorted(table.time, end + 1e-9, side="right"))
            if hi <= lo:
                raise InputError(f"no frame starts between {start:g} and {end:g} s", param="start")
            if fps is not None:
                n = max(1, math.floor((end - start) * fps + 1e-9) + 1)
                targets = start + np.arange(n) / fps
                if k is not None and n > k:
                    targets = targets[np.round(np.linspace(0, n - 1, k)).astype(int)]
            else:
                n = k if k is not None else ZOOM_DEFAULT_FRAMES
                # bin midpoints: k frames that tile the span evenly, none on its very edge
                targets = start + (np.arange(n) + 0.5) * (end - start) / n
            span_times = table.time[lo:hi]
            near = np.clip(np.searchsorted(span_times, targets), 1, max(len(span_times) - 1, 1))
            left_t = span_times[near - 1]
            right_t = span_times[np.minimum(near, len(span_times) - 1)]
            pick = np.where(np.abs(targets - left_t) <= np.abs(right_t - targets), near - 1, near)
            pick = np.minimum(pick, len(span_times) - 1)
            indices = list(dict.fromkeys(int(lo + p) for p in pick))
            if len(indices) < len(targets):
                self.notes.append(f"{len(targets)} samples fall on {len(indices)} distinct frames")
            if not allow_repeats:
                fresh = [i for i in indices if i not in self._shown]
                if len(fresh) < len(indices):
                    self.notes.append(f"{len(indices) - len(fresh)} frame(s) already shown were left out")
                indices = fresh
            if not indices:
                return self._hand_out("zoom", {"start": start, "end": end, "fps": fps, "k": k}, [])
            want = self._take(len(indices), "zoom", raise_when_empty=True)
            if want < len(indices):
                keep = np.round(np.linspace(0, len(indices) - 1, want)).astype(int)
                indices = [indices[i] for i in keep]
            density = f"{fps:g} fps" if fps is not None else f"{len(targets)} frames"
            frames = [
                SelectedFrame(
                    index=i,
                    time=float(table.time[i]),
                    source="zoom",
                    role="zoom",
                    scores={},
                    reason=f"zoom: {start:.1f}-{end:.1f} s at {density}",
                    width=info.width,
                    height=info.height,
                )
                for i in indices
            ]
            return self._hand_out("zoom", {"start": start, "end": end, "fps": fps, "k": k}, frames, max_side=max_side)

    def words(self, start: float, end: float) -> list[Words]:
        """Subtitle cues, speech segments and on-screen text overlapping ``[start, end]``, by time.

        Costs no frames: text is what a model can read for free before deciding where to zoom.
        """
        with self._lock:
            start, end = _seconds(start, "start"), _seconds(end, "end")
            if end < start:
                raise InputError(f"end must not be before start (got {start:g}-{end:g} s)", param="end")
            out: list[Words] = []
            subs = self.analysis.subtitles
            for ln in subs.lines if subs is not None else ():
                if ln.end >= start and ln.start <= end:
                    out.append(Words(float(ln.start), float(ln.end), "subtitle", ln.text))
            # The speech channel (ASR transcript) lands with its own issue; take its segments when
            # an analysis carries them, in the same shape as subtitle cues (start, end, text).
            speech = getattr(self.analysis, "speech", None)
            for seg in getattr(speech, "lines", None) or getattr(speech, "segments", None) or ():
                if seg.end >= start and seg.start <= end:
                    out.append(Words(float(seg.start), float(seg.end), "speech", seg.text))
            for read in self.analysis.ocr_reads:
                if start <= read.time <= end and read.lines:
                    out.append(Words(float(read.time), float(read.time), "ocr", read.text))
            out.sort(key=lambda w: (w.start, w.end, w.channel))
            self.history.append({"call": "words", "args": {"start": start, "end": end}, "frames": [], "notes": []})
            return out

    # ------------------------------------------------------------------ internals
    def _take(self, k: int, call: str, *, raise_when_empty: bool = True) -> int:
        """How many of ``k`` requested frames the budget allows (an error once nothing is left)."""
        if self.left <= 0 and raise_when_empty:
            raise InputError(
                f"session budget spent: {self._spent} of {self.budget} frames already shown", param="budget"
            )
        if k > self.left:
            self.notes.append(f"{call}: asked for {k} frames, {self.left} left in the session budget")
            return self.left
        return k

    def _select_fresh(
        self, question: str, k: int, strategy: str, *, allow_repeats: bool, role_prefix: str | None
    ) -> list[SelectedFrame]:
        """``k`` frames from the normal selection, none already shown (unless ``allow_repeats``).

        Strategies are pure functions of the candidate scores and know nothing of a session, so
        the budget is raised until ``k`` unseen frames come back; when more come back, the best
        fused relevance wins (ties: the earlier pick order, which keeps coverage spread).
        """
        n_cands = len(self.analysis.candidates)
        ask = k
        while True:
            sel = select_from(self.analysis, question, ask, strategy=strategy, fetch=False)
            frames = [f for f in sel.frames if allow_repeats or f.index not in self._shown]
            if len(frames) >= k or ask >= n_cands or len(sel.frames) < ask:
                break
            ask = min(n_cands, ask + (k - len(frames)) + len(self._shown))
        self._last_selection = sel
        if len(frames) > k:
            order = sorted(range(len(frames)), key=lambda i: -float(frames[i].scores.get("fused", 0.0)))
            frames = sorted((frames[i] for i in order[:k]), key=lambda f: f.time)
        if role_prefix:
            for f in frames:
                f.reason = f"{role_prefix}: {f.reason}"
        if len(frames) < k:
            self.notes.append(f"only {len(frames)} frame(s) not shown before were left to select")
        return frames

    def _hand_out(
        self, call: str, args: dict[str, Any], frames: list[SelectedFrame], *, max_side: int | None = None
    ) -> list[SelectedFrame]:
        """Attach images (decoding only frames never decoded before), count them, log the call."""
        self._attach_images(frames, max_side)
        for f in frames:
            self._shown.setdefault(f.index, f.time)
        self._spent += len(frames)
        self.history.append(
            {"call": call, "args": args, "frames": [(f.index, f.time) for f in frames], "notes": list(self.notes)}
        )
        return frames

    def _attach_images(self, frames: list[SelectedFrame], max_side: int | None) -> None:
        missing = [f for f in frames if f.index not in self._images]
        if missing:
            probe = [
                SelectedFrame(f.index, f.time, f.source, f.role, {}, "", f.width, f.height)
                for f in {m.index: m for m in missing}.values()
            ]
            fetch_images(self.analysis.path, self.analysis.info, self.analysis.table, probe)
            for p in probe:
                if p.image is not None:
                    self._images[p.index] = p.image
                    self.decoded += 1
        for f in frames:
            img = self._images.get(f.index)
            if img is None:
                raise InputError(f"{self.analysis.path}: frame {f.index} could not be decoded", param="video")
            if max_side is not None:
                img = fit_within(img, max_side)
            f.image = img
            f.width, f.height = img.size


def time_label(t: float) -> str:
    """``mm:ss.s`` (``h:mm:ss.s`` from an hour on): how a person reads a time in a video."""
    return clock(t, 1)


def frame_caption(frame: SelectedFrame) -> str:
    """The text shown before each frame: ``t=01:31.2 (91.2 s), frame 2280: <reason>``."""
    return f"t={time_label(frame.time)} ({frame.time:.1f} s), frame {frame.index}: {frame.reason}"
