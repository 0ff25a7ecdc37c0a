"""Short small captions on an HD screen recording are screened, kept and read (issue 18).

Real H.264 clips (tests/_encode.py), the real candidate scan and real PP-OCR. The captions are
16 px high on 1920x1080 and on screen for under a second *between* two 1 fps grid samples, over
a slide whose big text stays put: the case a grid-only screening and a whole-frame change test
miss.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from _encode import encode_rgb
from framesift.bench.render import _font
from framesift.scoring.text_relevance import respace
from framesift.signals.ocr import OcrPool, _line_weight
from framesift.video.candidates import extract_candidates
from framesift.video.probe import probe

FPS = 12.0
# (first frame, last frame, text, x, y): 3.25-3.92 s and 6.08-6.75 s, no grid sample inside
CAPTIONS = [
    (39, 47, "Gate 7 closes at 9:40", 1180, 760),
    (73, 81, "Sample 17 tested positive", 260, 600),
]


def _slide(caption: tuple[str, int, int] | None) -> np.ndarray:
    img = Image.new("RGB", (1920, 1080), (236, 240, 244))
    d = ImageDraw.Draw(img)
    d.text((120, 80), "Quarterly results", font=_font(72), fill=(20, 30, 60))
    for k, line in enumerate(("Revenue grew in every region", "Costs held flat", "Hiring resumes")):
        d.text((160, 260 + 90 * k), line, font=_font(44), fill=(40, 40, 40))
    if caption is not None:
        text, x, y = caption
        d.text((x, y), text, font=_font(16), fill=(10, 10, 10))
    return np.asarray(img)


@pytest.fixture(scope="module")
def hd_clip(tmp_path_factory):
    plain = _slide(None)
    shown = {k: _slide((t, x, y)) for k, (_a, _b, t, x, y) in enumerate(CAPTIONS)}

    def frames():
        for i in range(108):  # 9 s
            cap = next((k for k, (a, b, *_r) in enumerate(CAPTIONS) if a <= i <= b), None)
            yield plain if cap is None else shown[cap]

    path = encode_rgb(tmp_path_factory.mktemp("hd") / "slides_1080p.mp4", frames(), fps=FPS, gop=48)
    return path


def _span(k: int) -> tuple[float, float]:
    a, b = CAPTIONS[k][:2]
    return (a - 0.5) / FPS, (b + 0.5) / FPS


def test_short_small_captions_become_candidates_with_their_region(hd_clip):
    info, table = probe(hd_clip)
    cands = extract_candidates(hd_clip, info, table)
    for k, (_a, _b, text, x, y) in enumerate(CAPTIONS):
        lo, hi = _span(k)
        inside = [p for p in range(len(cands)) if lo <= cands.time[p] < hi]
        assert inside, f"no candidate while {text!r} is on screen"
        regions = [cands.region_of(p) for p in inside if cands.region_of(p) is not None]
        assert regions, "the text candidate records where the text appeared"
        x0, y0, x1, y1 = regions[0]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
        # the caption's first glyphs lie inside the region, and the region is local, not the frame
        assert x0 <= (x + 8) / 1920 <= x1 and y0 <= (y + 8) / 1080 <= y1
        assert (x1 - x0) * (y1 - y0) < 0.1
    assert cands.text_events >= 2
    # without the pre-pass only the grid samples the slide (the event scan does not see 16 px text)
    plain = extract_candidates(hd_clip, info, table, text_scan=False)
    for k in range(len(CAPTIONS)):
        lo, hi = _span(k)
        assert not any(lo <= t < hi for t in plain.time)


def test_the_pool_screens_and_reads_them_over_a_static_slide(hd_clip):
    info, table = probe(hd_clip)
    pool = OcrPool(info, max_frames=4)
    extract_candidates(hd_clip, info, table, taps=[pool])
    reads = pool.read()
    for k, (_a, _b, text, *_xy) in enumerate(CAPTIONS):
        lo, hi = _span(k)
        got = [r for r in reads if lo <= r.time < hi]
        assert got, f"{text!r} was not kept for reading"
        flat = " ".join(got[0].lines).replace(" ", "").lower()
        assert text.replace(" ", "").lower()[:12] in flat


def test_a_line_of_words_outweighs_a_round_blob():
    line = np.array([0.10, 0.50, 0.30, 0.52])  # 384 x 22 px on 1920x1080: ~17 heights long
    blob = np.array([0.10, 0.50, 0.112, 0.52])  # 23 x 22 px: a circle or one glyph
    assert _line_weight(line, 1920, 1080) == 1.0
    assert _line_weight(blob, 1920, 1080) < 0.3  # below the pool's default min_priority


def test_respace_splits_merged_ocr_words_for_the_embedder():
    assert respace("Sector12hasbeenevacuated") == "Sector 12 has been evacuated"
    assert respace("Sheltercapacity:120beds") == "Shelter capacity: 120 beds"
    assert respace("Waterboilshere at 94°C") == "Water boils here at 94°C"
    # already spaced text and single long words are left alone
    assert respace("Experimental setup") == "Experimental setup"
    assert respace("international responsibility") == "international responsibility"
