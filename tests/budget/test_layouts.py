"""Slow-fast plans, crops and storyboards under a token budget: exact counts, never over budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framesift.budget.families import get_family
from framesift.budget.layouts import LayoutSpec, Pick, image_size, image_tokens, plan_layout
from framesift.budget.plan import TokenBudget
from framesift.errors import InputError


def test_image_tokens_follow_the_qwen_processor_arithmetic():
    # Worked by hand from qwen-vl-utils' smart_resize (factor 28 for Qwen2.5-VL, 32 for Qwen3-VL):
    # 1920x1080 -> round(1080/28)=39, round(1920/28)=69 units -> 1092x1932, 39*69 = 2691 tokens;
    # Qwen3-VL: round(1080/32)=34 (33.75), 1920/32=60 -> 34*60 = 2040 tokens.
    assert image_tokens(get_family("qwen2.5-vl"), (1920, 1080)) == 2691
    assert image_tokens(get_family("qwen3-vl"), (1920, 1080)) == 2040
    # A 300x40 crop: 300/28=10.7 -> 11 units, 40/28=1.43 -> 1 unit: 11 tokens (>= the 4-token floor).
    assert image_tokens(get_family("qwen2.5-vl"), (300, 40)) == 11
    # Per-image billing: a fixed family charges one frame's tokens whatever the size.
    assert image_tokens(get_family("generic:85"), (4000, 3000)) == 85


def test_image_size_is_a_fixed_point_of_the_processor_and_fits():
    fam = get_family("qwen2.5-vl")
    for cap in (8, 50, 500, 2000, 9000):
        size = image_size(fam, 3840, 2160, cap)
        assert size is not None
        assert size[0] % 28 == 0 and size[1] % 28 == 0
        assert image_tokens(fam, size) <= cap
    assert image_size(fam, 3840, 2160, 3) is None  # below the processor's 4-token floor


def test_parse_checks_every_option_once():
    assert LayoutSpec.parse("slowfast", "grid:2x3", "auto") == LayoutSpec(plan="slowfast", grid=(2, 3), crops="auto")
    assert LayoutSpec.parse().to_dict() == {"plan": "whole", "layout": "frames", "crops": "off"}
    for bad in [
        dict(plan="fast"),
        dict(crops="on"),
        dict(layout="grid:1x1"),
        dict(layout="grid:2"),
        dict(layout="9x9"),
    ]:
        with pytest.raises(InputError) as e:
            LayoutSpec.parse(**bad)
        assert e.value.param in bad


def _picks(n, native, boxes_every=2):
    W, H = native
    return [
        Pick(
            10 * k,
            1.5 * k,
            relevance=k % 3 / 3,
            boxes=((W // 4, H // 2, W // 4 + 300, H // 2 + 24),) if k % boxes_every == 0 else (),
        )
        for k in range(n)
    ]


def test_crops_lie_inside_their_frame_and_keep_its_time():
    native = (1920, 1080)
    picks = _picks(8, native)
    plan = plan_layout(TokenBudget.of(2000, "qwen2.5-vl", native), picks, LayoutSpec(crops="auto"))
    crops = [im for im in plan.images if im.kind == "crop"]
    assert crops, "matched text boxes should be cropped"
    by_index = {p.index: p for p in picks}
    for c in crops:
        x0, y0, x1, y1 = c.box
        assert 0 <= x0 < x1 <= 1920 and 0 <= y0 < y1 <= 1080
        assert c.times == (by_index[c.indices[0]].time,)
        # the crop is sent sharper than the whole frame would show that region
        frame_w = plan.frames[0].size[0]
        assert c.size[0] / (x1 - x0) > frame_w / 1920


def test_slowfast_keeps_the_most_relevant_frames_sharp():
    native = (1920, 1080)
    picks = [Pick(k, float(k), relevance=1.0 if k in (3, 6) else 0.1) for k in range(8)]
    plan = plan_layout(TokenBudget.of(8000, "qwen3-vl", native), picks, LayoutSpec(plan="slowfast"))
    slow = [im for im in plan.images if im.role == "slow"]
    fast = [im for im in plan.images if im.role == "fast"]
    assert sorted(im.indices[0] for im in slow) == [3, 6]
    assert len(fast) == 6 and fast[0].size[0] < slow[0].size[0]
    # sharp frames are stills sent as images, sharper than the family's default video frame
    assert all(im.kind == "still" for im in slow)
    assert slow[0].size[0] > TokenBudget.of(8000, "qwen3-vl", native).size(1.0)[0]


def test_storyboard_cells_in_time_order():
    native = (1280, 720)
    picks = _picks(8, native)
    plan = plan_layout(TokenBudget.of(2000, "qwen2.5-vl", native), picks, LayoutSpec(grid=(2, 2)))
    grids = [im for im in plan.images if im.kind == "grid"]
    assert len(grids) == 2 and all(len(g.times) == 4 for g in grids)
    times = [t for g in grids for t in g.times]
    assert times == sorted(p.time for p in picks)


def _independent_cost(family_name, plan):
    # Recount from scratch: frames grouped by size (one video each, pairs rounded up for Qwen),
    # every other image on its own.
    fam = get_family(family_name)
    frames: dict[tuple[int, int], int] = {}
    total = 0
    for im in plan.images:
        if im.kind == "frame":
            frames[im.size] = frames.get(im.size, 0) + 1
        else:
            total += image_tokens(fam, im.size)
    if hasattr(fam, "factor"):
        total += sum(-(-n // 2) * (w // fam.factor) * (h // fam.factor) for (w, h), n in frames.items())
    else:
        total += fam.count([s for s, n in frames.items() for _ in range(n)])
    return total


@settings(max_examples=150, deadline=None)
@given(
    family=st.sampled_from(["qwen2.5-vl", "qwen3-vl", "internvl", "llava-onevision", "generic:120"]),
    limit=st.integers(1, 40000),
    native=st.sampled_from([(640, 360), (1920, 1080), (3840, 2160), (1080, 1920), (720, 720)]),
    n=st.integers(1, 24),
    plan=st.sampled_from(["whole", "slowfast"]),
    grid=st.sampled_from([None, (2, 2), (1, 3), (3, 2)]),
    crops=st.sampled_from(["off", "auto"]),
    seed=st.integers(0, 10_000),
)
def test_no_plan_exceeds_its_budget(family, limit, native, n, plan, grid, crops, seed):
    import random

    rng = random.Random(seed)
    W, H = native
    picks = []
    for k in range(n):
        boxes = []
        for _ in range(rng.randint(0, 3)):
            x0, y0 = rng.randrange(0, W - 4), rng.randrange(0, H - 4)
            boxes.append((x0, y0, rng.randrange(x0 + 2, W + 1), rng.randrange(y0 + 2, H + 1)))
        picks.append(Pick(k * 7, k * 0.5, rng.random(), tuple(boxes)))
    tb = TokenBudget.of(limit, family, native)
    vp = plan_layout(tb, picks, LayoutSpec(plan=plan, grid=grid, crops=crops))
    assert vp.tokens <= limit
    assert vp.tokens == _independent_cost(family, vp)
    known = {p.index: p.time for p in picks}
    for im in vp.images:
        assert all(known[i] == t for i, t in zip(im.indices, im.times))
        if im.box is not None:
            x0, y0, x1, y1 = im.box
            assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
