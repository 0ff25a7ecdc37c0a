"""The odd fixture videos (tests/_odd_videos.py) say what they contain: checked against what PyAV
decodes from the files, not against the generator's own bookkeeping."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

import _odd_videos
from _odd_videos import frame_id_from_pixels
from _read_back import subtitle_cues as _cues


def _decode_tolerant(path) -> tuple[list[np.ndarray], int]:
    """Decode packet by packet, counting the packets the decoder rejects instead of stopping."""
    frames, errors = [], 0
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        try:
            for packet in c.demux(stream):
                try:
                    frames += [f.to_ndarray(format="rgb24") for f in packet.decode()]
                except av.error.FFmpegError:
                    errors += 1
        except av.error.FFmpegError:  # demuxing a cut file can fail at the cut
            errors += 1
    return frames, errors


# ------------------------------------------------------------------ odd fixture videos


def test_cfr_frame_ids_decode(cfr_video):
    with av.open(str(cfr_video.path)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == cfr_video.info["num_frames"] == 90
    for i in (0, 1, 2, 17, 44, 63, 89):
        assert frame_id_from_pixels(frames[i].to_ndarray(format="rgb24")) == i
        # Thumbnails keep the code readable.
        thumb = frames[i].reformat(width=80, height=60, format="rgb24").to_ndarray()
        assert frame_id_from_pixels(thumb) == i
        assert frames[i].time == pytest.approx(i / 30, abs=1e-3)
    # Neighbouring frames have different colours, not just different codes.
    a, b = frames[10].to_ndarray(format="rgb24"), frames[11].to_ndarray(format="rgb24")
    assert np.abs(a[5:20, 5:20].astype(int) - b[5:20, 5:20].astype(int)).mean() > 20


def test_frame_id_rejects_frames_without_a_code():
    with pytest.raises(ValueError):
        frame_id_from_pixels(np.zeros((240, 320, 3), np.uint8))
    with pytest.raises(ValueError):
        frame_id_from_pixels(np.full((240, 320, 3), 255, np.uint8))  # parity fails on all-ones


def test_vfr_has_irregular_pts(vfr_video):
    with av.open(str(vfr_video.path)) as c:
        stream = c.streams.video[0]
        assert stream.time_base == Fraction(1, 90000)
        frames = list(c.decode(stream))
    pts = [f.pts for f in frames]
    gaps = set(np.diff(pts).tolist())
    assert gaps == {3000, 6000}
    ids = [frame_id_from_pixels(f.to_ndarray(format="rgb24")) for f in frames]
    assert ids == vfr_video.info["ids"]
    assert [f.time for f in frames] == pytest.approx(vfr_video.info["times"], abs=1e-6)


def test_rotated_has_display_rotation(rotated_video):
    with av.open(str(rotated_video.path)) as c:
        frame = next(iter(c.decode(video=0)))
    assert frame.rotation != 0 and frame.rotation == rotated_video.info["rotation"] == 90
    rgb = frame.to_ndarray(format="rgb24")
    assert rgb.shape == (240, 320, 3)  # stored, not rotated
    r, g, b = rgb[10:30, 10:30].reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 60 and b < 60
    upright = np.rot90(rgb, k=1)  # rotation is counter-clockwise
    assert frame_id_from_pixels(upright, rotation=90) == 0


def test_sar_is_non_square(sar_video):
    with av.open(str(sar_video.path)) as c:
        stream = c.streams.video[0]
        assert stream.sample_aspect_ratio == Fraction(16, 11)
        assert stream.codec_context.sample_aspect_ratio == Fraction(16, 11)
        frame = next(iter(c.decode(stream)))
    assert (frame.width, frame.height) == (320, 240)
    assert sar_video.info["display_width"] == 465


def test_delayed_starts_at_two_seconds(delayed_video):
    with av.open(str(delayed_video.path)) as c:
        frames = list(c.decode(video=0))
    assert frames[0].time == pytest.approx(2.0, abs=1e-3)
    assert frame_id_from_pixels(frames[0].to_ndarray(format="rgb24")) == 0
    assert len(frames) == delayed_video.info["num_frames"]


def test_truncated_decodes_its_head_only(truncated_video):
    size = truncated_video.path.stat().st_size
    assert size == truncated_video.info["kept_size"] < truncated_video.info["full_size"]
    frames, _ = _decode_tolerant(truncated_video.path)
    assert 10 <= len(frames) < truncated_video.info["num_frames"]
    assert [frame_id_from_pixels(f) for f in frames[:10]] == list(range(10))


def test_corrupt_still_decodes_most_frames(corrupt_video):
    frames, _ = _decode_tolerant(corrupt_video.path)
    assert len(frames) >= 0.8 * corrupt_video.info["num_frames"]
    assert corrupt_video.info["corrupted_packets"]
    clean = [_odd_videos._id_frame(i, 320, 240) for i in range(len(frames))]
    damage = [np.abs(f.astype(int) - g.astype(int)).mean() for f, g in zip(frames, clean)]
    assert max(damage) > 8  # the garbage really damaged some frames


def test_audio_only_has_no_video(audio_only_file):
    with av.open(str(audio_only_file.path)) as c:
        assert not c.streams.video and len(c.streams.audio) == 1


@pytest.mark.parametrize("fixture", ["empty_file", "not_video_file"])
def test_non_videos_fail_to_open(fixture, request):
    ov = request.getfixturevalue(fixture)
    assert ov.path.suffix == ".mp4"
    with pytest.raises(av.error.FFmpegError):
        av.open(str(ov.path))


def test_embedded_subtitles_read_back(subs_video):
    with av.open(str(subs_video.path)) as c:
        assert len(c.streams.video) == 1 and len(c.streams.subtitles) == 1
    got = _cues(subs_video.path)
    want = subs_video.info["cues"]
    assert [g[2] for g in got] == [w[2] for w in want]
    for g, w in zip(got, want):
        assert g[0] == pytest.approx(w[0], abs=2e-3) and g[1] == pytest.approx(w[1], abs=2e-3)
