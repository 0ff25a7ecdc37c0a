"""End to end: framesift.analyze / select_from / select on the synthetic needle video, with the
real OCR engine and the real MiniLM text embedder.

Loading the models takes seconds, so one module-scoped :func:`framesift.analyze` is shared by the
questions (``select_from``), and :func:`framesift.select` (the whole pipeline, with fetching) runs
once.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

import framesift
from framesift.video.probe import probe

pytestmark = pytest.mark.slow

BUDGET = 8


def _needle(video, kind):
    return next(n for n in video.needles if n.kind == kind)


@pytest.fixture(scope="module")
def analysis(needle_video):
    return framesift.analyze(needle_video.path)


@pytest.fixture(scope="module")
def table(needle_video):
    return probe(needle_video.path)[1]


@pytest.fixture(scope="module")
def text_selection(analysis, needle_video):
    return framesift.select_from(analysis, _needle(needle_video, "text").question, BUDGET, fetch=False)


@pytest.fixture(scope="module")
def subtitle_selection(analysis, needle_video):
    return framesift.select_from(analysis, _needle(needle_video, "subtitle").question, BUDGET, fetch=False)


@pytest.fixture(scope="module")
def full_selection(needle_video):
    """The one full pipeline run: probe, decode, OCR, embed, select, fetch at full resolution."""
    return framesift.select(needle_video.path, _needle(needle_video, "text").question, BUDGET, fetch=True)


def _check_frames(sel, table, budget=BUDGET):
    idx = [f.index for f in sel.frames]
    times = [f.time for f in sel.frames]
    assert 0 < len(sel.frames) <= budget
    assert len(set(idx)) == len(idx)
    assert times == sorted(times)
    for f in sel.frames:
        assert 0 <= f.index < len(table)
        assert f.time == pytest.approx(float(table.time[f.index]), abs=1e-9)
        assert f.reason
    assert sel.indices == idx and sel.times == times


def test_analysis_is_query_free(analysis, needle_video, table):
    assert analysis.info.num_frames == needle_video.num_frames == len(table)
    assert analysis.subtitles is not None and Path(analysis.subtitles.source) == needle_video.subtitles
    assert len(analysis.candidates) >= int(needle_video.duration)
    assert analysis.ocr_reads, "OCR read no text on the needle video"
    assert {"probe", "decode"} <= set(analysis.timings)


def test_subtitle_cues_are_embedded_during_the_decode_pass(analysis):
    from framesift.signals.text_embedder import get_text_embedder

    texts = [ln.text for ln in analysis.subtitles.lines]
    assert texts and "subtitle_embed" in analysis.timings
    # in the memo before anything asked for them (the prefetch ran beside the decode pass)
    assert set(texts) <= set(analysis.embed._vectors)
    # and the vectors are the model's: each cue embedded alone, in this thread
    alone = np.stack([get_text_embedder().encode([t])[0] for t in texts])
    np.testing.assert_allclose(analysis.embed(texts), alone, atol=1e-5)


def test_text_needle(text_selection, needle_video, table):
    needle = _needle(needle_video, "text")
    _check_frames(text_selection, table)
    assert text_selection.strategy == "auto"
    hits = [f for f in text_selection.frames if needle.start <= f.time < needle.end]
    assert hits, f"no frame in the text needle {needle.start:.3f}-{needle.end:.3f}s: {text_selection.times}"
    relevant = [f for f in hits if f.role == "relevance"]
    assert relevant
    # The reason quotes the on-screen text that matched.
    assert "tulip-4417" in relevant[0].reason
    assert "on-screen text" in relevant[0].reason
    assert relevant[0].scores.get("ocr", 0) > 0.5


def test_subtitle_needle_near_the_cue(subtitle_selection, needle_video, table):
    needle = _needle(needle_video, "subtitle")
    _check_frames(subtitle_selection, table)
    relevant = [f for f in subtitle_selection.frames if f.role == "relevance"]
    assert relevant
    best = relevant[0]
    assert needle.content in best.reason and "subtitle" in best.reason
    assert best.scores.get("subtitle", 0) > 0.5
    # Within the cue, allowing for the 0.25 s tolerance pad of the subtitle channel.
    assert needle.start - 0.25 <= best.time <= needle.end + 0.25


def test_subtitle_needle_inside_span(subtitle_selection, needle_video):
    needle = _needle(needle_video, "subtitle")
    hits = [f for f in subtitle_selection.frames if needle.start <= f.time < needle.end]
    assert hits, f"no frame in the subtitle needle {needle.start}-{needle.end}s: {subtitle_selection.times}"


def test_signals_and_timings(text_selection, subtitle_selection):
    for sel in (text_selection, subtitle_selection):
        sig = sel.signals
        assert sig["subtitle"]["available"] is True
        assert sig["ocr"]["available"] is True
        assert sig["ocr"]["frames_with_text"] > 0
        assert sig["text_embedder"]
        assert {"probe", "decode", "select"} <= set(sel.timings)
        assert all(v >= 0 for v in sel.timings.values())
    assert text_selection.signals["ocr"]["used"] is True
    assert subtitle_selection.signals["subtitle"]["used"] is True


def test_budget_larger_than_candidates(analysis, table):
    n = len(analysis.candidates)
    sel = framesift.select_from(analysis, "What is the wifi password?", n + 10, fetch=False)
    _check_frames(sel, table, budget=n + 10)
    assert sel.indices == sorted(analysis.candidates.index.tolist())
    assert sel.num_candidates == n
    assert any("all candidates" in note for note in sel.notes), sel.notes


def test_empty_query_gives_coverage(analysis, table):
    sel = framesift.select_from(analysis, "", BUDGET, fetch=False)
    _check_frames(sel, table)
    assert len(sel.frames) == BUDGET
    assert not any(f.role == "relevance" for f in sel.frames)
    assert {f.role for f in sel.frames} <= {"coverage", "momentary event"}
    assert sel.signals["subtitle"]["used"] is False and sel.signals["ocr"]["used"] is False
    assert sel.signals["text_embedder"] is None
    # Spread over the video, not bunched in one place.
    assert max(sel.times) - min(sel.times) > 0.5 * analysis.info.duration


def test_bad_input(analysis, needle_video, tmp_path):
    with pytest.raises(framesift.InputError):
        framesift.select_from(analysis, "q", 0)
    with pytest.raises(framesift.VideoError, match="missing.mp4"):
        framesift.select(tmp_path / "missing.mp4", "q")


def _decode_independently(path, indices):
    """Frames at presentation-order positions ``indices``, with PyAV alone."""
    with av.open(str(path)) as c:
        pts = sorted(p.pts for p in c.demux(c.streams.video[0]) if p.size)
    wanted = {pts[i]: i for i in indices}
    out = {}
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if frame.pts in wanted:
                out[wanted[frame.pts]] = (frame.to_ndarray(format="rgb24"), float(frame.time))
    return out


def test_full_select_fetches_the_right_pixels(full_selection, text_selection, needle_video, table):
    sel = full_selection
    _check_frames(sel, table)
    # Same question, same analysis inputs: same picks as select_from.
    assert sel.indices == text_selection.indices
    assert {"probe", "decode", "select", "fetch"} <= set(sel.timings)
    ref = _decode_independently(needle_video.path, sel.indices)
    assert set(ref) == set(sel.indices)
    for f in sel.frames:
        assert isinstance(f.image, Image.Image)
        assert f.image.size == (needle_video.width, needle_video.height) == (sel.video.width, sel.video.height)
        assert (f.width, f.height) == f.image.size
        pixels, t = ref[f.index]
        assert t == pytest.approx(f.time, abs=1e-6)
        diff = np.abs(np.asarray(f.image.convert("RGB"), dtype=np.int16) - pixels.astype(np.int16)).mean()
        assert diff < 2.0, f"frame {f.index}: mean abs diff {diff:.2f} against an independent decode"


def test_save_round_trips(full_selection, tmp_path):
    out = full_selection.save(tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    frames = manifest["frames"]
    assert [d["index"] for d in frames] == full_selection.indices
    for d, f in zip(frames, full_selection.frames):
        assert d["time"] == pytest.approx(f.time, abs=1e-6)
        assert d["role"] == f.role and d["reason"] == f.reason
        assert d["resolution"] == [f.width, f.height]
        assert (out / d["file"]).is_file()
        with Image.open(out / d["file"]) as im:
            assert im.size == (f.width, f.height)
    assert manifest["budget"] == {"frames": BUDGET, "spent": len(full_selection.frames)}
    assert manifest["query"] == full_selection.query
    assert manifest["video"]["num_frames"] == full_selection.video.num_frames
    assert (out / "contact_sheet.png").is_file()
