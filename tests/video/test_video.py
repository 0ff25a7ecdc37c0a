"""framesift.video on odd fixture videos: probe, read planning, sparse decoding, conversion,
candidate extraction and subtitles.

Expectations come from what the fixtures wrote (``OddVideo.info``, ``SynthVideo.needles``) and
from the frame ids painted into the pixels, never from framesift's own bookkeeping.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from _odd_videos import _paint_frame_id, frame_id_from_pixels
from framesift.bench.transcript import write_srt
from framesift.errors import InputError, VideoError
from framesift.video.candidates import extract_candidates
from framesift.video.decode import _SEEK_OVERHEAD_FRAMES, ReadPlan, iter_decoded, plan_reads, to_rgb
from framesift.video.probe import FrameTable, probe
from framesift.video.subtitles import load_subtitles, read_embedded


def _rgb(frame: av.VideoFrame) -> np.ndarray:
    """The stored picture, unconverted by framesift (PyAV's own rgb24 conversion)."""
    return frame.to_ndarray(format="rgb24")


def _decode_targets(path, table, targets) -> list[tuple[int, av.VideoFrame, np.ndarray]]:
    out = []
    for idx, frame in iter_decoded(path, table, np.asarray(targets, dtype=np.int64)):
        out.append((idx, frame, _rgb(frame)))
    return out


# --------------------------------------------------------------------------------------------
# probe
# --------------------------------------------------------------------------------------------


def test_probe_cfr(cfr_video):
    info, table = probe(cfr_video.path)
    exp = cfr_video.info
    assert info.num_frames == len(table) == exp["num_frames"] == 90
    assert info.fps == pytest.approx(exp["fps"], abs=1e-6)
    assert info.duration == pytest.approx(3.0, abs=1e-6)
    assert info.start_time == 0.0
    assert info.rotation == 0
    assert (info.width, info.height) == (exp["width"], exp["height"]) == (info.coded_width, info.coded_height)
    assert info.sample_aspect_ratio == 1
    assert info.is_vfr is False
    assert info.subtitle_streams == ()
    assert info.warnings == ()
    np.testing.assert_allclose(table.time, exp["times"], atol=1e-9)
    assert np.all(np.diff(table.pts) > 0)
    assert table.keyframe[0]
    # to_dict is JSON-ready and consistent.
    d = info.to_dict()
    assert d["num_frames"] == 90 and d["vfr"] is False and d["sample_aspect_ratio"] == "1:1"


def test_probe_vfr(vfr_video):
    info, table = probe(vfr_video.path)
    exp = vfr_video.info
    assert info.num_frames == len(table) == exp["num_frames"] == 60
    assert info.is_vfr is True
    assert table.time_base == Fraction(1, 90000)
    # Frame times are the true (uneven) presentation times, not index / fps.
    np.testing.assert_allclose(table.time, exp["times"], atol=1e-6)
    gaps = np.round(np.diff(table.time) * 30).astype(int)
    assert set(gaps.tolist()) == {1, 2}
    # Average rate: 60 frames over ~3 s (not the 30 fps nominal rate of the encoder).
    assert info.fps == pytest.approx(info.num_frames / info.duration)
    assert 19.0 < info.fps < 21.0
    assert 88 / 30 < info.duration <= 3.0 + 1e-6


def test_probe_delayed_start(delayed_video):
    info, table = probe(delayed_video.path)
    assert info.start_time == pytest.approx(2.0, abs=1e-6) == pytest.approx(delayed_video.info["start_time"])
    assert info.num_frames == 90
    assert info.duration == pytest.approx(3.0, abs=1e-6)  # from the first frame, not from 0
    np.testing.assert_allclose(table.time, delayed_video.info["times"], atol=1e-6)
    assert table.time[0] == pytest.approx(2.0)


def test_probe_rotated(rotated_video):
    info, _ = probe(rotated_video.path)
    exp = rotated_video.info
    assert info.rotation == exp["rotation"] == 90
    assert (info.coded_width, info.coded_height) == (exp["width"], exp["height"]) == (320, 240)
    assert (info.width, info.height) == (exp["height"], exp["width"])  # display size is swapped
    assert info.num_frames == 90 and info.is_vfr is False


def test_probe_sar(sar_video):
    info, _ = probe(sar_video.path)
    exp = sar_video.info
    assert info.sample_aspect_ratio == Fraction(*exp["sample_aspect_ratio"]) == Fraction(16, 11)
    assert (info.coded_width, info.coded_height) == (320, 240)
    expected_w = 2 * round(320 * 16 / 11 / 2)  # 465.45 rounded to the nearest even number
    assert expected_w == 466
    assert info.width == expected_w
    assert abs(info.width - exp["display_width"]) <= 1
    assert info.height == 240
    assert info.rotation == 0


def test_probe_subtitle_streams(subs_video):
    info, _ = probe(subs_video.path)
    assert info.num_frames == subs_video.info["num_frames"]
    assert len(info.subtitle_streams) == 1
    s = info.subtitle_streams[0]
    assert s.codec in ("subrip", "srt")
    assert s.index != 0  # stream 0 is the video
    assert info.to_dict()["subtitle_streams"][0]["index"] == s.index


def test_probe_truncated_keeps_the_readable_head(truncated_video):
    info, table = probe(truncated_video.path)  # must not raise
    assert 0 < info.num_frames < truncated_video.info["num_frames"]
    assert len(table) == info.num_frames
    assert info.duration < 3.0
    assert isinstance(info.warnings, tuple)
    # The frames that are there keep their true times.
    np.testing.assert_allclose(table.time, truncated_video.info["times"][: len(table)], atol=1e-6)


@pytest.mark.parametrize("kind", ["audio_only", "empty", "not_video"])
def test_probe_rejects_non_videos(odd_video, kind):
    f = odd_video(kind)
    with pytest.raises(VideoError) as ei:
        probe(f.path)
    assert f.path.name in str(ei.value)
    assert isinstance(ei.value, InputError)


def test_probe_audio_only_says_why(audio_only_file):
    with pytest.raises(VideoError, match="no video stream"):
        probe(audio_only_file.path)


def test_probe_missing_file(tmp_path):
    p = tmp_path / "nowhere-to-be-found.mp4"
    with pytest.raises(VideoError, match="nowhere-to-be-found.mp4"):
        probe(p)


def test_probe_directory(tmp_path):
    d = tmp_path / "a_folder.mp4"
    d.mkdir()
    with pytest.raises(VideoError, match="a_folder.mp4") as ei:
        probe(d)
    assert "directory" in str(ei.value)


# --------------------------------------------------------------------------------------------
# plan_reads
# --------------------------------------------------------------------------------------------


def _table(n: int, keyframes: list[int]) -> FrameTable:
    key = np.zeros(n, dtype=bool)
    key[keyframes] = True
    pts = np.arange(n, dtype=np.int64) * 512
    return FrameTable(
        pts=pts, time=pts / 15360.0, keyframe=key, size=np.full(n, 1000, np.int64), time_base=Fraction(1, 15360)
    )


def test_index_of_pts_is_the_nearest_entry():
    # Worked by hand: pts 0, 10, 20, 40 (a gap), 41; ties go to the later entry, as before.
    t = FrameTable(
        pts=np.array([0, 10, 20, 40, 41], np.int64),
        time=np.array([0.0, 1.0, 2.0, 4.0, 4.1]),
        keyframe=np.ones(5, bool),
        size=np.ones(5, np.int64),
        time_base=Fraction(1, 10),
    )
    cases = {-5: 0, 0: 0, 4: 0, 5: 1, 6: 1, 10: 1, 29: 2, 30: 3, 31: 3, 40: 3, 41: 4, 1000: 4}
    assert {p: t.index_of_pts(p, fallback=-1) for p in cases} == cases
    assert t.index_of_pts(None, fallback=7) == 7
    empty = FrameTable(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, bool), np.zeros(0, np.int64), Fraction(1, 10))
    assert empty.index_of_pts(3, fallback=2) == 2


def test_plan_reads_arithmetic_by_hand():
    table = _table(100, [0, 50])
    # Targets 3 (GOP 0) and 60, 61 (GOP 50): decode 0..3 and 50..61 plus one seek overhead each.
    plan = plan_reads(table, np.array([61, 3, 60]))
    assert plan == ReadPlan("seek", (3 - 0 + 1) + _SEEK_OVERHEAD_FRAMES + (61 - 50 + 1) + _SEEK_OVERHEAD_FRAMES, 2)
    # Dense targets: one pass to the last target is cheaper.
    plan = plan_reads(table, np.arange(0, 100, 2))
    assert plan == ReadPlan("sequential", 99, 0)
    # No targets means everything.
    assert plan_reads(table, None) == ReadPlan("sequential", 100, 0)
    assert plan_reads(table, np.array([], dtype=np.int64)) == ReadPlan("sequential", 100, 0)
    # A single early frame: reading from the start is cheapest (no seek overhead).
    assert plan_reads(table, np.array([2])) == ReadPlan("sequential", 3, 0)
    # Duplicates count once.
    assert plan_reads(table, np.array([60, 60, 61, 3, 3])) == plan_reads(table, np.array([3, 60, 61]))


@pytest.fixture(scope="module")
def long_gop_video(tmp_path_factory) -> Path:
    """20 s at 25 fps, keyframes only every 250 frames (no scene-cut keyframes), B-frames on;
    every frame carries its index in the frame-id strip."""
    path = tmp_path_factory.mktemp("longgop") / "long_gop.mp4"
    W, H, n = 192, 112, 500
    yy, xx = np.mgrid[0:H, 0:W]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"preset": "veryfast", "crf": "20", "sc_threshold": "0"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.codec_context.gop_size = 250
        for i in range(n):
            img = np.empty((H, W, 3), np.uint8)
            img[..., 0] = (xx + 2 * i) % 256
            img[..., 1] = (yy + i) % 256
            img[..., 2] = 90
            _paint_frame_id(img, i)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts = i
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_long_gop_video_layout(long_gop_video):
    info, table = probe(long_gop_video)
    assert info.num_frames == 500
    assert info.fps == pytest.approx(25.0)
    assert np.flatnonzero(table.keyframe).tolist() == [0, 250]


def test_plan_reads_long_gop(long_gop_video):
    _, table = probe(long_gop_video)
    assert np.flatnonzero(table.keyframe).tolist() == [0, 250]
    # A handful of targets: seek. By hand: GOP 0 decodes 0..10 (11 frames), GOP 250 decodes
    # 250..400 (151 frames), each after one seek (overhead 8): 19 + 159 = 178 < 401 sequential.
    plan = plan_reads(table, np.array([10, 260, 400]))
    assert plan.mode == "seek"
    assert plan.seeks == 2
    assert plan.frames_to_decode == 11 + 151 + 2 * _SEEK_OVERHEAD_FRAMES
    # Targets in only the last GOP: one seek skips the whole first GOP.
    plan = plan_reads(table, np.array([499]))
    assert plan == ReadPlan("seek", 250 + _SEEK_OVERHEAD_FRAMES, 1)
    # Dense targets (every 5th frame): one sequential pass.
    plan = plan_reads(table, np.arange(0, 500, 5))
    assert plan == ReadPlan("sequential", 496, 0)


def test_iter_decoded_long_gop_seek(long_gop_video):
    _, table = probe(long_gop_video)
    targets = [10, 260, 400, 499]
    assert plan_reads(table, np.array(targets)).mode == "seek"
    got = _decode_targets(long_gop_video, table, targets)
    assert [i for i, _, _ in got] == targets
    assert [frame_id_from_pixels(rgb) for _, _, rgb in got] == targets
    for i, frame, _ in got:
        assert float(frame.time) == pytest.approx(table.time[i], abs=1e-6)


# --------------------------------------------------------------------------------------------
# iter_decoded: exactly the requested frames, and the right pixels
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "targets,mode",
    [([5, 40, 41, 80], "seek"), (list(range(0, 90, 3)), "sequential"), ([0], "sequential"), ([89], "seek")],
)
def test_iter_decoded_cfr(cfr_video, targets, mode):
    _, table = probe(cfr_video.path)
    assert plan_reads(table, np.array(targets)).mode == mode
    got = _decode_targets(cfr_video.path, table, targets)
    assert [i for i, _, _ in got] == targets
    assert [frame_id_from_pixels(rgb) for _, _, rgb in got] == targets
    for i, frame, _ in got:
        assert float(frame.time) == pytest.approx(table.time[i], abs=1e-6)


@pytest.mark.parametrize("targets,mode", [([5, 40, 41], "seek"), (list(range(0, 60, 3)), "sequential"), ([59], "seek")])
def test_iter_decoded_vfr(vfr_video, targets, mode):
    _, table = probe(vfr_video.path)
    ids, times = vfr_video.info["ids"], vfr_video.info["times"]
    assert plan_reads(table, np.array(targets)).mode == mode
    got = _decode_targets(vfr_video.path, table, targets)
    assert [i for i, _, _ in got] == targets
    for i, frame, rgb in got:
        painted = frame_id_from_pixels(rgb)
        assert painted == ids[i]  # original frame number k ...
        assert table.time[i] == pytest.approx(painted / 30.0, abs=1e-6)  # ... shown at k / 30 s
        assert table.time[i] == pytest.approx(times[i], abs=1e-6)
        assert float(frame.time) == pytest.approx(table.time[i], abs=1e-6)


def test_iter_decoded_unsorted_duplicate_targets(cfr_video):
    _, table = probe(cfr_video.path)
    got = _decode_targets(cfr_video.path, table, [41, 5, 41, 80, 5])
    assert [i for i, _, _ in got] == [5, 41, 80]
    assert [frame_id_from_pixels(rgb) for _, _, rgb in got] == [5, 41, 80]


def test_iter_decoded_all_frames_delayed(delayed_video):
    _, table = probe(delayed_video.path)
    got = [(i, frame_id_from_pixels(_rgb(f))) for i, f in iter_decoded(delayed_video.path, table)]
    assert [i for i, _ in got] == list(range(90))
    assert all(i == fid for i, fid in got)


def test_iter_decoded_truncated_does_not_raise(truncated_video):
    _, table = probe(truncated_video.path)
    got = [(i, _rgb(f)) for i, f in iter_decoded(truncated_video.path, table)]
    idx = [i for i, _ in got]
    assert len(got) >= 0.9 * len(table)
    assert idx == sorted(set(idx))
    assert all(frame_id_from_pixels(rgb) == i for i, rgb in got)
    # Asking for frames at or past the cut (seek mode) ends quietly.
    tail = list(iter_decoded(truncated_video.path, table, np.array([len(table) - 1])))
    assert len(tail) <= 1


def test_iter_decoded_corrupt_does_not_raise(corrupt_video):
    _, table = probe(corrupt_video.path)
    got = [(i, _rgb(f)) for i, f in iter_decoded(corrupt_video.path, table)]
    idx = [i for i, _ in got]
    assert len(got) >= 0.8 * corrupt_video.info["num_frames"]
    assert idx == sorted(set(idx))
    readable = 0
    for i, rgb in got:
        try:
            fid = frame_id_from_pixels(rgb)
        except ValueError:
            continue  # visibly damaged frame
        readable += 1
        assert fid == i
    assert readable >= 0.8 * len(got)
    # Seeking into the damaged file works too.
    targets = [10, 50, 85]
    sparse = _decode_targets(corrupt_video.path, table, targets)
    assert [i for i, _, _ in sparse] == targets


# --------------------------------------------------------------------------------------------
# to_rgb
# --------------------------------------------------------------------------------------------


def test_to_rgb_rotated_is_upright(rotated_video):
    info, table = probe(rotated_video.path)
    [(i, frame)] = [(i, f) for i, f in iter_decoded(rotated_video.path, table, np.array([7]))]
    arr = to_rgb(frame, info)
    assert arr.shape == (info.height, info.width, 3) == (320, 240, 3)
    # The display matrix turns the stored picture 90 degrees counter-clockwise (what
    # frame.rotation == 90 means, and what ffmpeg's autorotate does): the red block at the
    # stored top-left ends up at the bottom-left, the id strip along the right edge.
    h, w = arr.shape[:2]
    bl = arr[h - 20 :, :20].reshape(-1, 3).mean(0)
    tl = arr[:20, :20].reshape(-1, 3).mean(0)
    assert bl[0] > 200 and bl[1] < 60 and bl[2] < 60, bl
    assert not (tl[0] > 200 and tl[1] < 60), tl
    # frame_id_from_pixels reads stored orientation; undoing the display rotation recovers the id.
    assert frame_id_from_pixels(arr, rotation=info.rotation) == 7
    assert np.abs(np.rot90(arr, k=-1).astype(int) - _rgb(frame).astype(int)).mean() < 2
    # Thumbnails: longer side bounded, still upright.
    small = to_rgb(frame, info, max_side=64)
    assert small.shape == (64, 48, 3)
    assert frame_id_from_pixels(small, rotation=info.rotation) == 7
    gray = to_rgb(frame, info, max_side=64, fmt="gray")
    assert gray.shape == (64, 48)


def test_to_rgb_sar_uses_display_width(sar_video):
    info, table = probe(sar_video.path)
    [(i, frame)] = [(i, f) for i, f in iter_decoded(sar_video.path, table, np.array([12]))]
    arr = to_rgb(frame, info)
    assert arr.shape == (240, info.width, 3)
    assert info.width == 466
    assert frame_id_from_pixels(arr) == 12
    small = to_rgb(frame, info, max_side=64)
    assert small.shape[1] == 64 and small.shape[0] == 32
    assert frame_id_from_pixels(small) == 12


# --------------------------------------------------------------------------------------------
# extract_candidates
# --------------------------------------------------------------------------------------------


def test_grid_candidates_cfr(cfr_video):
    info, table = probe(cfr_video.path)
    cands = extract_candidates(cfr_video.path, info, table, fps=1.0, events=False)
    assert len(cands) == 3
    assert set(cands.source.tolist()) == {"grid"}
    np.testing.assert_allclose(cands.time, [0.0, 1.0, 2.0], atol=1 / 30 + 1e-9)
    np.testing.assert_allclose(cands.time, table.time[cands.index])
    assert cands.thumbs.shape == (3, 48, 64, 3)
    assert [frame_id_from_pixels(t) for t in cands.thumbs] == cands.index.tolist()
    assert not cands.events_scanned and cands.events_found == 0


def test_grid_candidates_delayed_start(delayed_video):
    info, table = probe(delayed_video.path)
    cands = extract_candidates(delayed_video.path, info, table, fps=1.0, events=False)
    np.testing.assert_allclose(cands.time, [2.0, 3.0, 4.0], atol=1 / 30 + 1e-9)


def test_candidates_needle_video_events(needle_video):
    info, table = probe(needle_video.path)
    cands = extract_candidates(needle_video.path, info, table, fps=1.0, events=True)
    one_frame = 1.0 / needle_video.fps
    assert cands.events_scanned
    assert cands.frames_decoded == len(table) == needle_video.num_frames
    assert np.all(np.diff(cands.time) > 0)
    np.testing.assert_allclose(cands.time, table.time[cands.index])
    # The 1 fps grid is all there (some grid frames are labelled "event" when they are one).
    for k in range(int(needle_video.duration)):
        assert np.min(np.abs(cands.time - k)) <= one_frame + 1e-9, k
    grid = cands.source == "grid"
    assert np.all(np.abs(cands.time[grid] - np.round(cands.time[grid])) <= one_frame + 1e-9)

    ev = cands.source == "event"
    assert ev.any() and cands.events_found > 0
    by_kind = {n.kind: n for n in needle_video.needles}
    flash, text = by_kind["flash"], by_kind["text"]
    in_flash = ev & (cands.time >= flash.start) & (cands.time < flash.end) & (cands.change > 0)
    assert in_flash.any(), "the flash onset is not an event candidate"
    assert cands.transient[in_flash].all(), "the 3-frame flash is not marked transient"
    text_onset = ev & (np.abs(cands.time - text.start) <= one_frame + 1e-9) & (cands.change > 0)
    assert text_onset.any(), "the text needle onset is not an event candidate"
    # Only events have a change strength.
    assert np.all(cands.change[~ev] == 0)


def test_candidates_without_events_and_fps(needle_video):
    info, table = probe(needle_video.path)
    one = extract_candidates(needle_video.path, info, table, fps=1.0, events=False)
    two = extract_candidates(needle_video.path, info, table, fps=2.0, events=False)
    assert set(one.source.tolist()) == {"grid"} and set(two.source.tolist()) == {"grid"}
    assert not one.transient.any() and np.all(one.change == 0)
    assert len(one) == int(needle_video.duration)
    assert len(two) == 2 * len(one)
    assert set(one.index.tolist()) <= set(two.index.tolist())
    np.testing.assert_allclose(two.time, np.arange(len(two)) * 0.5, atol=1 / needle_video.fps + 1e-9)
    assert one.frames_decoded <= len(table)
    # Extra times (subtitle cues between grid points) become "subtitle" candidates.
    extra = extract_candidates(needle_video.path, info, table, fps=1.0, events=False, extra_times=[4.5])
    sub = extra.source == "subtitle"
    assert sub.sum() == 1 and extra.time[sub][0] == pytest.approx(4.5, abs=1 / needle_video.fps)
    with pytest.raises(ValueError):
        extract_candidates(needle_video.path, info, table, fps=0)


# --------------------------------------------------------------------------------------------
# subtitles
# --------------------------------------------------------------------------------------------


def _assert_cues(subs, cues):
    assert len(subs.lines) == len(cues)
    for line, (start, end, text) in zip(subs.lines, cues):
        assert line.start == pytest.approx(start, abs=2e-3)
        assert line.end == pytest.approx(end, abs=2e-3)
        assert line.text == text


def test_read_embedded(subs_video):
    info, _ = probe(subs_video.path)
    subs = read_embedded(subs_video.path, info.subtitle_streams[0].index)
    _assert_cues(subs, subs_video.info["cues"])
    assert subs.source == f"stream #{info.subtitle_streams[0].index}"


def test_load_subtitles_embedded_when_no_sidecar(subs_video):
    info, _ = probe(subs_video.path)
    subs = load_subtitles(subs_video.path, info)
    assert subs is not None and subs.source.startswith("stream #")
    _assert_cues(subs, subs_video.info["cues"])


def test_load_subtitles_prefers_sidecar(subs_video, tmp_path):
    video = tmp_path / "talk.mkv"
    shutil.copy(subs_video.path, video)
    sidecar_cues = [(0.5, 1.0, "Sidecar line one"), (2.0, 2.5, "Sidecar line two")]
    sidecar = write_srt(tmp_path / "talk.srt", sidecar_cues)
    info, _ = probe(video)
    assert len(info.subtitle_streams) == 1
    subs = load_subtitles(video, info)
    assert subs is not None
    assert Path(subs.source) == sidecar
    _assert_cues(subs, sidecar_cues)
    # An explicit file wins over both.
    explicit_cues = [(1.0, 2.0, "Explicit file")]
    explicit = write_srt(tmp_path / "other.srt", explicit_cues)
    _assert_cues(load_subtitles(video, info, explicit), explicit_cues)


def test_load_subtitles_needle_sidecar(needle_video):
    info, _ = probe(needle_video.path)
    subs = load_subtitles(needle_video.path, info)
    assert subs is not None and Path(subs.source) == needle_video.subtitles
    needle = next(n for n in needle_video.needles if n.kind == "subtitle")
    [line] = [ln for ln in subs.lines if ln.text == needle.content]
    assert line.start == pytest.approx(needle.start, abs=2e-3)
    assert line.end == pytest.approx(needle.end, abs=2e-3)


def test_load_subtitles_none(cfr_video):
    info, _ = probe(cfr_video.path)
    assert load_subtitles(cfr_video.path, info) is None
