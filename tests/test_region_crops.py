"""crops=auto beyond OCR text: the changed region of a momentary event, and prompt-guided patches.

A real encoded clip with a coloured square flashing in one corner (no text anywhere): the event
candidate records where the picture changed, the crop is cut there, its box lies inside the
frame and its time is the frame's time, and the manifest says so. The visual RoI is checked for
its mechanics only, on a tiny *random* SigLIP / CLIP (no real weights here, so whether the
patches it picks are the right ones is unmeasurable in this environment).
"""

from __future__ import annotations

import numpy as np
import pytest

from _encode import encode_rgb
from framesift import api
from framesift.budget.layouts import LayoutSpec, Pick, plan_layout
from framesift.budget.plan import TokenBudget
from framesift.export.layouts import plan_manifest
from framesift.planning import crop_boxes
from framesift.regions import visual_roi_box

W, H, FPS = 640, 360, 12.0
SQUARE = (470, 40, 560, 130)  # x0, y0, x1, y1: top right
FLASH = range(50, 53)  # frames 50-52 (4.17-4.33 s)


@pytest.fixture(scope="module")
def flash_clip(tmp_path_factory):
    rng = np.random.default_rng(5)
    base = np.full((H, W, 3), (90, 110, 130), np.uint8)
    base += rng.integers(0, 6, base.shape, dtype=np.uint8)  # a little texture, as video has

    def frames():
        for i in range(96):
            if i in FLASH:
                f = base.copy()
                f[SQUARE[1] : SQUARE[3], SQUARE[0] : SQUARE[2]] = (250, 40, 200)
                yield f
            else:
                yield base

    return encode_rgb(tmp_path_factory.mktemp("flash") / "flash.mp4", frames(), fps=FPS)


def test_an_event_crop_is_cut_where_the_picture_changed(flash_clip):
    an = api.analyze(flash_clip)
    cands = an.candidates
    lo, hi = (FLASH.start - 0.5) / FPS, (FLASH.stop - 0.5) / FPS
    ev = [p for p in range(len(cands)) if lo <= cands.time[p] < hi and cands.source[p] == "event"]
    assert ev, "the flash is an event candidate"
    pos = ev[0]
    frame = api.SelectedFrame(int(cands.index[pos]), float(cands.time[pos]), "event", "pick", {}, "", 0, 0)
    boxes, kinds = crop_boxes(an, "what appeared in the corner?", frame, (W, H))
    assert kinds == ("event",)
    (x0, y0, x1, y1) = boxes[0]
    assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
    cx, cy = (SQUARE[0] + SQUARE[2]) / 2, (SQUARE[1] + SQUARE[3]) / 2
    assert x0 <= cx <= x1 and y0 <= cy <= y1  # the square is inside the crop
    assert (x1 - x0) * (y1 - y0) <= 0.5 * W * H  # a region, not the frame
    # planned as a crop with the frame's time and the box, and listed so in the manifest
    tb = TokenBudget.of(2000, "qwen2.5-vl", (W, H))
    plan = plan_layout(tb, [Pick(frame.index, frame.time, 1.0, boxes, kinds)], LayoutSpec(crops="auto"))
    assert plan.tokens <= 2000
    (crop,) = [im for im in plan.images if im.kind == "crop"]
    assert crop.times == (frame.time,) and crop.indices == (frame.index,)
    assert crop.box is not None and 0 <= crop.box[0] < crop.box[2] <= W and 0 <= crop.box[1] < crop.box[3] <= H
    entry = next(e for e in plan_manifest(plan)["images"] if e["kind"] == "crop")
    assert entry["region_from"] == "event" and entry["times"] == [round(frame.time, 6)]


def test_a_grid_frame_has_no_event_region(flash_clip):
    an = api.analyze(flash_clip)
    cands = an.candidates
    pos = next(p for p in range(len(cands)) if cands.source[p] == "grid" and cands.time[p] > 6)
    assert cands.region_of(pos) is None


@pytest.mark.parametrize("arch", ["siglip", "clip"])
def test_patch_embeddings_and_the_prompt_guided_window(tiny_models, arch):
    from framesift.signals.embedders import load_embedder

    emb = load_embedder(str(tiny_models[arch]))
    img = np.zeros((90, 160, 3), np.uint8)
    img[:, 80:] = 255
    patches = emb.patch_embeddings([img])
    n, g, g2, d = patches.shape
    assert n == 1 and g == g2 and g >= 2 and d == emb.encode_texts(["x"]).shape[1]
    assert np.allclose(np.linalg.norm(patches, axis=-1), 1.0, atol=1e-4)
    # the window is the one whose patches are most similar to the question (brute force here)
    q = emb.encode_texts(["the white half of the picture"])[0]
    sim = patches[0] @ q
    k = 2
    best = max((sim[r : r + k, c : c + k].sum(), r, c) for r in range(g - k + 1) for c in range(g - k + 1))
    _, r, c = best
    box = visual_roi_box(patches[0], q, (1920, 1080), frac=k / g)
    assert box == (
        int(c * 1920 / g),
        int(r * 1080 / g),
        int(np.ceil((c + k) * 1920 / g)),
        int(np.ceil((r + k) * 1080 / g)),
    )


def test_visual_window_is_where_similarity_peaks():
    g, d = 6, 4
    patches = np.zeros((g, g, d), np.float32)
    patches[..., 0] = 1.0
    patches[1:3, 3:5] = np.array([0, 1, 0, 0], np.float32)  # the question's region
    box = visual_roi_box(patches, np.array([0, 1, 0, 0], np.float32), (600, 600), frac=1 / 3)
    assert box == (300, 100, 500, 300)


def test_the_region_survives_the_index(flash_clip, tmp_path):
    import json

    from framesift.index.serialize import load_analysis, write_analysis

    an = api.analyze(flash_clip)
    folder = tmp_path / "entry"
    folder.mkdir()
    write_analysis(an, folder, {})
    back = load_analysis(folder, json.loads((folder / "meta.json").read_text()), str(flash_clip))
    assert back.candidates.region is not None
    assert np.array_equal(np.isnan(back.candidates.region), np.isnan(an.candidates.region))
    ok = ~np.isnan(an.candidates.region)
    assert ok.any() and np.allclose(back.candidates.region[ok], an.candidates.region[ok])
    assert back.candidates.text_events == an.candidates.text_events
