"""The cheaper decode pass (issue 17) computes what the plain one did.

Each check compares against an independent reference: FFmpeg's own conversion through a fresh
``frame.reformat``, numpy's block means and medians, the same video decoded with the loop filter
on, and frames whose content (no detail at all / a line of text) is known by construction.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from _encode import _encode_frames
from framesift.bench.needle_video import _rate
from framesift.signals.ocr import OcrPool, _grey
from framesift.video import candidates as C
from framesift.video.decode import iter_decoded, reformat
from framesift.video.probe import probe


@pytest.fixture(scope="module")
def noisy_b_video(tmp_path_factory) -> Path:
    """Moving noise at a high crf with B-frames: deblocking has real work on every frame type."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (240, 336, 3), dtype=np.uint8)

    def frames():
        for k in range(48):
            img = np.roll(base, 3 * k, axis=1)[:, :320]
            yield np.ascontiguousarray(img), k

    path = tmp_path_factory.mktemp("bpass") / "noisy_b.mp4"
    _encode_frames(path, frames(), W=320, H=240, rate=_rate(24.0), gop=24, crf=38, bframes=3)
    return path


_KIND = {1: "I", 2: "P", 3: "B"}  # AVPictureType


def _decode(path: Path, fast: bool) -> list[tuple[int, str, np.ndarray]]:
    info, table = probe(path)
    return [
        (i, _KIND.get(int(f.pict_type), "?"), f.to_ndarray(format="rgb24").astype(np.float64))
        for i, f in iter_decoded(path, table, fast_b_frames=fast)
    ]


def test_fast_b_frames_keeps_i_and_p_frames_exact_and_b_frames_close(noisy_b_video):
    plain, fast = _decode(noisy_b_video, False), _decode(noisy_b_video, True)
    assert [(i, t) for i, t, _ in plain] == [(i, t) for i, t, _ in fast]
    kinds = {t for _, t, _ in plain}
    assert {"I", "P", "B"} <= kinds, kinds
    b_changed = 0
    for (_, kind, a), (_, _, b) in zip(plain, fast):
        if kind in ("I", "P"):
            # nothing is predicted from a B-frame here, so these decode exactly as before
            assert np.array_equal(a, b), kind
        else:
            mse = float(((a - b) ** 2).mean())
            b_changed += mse > 0
            assert mse == 0 or 10 * np.log10(255.0**2 / mse) > 30.0
    assert b_changed > 0  # the option reached the decoder: unfiltered B-frames differ


def test_reused_converter_matches_a_fresh_one(noisy_b_video):
    info, table = probe(noisy_b_video)
    for _, frame in iter_decoded(noisy_b_video, table, np.array([0, 5, 17, 30])):
        for w, h, fmt in ((64, 48, "rgb24"), (160, 120, "gray"), (320, 240, "bgr24"), (100, 76, "rgb24")):
            ref = frame.reformat(width=w, height=h, format=fmt, interpolation="AREA").to_ndarray()
            assert np.array_equal(reformat(frame, w, h, fmt), ref)


def test_block_means_match_numpy():
    rng = np.random.default_rng(5)
    for shape, grid in (((3, 36, 64), (4, 4)), ((1, 37, 66), (4, 4)), ((2, 90, 320), (3, 10))):
        g = rng.uniform(0, 255, shape).astype(np.float32)
        gh, gw = grid
        h, w = shape[1] - shape[1] % gh, shape[2] - shape[2] % gw
        ref = g[:, :h, :w].reshape(shape[0], gh, h // gh, gw, w // gw).mean(axis=(2, 4))
        np.testing.assert_allclose(C._blocks(g, grid), ref, rtol=1e-5, atol=1e-3)


def test_ocr_grey_is_numpys_channel_mean_bit_for_bit():
    # The pool's "same picture" thresholds were tuned on numpy's float32 channel mean; the fast
    # integer sum must give the very same values, white (the uint16 sum's largest) included.
    rng = np.random.default_rng(3)
    for img in (rng.integers(0, 256, (180, 320, 3), dtype=np.uint8), np.full((4, 5, 3), 255, np.uint8)):
        got = _grey(img)
        assert got.dtype == np.float32
        assert np.array_equal(got, img.mean(axis=2, dtype=np.float32))


def test_outlier_bar_matches_numpy_median():
    rng = np.random.default_rng(9)
    for n in (3, 4, 7, 30):
        vals = rng.gamma(2.0, 2.0, n)
        med = float(np.median(vals))
        mad = float(np.median(np.abs(vals - med))) * 1.4826
        want = max(1.0, med + 4.0 * max(mad, 0.5))
        assert C._history_threshold(deque(vals.tolist()), 1.0, 4.0, 0.5) == pytest.approx(want, rel=1e-9)
    assert C._history_threshold(deque([50.0, 60.0]), 6.0, 4.0, 0.5) == 6.0  # too few values: the floor


def _frame(img: np.ndarray) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")


def test_ocr_pool_does_not_screen_frames_without_any_detail(tmp_path):
    path = tmp_path / "one.mp4"
    _encode_frames(path, iter([(np.zeros((360, 640, 3), np.uint8), 0)]), W=640, H=360, rate=_rate(30.0))
    info, _ = probe(path)
    pool = OcrPool(info, 4, overlap=False)
    grey = np.full((360, 640, 3), 40, np.uint8)
    pool.offer(0, 0.0, _frame(grey), 0.0, "grid")  # plain: nothing for the detector
    assert (pool.screened, pool.skipped_plain) == (0, 1)
    text = Image.fromarray(np.full((360, 640, 3), 200, np.uint8))
    ImageDraw.Draw(text).text((40, 150), "Quarterly results: up 12%", fill=(0, 0, 0), font_size=40)
    pool.offer(1, 2.0, _frame(np.asarray(text)), 0.0, "grid")
    assert (pool.screened, pool.skipped_plain) == (1, 1)
    reads = pool.read()
    assert any("Quarterly" in r.text for r in reads)


def _slide(lines: list[tuple[int, str]], background: int = 200) -> np.ndarray:
    img = Image.fromarray(np.full((360, 640, 3), background, np.uint8))
    draw = ImageDraw.Draw(img)
    for y, words in lines:
        draw.text((40, y), words, fill=(0, 0, 0), font_size=40)
    return np.asarray(img)


def test_ocr_pool_screens_new_or_replaced_text_but_not_the_same_text_on_a_changed_picture(tmp_path):
    path = tmp_path / "one.mp4"
    _encode_frames(path, iter([(np.zeros((360, 640, 3), np.uint8), 0)]), W=640, H=360, rate=_rate(30.0))
    info, _ = probe(path)
    pool = OcrPool(info, 8, overlap=False)
    first = [(150, "Quarterly results: up 12%")]
    pool.offer(0, 0.0, _frame(_slide(first)), 0.0, "grid")
    assert (pool.screened, pool.skipped_same_text) == (1, 0)
    # the whole picture brightens (the "same picture" test sees a change), the text stays put
    pool.offer(1, 2.0, _frame(_slide(first, background=225)), 0.0, "grid")
    assert (pool.screened, pool.skipped_same_text) == (1, 1)
    # the same line with other figures, in place: no block gains edges, but they move
    pool.offer(2, 4.0, _frame(_slide([(150, "Quarterly results: up 47%")])), 0.0, "event")
    assert (pool.screened, pool.skipped_same_text) == (2, 1)
    # a line added below the first: its blocks gain edges
    pool.offer(3, 6.0, _frame(_slide([(150, "Quarterly results: up 47%"), (260, "Margins held at 9")])), 0.0, "grid")
    assert (pool.screened, pool.skipped_same_text) == (3, 1)
    text = " ".join(r.text for r in pool.read())
    assert "47" in text and "Margins" in text
