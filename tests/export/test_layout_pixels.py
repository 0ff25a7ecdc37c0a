"""The pixels of a plan: exact sizes, crops from the right place, storyboard times burned in."""

from __future__ import annotations

import numpy as np
from PIL import Image

from framesift._imaging import clock
from framesift.budget.layouts import LayoutSpec, Pick, plan_layout
from framesift.budget.plan import TokenBudget
from framesift.export.layouts import image_caption, plan_manifest, render_plan
from framesift.signals.ocr import read_text


def _frame(k: int, size=(1280, 720)) -> Image.Image:
    arr = np.full((size[1], size[0], 3), 40 + 20 * k, dtype=np.uint8)
    arr[300:340, 500:700] = 255  # a white block where the "text box" is
    return Image.fromarray(arr)


def test_every_image_has_its_planned_size_and_crops_show_their_box():
    native = (1280, 720)
    picks = [Pick(k, 2.0 * k, 0.5, ((500, 300, 700, 340),)) for k in range(4)]
    plan = plan_layout(TokenBudget.of(2000, "qwen2.5-vl", native), picks, LayoutSpec(plan="slowfast", crops="auto"))
    full = {p.index: _frame(p.index) for p in picks}
    out = render_plan(plan, full)
    assert [o.image.size for o in out] == [im.size for im in plan.images]
    crops = [o for o in out if o.planned.kind == "crop"]
    assert crops
    for c in crops:
        # the box (padded by a few px) is mostly the white block
        assert np.asarray(c.image).mean() > 180
    m = plan_manifest(plan)
    assert m["tokens_spent"] == plan.tokens <= 2000
    assert [i["times"] for i in m["images"]] == [list(im.times) for im in plan.images]
    assert all("box" in i for i in m["images"] if i["kind"] == "crop")


def test_storyboard_cells_show_their_true_times():
    native = (1280, 720)
    times = [3.25, 61.5, 125.75, 3599.0]
    picks = [Pick(k, t) for k, t in enumerate(times)]
    plan = plan_layout(TokenBudget.of(8000, "qwen2.5-vl", native), picks, LayoutSpec(grid=(2, 2)))
    (grid,) = plan.images
    (pim,) = render_plan(plan, {k: _frame(k) for k in range(4)})
    W, H = pim.image.size
    cw, ch = W // 2, H // 2
    for k, t in enumerate(times):
        r, c = divmod(k, 2)
        # Read the cell's top-left corner with the real OCR engine: the label is the frame's time.
        corner = np.asarray(pim.image.crop((c * cw, r * ch, c * cw + cw // 2, r * ch + ch // 4)))
        read = read_text(corner)
        assert read is not None, f"no label read in cell {k}"
        assert clock(t) in "".join(read.lines).replace(" ", ""), (read.lines, clock(t))
    assert all(clock(t) in image_caption(grid) for t in times)
