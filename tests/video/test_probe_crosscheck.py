"""Probe's timestamp cross-check: packet times against each other and against the container and
stream headers (issue 12: damaged ``moov`` tables gave start times of -132,435 s and durations
of days)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from framesift.video.probe import _cross_check, probe

TB = Fraction(1, 15360)


def _arrays(pts):
    pts = np.asarray(pts, dtype=np.int64)
    return pts, pts * float(TB), np.ones(len(pts), bool), np.ones(len(pts), np.int64)


def test_packets_far_from_all_others_are_dropped_with_a_warning():
    pts = np.concatenate([[-2_034_201_600], np.arange(90) * 512, [90 * 512 + 15360 * 86400]])
    warnings: list[str] = []
    p, t, k, s = _cross_check(*_arrays(pts), TB, (3.0, 3.0), warnings)
    assert len(p) == 90 and t[0] == 0.0 and abs(t[-1] - 89 / 30) < 1e-9
    assert len(k) == len(s) == 90
    assert warnings == ["2 packets carry timestamps far from the others (damaged index?) and were ignored"]


def test_timeline_that_disagrees_with_both_headers_is_scaled_to_them():
    pts = np.arange(61) * 15360  # every frame 1 s apart: a 61 s timeline in a file whose headers say 3 s
    warnings: list[str] = []
    p, t, _, _ = _cross_check(*_arrays(pts), TB, (3.0, 3.0), warnings)
    assert np.array_equal(p, pts)  # pts stay as stored: decoded frames are matched by them
    assert abs((t[-1] - t[0]) * 61 / 60 - 3.0) < 1e-6 and np.all(np.diff(t) > 0)
    assert "frame times were scaled to fit" in warnings[0]


def test_honest_timelines_are_left_alone():
    for headers in [(3.0, 3.0), (None, None), (3.0, None), (60.0, 3.0)]:  # agreeing, absent, one, disagreeing
        warnings: list[str] = []
        pts = np.arange(90) * 512
        p, t, _, _ = _cross_check(*_arrays(pts), TB, headers, warnings)
        assert np.array_equal(p, pts) and np.allclose(t, pts * float(TB)) and warnings == []
    # A long gap of a few frames (a paused recording) is not damage.
    pts = np.concatenate([np.arange(30) * 512, 30 * 512 + 15360 * 5 + np.arange(30) * 512])
    warnings = []
    p, _, _, _ = _cross_check(*_arrays(pts), TB, (None, None), warnings)
    assert len(p) == 60 and warnings == []


def test_damaged_stts_in_a_real_mp4(odd_video, tmp_path):
    """The cfr fixture with its ``stts`` sample delta multiplied by 30 (1 s per frame)."""
    data = bytearray(odd_video("cfr").path.read_bytes())
    at = data.index(b"stts")
    # stts: size, 'stts', version+flags, entry count, then (sample count, sample delta) pairs
    entries = int.from_bytes(data[at + 8 : at + 12], "big")
    assert entries >= 1
    for e in range(entries):
        off = at + 12 + 8 * e + 4
        delta = int.from_bytes(data[off : off + 4], "big")
        data[off : off + 4] = (delta * 30).to_bytes(4, "big")
    bad = tmp_path / "stts.mp4"
    bad.write_bytes(bytes(data))
    info, table = probe(bad)
    assert info.num_frames > 30  # FFmpeg keeps 61 of the 90 packets of this damaged table
    assert 2.5 < info.duration < 3.5, info.duration  # the headers' 3 s, not 90 s
    assert any("scaled to fit" in w for w in info.warnings), info.warnings
    assert np.all(np.diff(table.time) > 0)
