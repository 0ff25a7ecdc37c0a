"""How small can a line be and PP-OCR still read it? (the floor of bench_small_text's legibility proxy)

A 1080p frame with one caption at 16, 20 and 28 px (font size) is shrunk to the widths a plan
sends it at: 840 px (8 whole frames in 2,000 Qwen2.5-VL tokens, as a video: frames are paired
into temporal patches, so each costs half), 580 px (the same frames as 8 separate images) and
420 px; PP-OCR reads each (no timing: a yes/no table).

    python benchmarks/bench_ocr_floor.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from framesift.bench.render import _font
from framesift.signals.ocr import read_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import publish  # noqa: E402

TEXT = "Library opens at 8:30"


def main() -> int:
    rows = [
        "| font px | glyph height at 1080p | sent width | glyph height sent | PP-OCR reads |",
        "|---|---|---|---|---|",
    ]
    for px in (16, 20, 28):
        img = Image.new("RGB", (1920, 1080), (30, 60, 90))
        d = ImageDraw.Draw(img)
        d.rectangle((700, 500, 1300, 500 + 2 * px), fill=(250, 250, 250))
        d.text((720, 500 + px // 2), TEXT, font=_font(px), fill=(10, 10, 10))
        bb = d.textbbox((720, 500 + px // 2), TEXT, font=_font(px))
        gh = bb[3] - bb[1]
        for w in (840, 580, 420):
            small = img.resize((w, round(1080 * w / 1920)), Image.Resampling.BICUBIC)
            r = read_text(np.asarray(small))
            ok = r is not None and "".join(r.lines).replace(" ", "").lower() == TEXT.replace(" ", "").lower()
            rows.append(f"| {px} | {gh} | {w} | {gh * w / 1920:.1f} | {'yes' if ok else 'no'} |")
    publish("bench_ocr_floor.md", "PP-OCR's floor on shrunk 1080p captions", "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
