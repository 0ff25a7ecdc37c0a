"""The synthetic videos and fixtures say what they contain: ground truth is checked against what
PyAV decodes from the files, not against the generator's own bookkeeping."""

from __future__ import annotations

import json
import math
import warnings

import av
import numpy as np
import pytest

from _read_back import subtitle_cues as _cues
from framesift.bench import corpus, scenes
from framesift.bench.needle_video import Needle, make_video, needle_suite


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def _decode_all(path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as c:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def needle_frames(needle_video):
    return _decode_all(needle_video.path)


# ------------------------------------------------------------------ synthetic needle video


def test_needle_video_truth_matches_file(needle_video, needle_frames):
    truth = json.loads(needle_video.path.with_suffix(".truth.json").read_text())
    assert truth == needle_video.to_json()
    assert truth["video"] == needle_video.path.name and truth["subtitles"] == needle_video.path.with_suffix(".srt").name
    assert len(needle_frames) == needle_video.num_frames == 720
    times = [t for t, _ in needle_frames]
    assert times == pytest.approx([i / 24 for i in range(720)], abs=1e-3)
    assert needle_frames[0][1].shape == (360, 640, 3)
    assert {n["kind"] for n in truth["needles"]} == {"text", "subtitle", "flash"}
    # Shots tile the whole video without gaps.
    shots = needle_video.shots
    assert shots[0][0] == 0 and shots[-1][1] == pytest.approx(30.0)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(shots, shots[1:]))
    assert len(shots) >= 2


def _span(needle_video, kind):
    n = next(n for n in needle_video.needles if n.kind == kind)
    idx = [i for i in range(needle_video.num_frames) if n.start <= i / needle_video.fps < n.end]
    return n, idx


def _changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels whose luma changes by more than 60 levels."""
    return float((np.abs(_luma(a) - _luma(b)) > 60).mean())


def test_text_needle_is_on_screen_only_inside_its_span(needle_video, needle_frames):
    n, idx = _span(needle_video, "text")
    assert 19 <= len(idx) <= 29  # 0.8-1.2 s at 24 fps
    frames = [f for _, f in needle_frames]
    typical = np.median([_changed(frames[i], frames[i + 1]) for i in range(0, len(frames) - 1, 7)])
    appear = _changed(frames[idx[0] - 1], frames[idx[0]])
    vanish = _changed(frames[idx[-1]], frames[idx[-1] + 1])
    assert appear > 0.02 and vanish > 0.02, (appear, vanish)
    assert appear > 3 * typical and vanish > 3 * typical, (appear, vanish, typical)
    # The caption stays put while it is shown: inside the box where it appeared, the first and
    # last frames of the span agree far better than the frames before and at its appearance.
    before, first, last = (_luma(frames[i]) for i in (idx[0] - 1, idx[0], idx[-1]))
    ys, xs = np.nonzero(np.abs(first - before) > 60)
    y0, y1 = np.percentile(ys, [2, 98]).astype(int)
    x0, x1 = np.percentile(xs, [2, 98]).astype(int)
    box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
    assert np.abs(first[box] - last[box]).mean() < np.abs(first[box] - before[box]).mean() / 3


def test_flash_frames_are_bright(needle_video, needle_frames):
    n, idx = _span(needle_video, "flash")
    assert len(idx) == 3
    frames = [f for _, f in needle_frames]
    inside = [float(_luma(frames[i]).mean()) for i in idx]
    outside = [float(_luma(frames[i]).mean()) for i in (idx[0] - 1, idx[-1] + 1)]
    assert min(inside) > 200, inside
    assert max(outside) < min(inside) - 20, (inside, outside)


def test_sidecar_srt_parses_with_pyav_and_has_the_needle_line(needle_video):
    srt = needle_video.subtitles
    assert srt is not None and srt.name == "needles.srt"
    cues = _cues(srt)
    n = next(n for n in needle_video.needles if n.kind == "subtitle")
    hits = [c for c in cues if c[2] == n.content]
    assert len(hits) == 1
    assert hits[0][0] == pytest.approx(n.start, abs=2e-3) and hits[0][1] == pytest.approx(n.end, abs=2e-3)
    assert n.start == pytest.approx(14.2) and n.end == pytest.approx(16.4)
    # A realistic transcript: a line every few seconds, none overlapping the needle line.
    filler = [c for c in cues if c[2] != n.content]
    assert len(filler) >= 5
    assert max(c[0] for c in filler) > 20
    assert all(c[1] <= n.start or c[0] >= n.end for c in filler)
    assert len({c[2] for c in filler}) == len(filler)


def test_make_video_is_deterministic(tmp_path):
    needles = needle_suite(3, 12.0, per_kind=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = make_video(tmp_path / "a.mp4", duration=12.0, width=160, height=96, needles=needles, seed=3)
        b = make_video(tmp_path / "b.mp4", duration=12.0, width=160, height=96, needles=needles, seed=3)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.subtitles.read_text() == b.subtitles.read_text()
    assert a.shots == b.shots and a.needles == b.needles


def test_make_video_rejects_bad_needles(tmp_path):
    overlapping = [Needle("text", 6.0, 7.0, "A", "a?"), Needle("flash", 6.5, 6.6, "A white flash", "b?")]
    with pytest.raises(ValueError, match="overlap"):
        make_video(tmp_path / "x.mp4", duration=10.0, needles=overlapping)
    with pytest.raises(ValueError, match="subtitles"):
        make_video(
            tmp_path / "y.mp4",
            duration=10.0,
            subtitles=False,
            needles=[Needle("subtitle", 2.0, 3.0, "Said once.", "What was said?")],
        )
    with pytest.raises(ValueError):
        Needle("audio", 1.0, 2.0, "x", "y")  # type: ignore[arg-type]


@pytest.mark.parametrize("duration", [30.0, 600.0, 3600.0])
def test_needle_suite_placement(duration):
    needles = needle_suite(11, duration)
    per_kind = max(1, math.ceil(duration / 300))
    for kind in ("text", "subtitle", "flash"):
        assert sum(n.kind == kind for n in needles) == per_kind
    assert needles == sorted(needles, key=lambda n: n.start)
    for a, b in zip(needles, needles[1:]):
        assert a.end <= b.start
    edge = min(5.0, duration * 0.1)
    assert all(n.start >= edge - 1 / 48 and n.end <= duration - edge for n in needles)
    for n in needles:
        length = n.end - n.start
        if n.kind == "text":
            assert 0.75 <= length <= 1.25
        elif n.kind == "subtitle":
            assert 1.5 <= length <= 3.0
        else:
            assert 2 <= round(length * 24) <= 4
        assert n.question.strip().lower() != n.content.strip().lower()
    assert len({n.content for n in needles}) == len(needles)
    assert needle_suite(11, duration) == needles  # deterministic for a seed


def test_fact_banks_are_large_and_paraphrased():
    for bank in (corpus.TEXT_FACTS, corpus.SUBTITLE_FACTS):
        assert len(bank) >= 40
        assert len({c for c, _ in bank}) == len(bank) and len({q for _, q in bank}) == len(bank)
        for content, question in bank:
            assert question.endswith("?") and question.lower() not in content.lower()


def test_footage_is_used_when_available(needle_video):
    kinds = {k.split(":")[0] for _, _, k in needle_video.shots}
    assert "render" in kinds
    if scenes.footage_clips():
        assert "footage" in kinds
