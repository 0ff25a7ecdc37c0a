"""framesift.Session: one total budget across calls, no repeats, each frame decoded once, true times.

Checked against what the fixtures wrote, not against the session's own output: the variable
frame rate fixture paints each frame's id into its pixels and records its presentation time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import framesift.api as api
import framesift.video.fetch as fetch
from framesift import InputError
from framesift.frame import SelectedFrame
from framesift.session import Session, frame_caption, time_label

sys.path.insert(0, str(Path(__file__).parent))
from _odd_videos import frame_id_from_pixels  # noqa: E402


@pytest.fixture()
def decode_log(monkeypatch):
    """Every original index the full-resolution fetch decodes (wraps the real decoder)."""
    seen: list[int] = []
    real = fetch.iter_decoded

    def counting(path, table, targets=None):
        for idx, frame in real(path, table, targets):
            seen.append(idx)
            yield idx, frame

    monkeypatch.setattr(fetch, "iter_decoded", counting)
    return seen


def test_zoom_snaps_to_real_frames_with_true_times(vfr_video, decode_log):
    times, ids = vfr_video.info["times"], vfr_video.info["ids"]
    s = Session(vfr_video.path, budget=40, cache=False, ocr=False, events=False)
    start, end = 0.9, 2.3
    frames = s.zoom(start, end, fps=5)
    assert 5 <= len(frames) <= 8  # 1.4 s at 5 fps: 8 targets, some fall on the same VFR frame
    for f in frames:
        assert start - 1e-6 <= f.time <= end + 1e-6  # (pts in 1/90000 s: float noise only)
        assert f.time == pytest.approx(times[f.index], abs=1e-6)  # pts time of that frame, not index / fps
        assert frame_id_from_pixels(np.asarray(f.image)) == ids[f.index]  # the pixels are that frame
    # a second zoom over the same span: nothing new to show unless repeats are asked for
    again = s.zoom(start, end, fps=5)
    assert again == [] and "already shown" in s.notes[0]
    repeats = s.zoom(start, end, fps=5, allow_repeats=True)
    assert [f.index for f in repeats] == [f.index for f in frames]
    assert sorted(decode_log) == sorted({f.index for f in frames})  # repeats were not decoded again
    assert s.spent == 2 * len(frames) and s.left == 40 - 2 * len(frames)


def test_budget_across_calls_and_no_repeats(needle_video, decode_log):
    s = Session(needle_video.path, budget=12, cache=False, ocr=False)
    over = s.overview(6)
    assert len(over) == 6 and all(f.reason.startswith("overview:") for f in over)
    sel = s.select("When was the bridge completed?", 4)
    assert len(sel) == 4 and not {f.index for f in sel} & {f.index for f in over}
    (bridge,) = [n for n in needle_video.needles if n.kind == "subtitle"]
    # the subtitle needle is among what the session has shown (the overview may have shown it first)
    assert any(bridge.start <= f.time <= bridge.end for f in over + sel)
    z = s.zoom(0.0, 30.0, k=8)  # 8 asked, 2 left: thinned evenly, and said so
    assert len(z) == 2 and s.left == 0 and "2 left" in " ".join(s.notes)
    with pytest.raises(InputError, match="session budget spent: 12 of 12"):
        s.zoom(0.0, 5.0, k=1)
    assert s.spent == 12 and len(set(s.shown)) == 12
    assert sorted(decode_log) == sorted(s.shown)  # each frame decoded exactly once
    assert all(f.image is not None and f.image.size == (640, 360) for f in over + sel + z)


def test_zoom_arguments_and_images(needle_video):
    s = Session(needle_video.path, budget=50, cache=False, ocr=False, events=False)
    frames = s.zoom(10.0, 12.0, k=4, max_side=320)
    assert [round(f.time, 3) for f in frames] == [10.25, 10.75, 11.25, 11.75]  # bin midpoints of a 24 fps grid
    assert all(f.image.size == (320, 180) and (f.width, f.height) == (320, 180) for f in frames)
    assert len(s.zoom(20.0, 22.0, fps=2, k=3)) == 3  # fps grid thinned to k
    assert [f.time for f in s.zoom(25.0, 40.0, k=1)] == [pytest.approx(27.5, abs=0.05)]  # clipped at the end
    for bad, match in [
        (dict(start=5, end=5), "end must be after start"),
        (dict(start=40, end=50), "outside the video"),
        (dict(start="a", end=5), "start must be a number"),
        (dict(start=1, end=2, fps=0), "fps must be > 0"),
        (dict(start=1, end=2, k=0), "k must be at least 1"),
        (dict(start=1, end=2, max_side=4), "max_side must be at least 16"),
    ]:
        with pytest.raises(InputError, match=match):
            s.zoom(**bad)


def test_words_in_a_span(needle_video):
    s = Session(needle_video.path, budget=4, cache=False, ocr=False, events=False)
    words = s.words(14.0, 17.0)
    (bridge,) = [n for n in needle_video.needles if n.kind == "subtitle"]
    assert [w.text for w in words if w.channel == "subtitle"] == [bridge.content]
    assert all(w.end >= 14.0 and w.start <= 17.0 for w in words)
    assert s.spent == 0  # words cost no frames


def test_session_reuses_an_analysis_and_the_index(needle_video, tmp_path):
    a = api.analyze(needle_video.path, ocr=False, events=False)
    s = Session(a, budget=3)
    assert s.analysis is a and len(s.overview(3)) == 3
    with pytest.raises(InputError, match="cannot change an existing Analysis"):
        Session(a, budget=3, fps=2.0)
    with pytest.raises(InputError, match="budget must be at least 1"):
        Session(a, budget=0)
    Session(needle_video.path, budget=1, cache=tmp_path, ocr=False, events=False)
    warm = Session(needle_video.path, budget=1, cache=tmp_path, ocr=False, events=False)
    assert "analysis loaded from the index" in " ".join(warm.analysis.notes)


def test_captions():
    assert time_label(91.24) == "01:31.2" and time_label(3725.0) == "1:02:05.0"
    f = SelectedFrame(2280, 91.2, "zoom", "zoom", {}, "zoom: 90-95 s", 64, 36)
    assert frame_caption(f) == "t=01:31.2 (91.2 s), frame 2280: zoom: 90-95 s"
