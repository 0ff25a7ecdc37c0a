"""Resolution-aware OCR screening: small text on an HD frame survives screening (real PP-OCR)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from PIL import Image, ImageDraw

from framesift.bench.render import _font
from framesift.signals.ocr import detect_text_boxes, read_side, read_text, screen_side


def _info(w, h):
    return SimpleNamespace(width=w, height=h)


def test_sizes_follow_the_source_and_leave_small_videos_alone():
    assert screen_side(_info(640, 360)) == 320 and read_side(_info(640, 360)) == 960  # as before
    assert screen_side(_info(1920, 1080)) == 960  # 16 px text -> 8 px at the detector
    assert read_side(_info(1920, 1080)) == 1216  # 16 px -> 10 px for the recogniser
    assert screen_side(_info(3840, 2160)) == 1920
    assert read_side(_info(3840, 2160)) == 2400  # 3840 * 10 / 16, a multiple of 32
    assert screen_side(_info(1080, 1920)) == 960  # portrait: the longer side counts
    assert screen_side(_info(1920, 1080), min_text_px=32) == 480


def _hd_frame_with_text(text: str, px: int) -> np.ndarray:
    img = Image.new("RGB", (1920, 1080), (30, 60, 90))
    d = ImageDraw.Draw(img)
    d.rectangle((700, 500, 1300, 500 + 2 * px), fill=(250, 250, 250))
    d.text((720, 500 + px // 2), text, font=_font(px), fill=(10, 10, 10))
    return np.asarray(img)


def _shrink(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    return np.asarray(Image.fromarray(rgb).resize((round(w * s), round(h * s)), Image.Resampling.BOX))


def test_18px_text_on_1080p_is_found_at_the_adaptive_size_not_at_320():
    rgb = _hd_frame_with_text("Locker combination 3-19-27", 18)
    in_band = lambda bs: [b for b in bs if 0.44 < (b[1] + b[3]) / 2 < 0.50]  # noqa: E731
    assert not in_band(detect_text_boxes(_shrink(rgb, 320)))
    assert in_band(detect_text_boxes(_shrink(rgb, screen_side(_info(1920, 1080)))))


def test_reading_at_the_adaptive_size_recovers_the_text_and_its_box():
    rgb = _shrink(_hd_frame_with_text("Locker combination 3-19-27", 18), read_side(_info(1920, 1080)))
    read = read_text(rgb)
    assert read is not None
    joined = " ".join(read.lines).replace(" ", "")
    assert "3-19-27" in joined
    (box,) = [b for line, b in zip(read.lines, read.boxes) if "3-19-27" in line.replace(" ", "")]
    # the line's box is where it was drawn (x 720.., y ~509..527 of 1920x1080)
    assert 0.36 < box[0] < 0.40 and 0.45 < box[1] < 0.48 and box[3] < 0.5
