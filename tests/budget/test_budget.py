"""Token counts per model family, checked against the real processors' arithmetic.

No hub and no torchvision here, so: the Qwen per-frame sizes are compared with qwen-vl-utils'
own ``smart_resize`` (the module imports torchvision at top level for its decoders, which we never
call: a stub module stands in for that import only) and with transformers' Qwen2-VL
``smart_resize``; token counts with transformers' Qwen2-VL image processor (PIL backend) and
Qwen3-VL video processor run on real pixel arrays; InternVL tiles with the GotOcr2 image processor
InternVL uses; LLaVA-OneVision with its processor's own video-token expansion.
"""

from __future__ import annotations

import importlib
import math
import sys
import types
import warnings

import numpy as np
import pytest

from framesift.budget import (
    TokenBudget,
    allocate_levels,
    count_tokens,
    frames_for_tokens,
    get_family,
    internvl_tiles,
    plan_frames,
    qwen_smart_resize,
)
from framesift.errors import InputError

SIZES = [
    (360, 640),
    (720, 1280),
    (1080, 1920),
    (240, 320),
    (1920, 1080),
    (480, 854),
    (100, 2000),
    (57, 33),
    (2160, 3840),
    (600, 600),
    (371, 533),
]


@pytest.fixture(scope="module")
def qvu():
    """qwen_vl_utils.vision_process with a stand-in for the torchvision import it does not need here."""
    saved = {k: sys.modules.get(k) for k in ("torchvision", "torchvision.io", "torchvision.transforms")}
    stub = types.ModuleType("torchvision")
    stub.__version__ = "0.0"
    stub.io = types.ModuleType("torchvision.io")
    stub.transforms = types.ModuleType("torchvision.transforms")
    stub.transforms.InterpolationMode = types.SimpleNamespace(BICUBIC=3)
    sys.modules.update({"torchvision": stub, "torchvision.io": stub.io, "torchvision.transforms": stub.transforms})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mod = importlib.import_module("qwen_vl_utils.vision_process")
    finally:  # the stub must not outlive the import: transformers probes for torchvision
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        for k in [k for k in sys.modules if k.startswith("qwen_vl_utils")]:
            sys.modules.pop(k)
    return mod


@pytest.mark.parametrize("family,patch", [("qwen2.5-vl", 14), ("qwen3-vl", 16)])
@pytest.mark.parametrize("h,w", SIZES)
def test_default_size_matches_qwen_vl_utils_video_resize(qvu, family, patch, h, w):
    f = patch * 2
    want_h, want_w = qvu.smart_resize(
        h, w, factor=f, min_pixels=qvu.VIDEO_MIN_TOKEN_NUM * f * f, max_pixels=qvu.VIDEO_MAX_TOKEN_NUM * f * f
    )
    assert get_family(family).default_size(w, h) == (want_w, want_h)


@pytest.mark.parametrize("scale", [0.8, 0.5, 0.3, 0.1])
@pytest.mark.parametrize("h,w", SIZES[:6])
def test_scaled_size_is_what_qwen_vl_utils_keeps_for_an_explicit_size(qvu, scale, h, w):
    # Frames are handed over with resized_height/width = our size: qwen-vl-utils must keep it as is.
    fam = get_family("qwen2.5-vl")
    sw, sh = fam.size_at(w, h, scale)
    assert qvu.smart_resize(sh, sw, factor=28) == (sh, sw)
    assert sw % 28 == 0 and sh % 28 == 0
    dw, dh = fam.default_size(w, h)
    assert sw * sh <= dw * dh


@pytest.mark.parametrize("h,w", SIZES)
@pytest.mark.parametrize("lo,hi", [(56 * 56, 28 * 28 * 1280), (128 * 784, 768 * 784), (4 * 784, 16384 * 784)])
def test_smart_resize_matches_transformers(h, w, lo, hi):
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    assert qwen_smart_resize(h, w, 28, lo, hi) == smart_resize(h, w, factor=28, min_pixels=lo, max_pixels=hi)


@pytest.mark.parametrize("h,w", [(360, 640), (1080, 1920), (240, 320)])
@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25])
def test_one_frame_costs_what_the_qwen2_vl_image_processor_makes(h, w, scale):
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    fam = get_family("qwen2.5-vl")
    sw, sh = fam.size_at(w, h, scale)
    proc = Qwen2VLImageProcessorPil(min_pixels=4 * 784, max_pixels=16384 * 784)
    out = proc(images=[np.zeros((sh, sw, 3), np.uint8)], return_tensors="np")
    t, gh, gw = (int(x) for x in out["image_grid_thw"][0])
    # A lone frame is padded to a temporal patch of two: one patch, (gh/2)(gw/2) merged tokens.
    assert t == 1
    assert count_tokens(fam, [(sw, sh)]) == t * gh * gw // 4


@pytest.mark.parametrize("family,patch", [("qwen3-vl", 16), ("qwen2.5-vl", 14)])
@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_video_pairs_match_the_qwen3_vl_video_processor(family, patch, n):
    import torch
    from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor

    fam = get_family(family)
    w, h = fam.size_at(640, 360, 0.5)
    # Already at a valid size; resize/normalise need torchvision, the patch grid does not.
    proc = Qwen3VLVideoProcessor(patch_size=patch, do_sample_frames=False)
    video = torch.zeros((n, 3, h, w), dtype=torch.uint8)
    out = proc(
        videos=[video],
        return_tensors="pt",
        do_sample_frames=False,
        do_resize=False,
        do_rescale=False,
        do_normalize=False,
        do_convert_rgb=False,
    )
    t, gh, gw = (int(x) for x in out["video_grid_thw"][0])
    assert t == math.ceil(n / 2)
    assert count_tokens(fam, [(w, h)] * n) == t * gh * gw // 4


def test_mixed_sizes_are_one_video_per_size():
    fam = get_family("qwen2.5-vl")
    big, small = fam.size_at(640, 360, 1.0), fam.size_at(640, 360, 0.5)
    pt_big = (big[0] // 28) * (big[1] // 28)
    pt_small = (small[0] // 28) * (small[1] // 28)
    # 3 big (2 patches) + 2 small (1 patch), interleaved in time: grouping by size, not by order.
    assert count_tokens(fam, [big, small, big, small, big]) == 2 * pt_big + pt_small
    assert fam.overhead([big, small, big, small, big]) == 2 * 2  # vision start/end per video


@pytest.mark.parametrize("w,h", [(1920, 1080), (1080, 1920), (640, 360), (448, 448), (3000, 500), (500, 800)])
@pytest.mark.parametrize("max_tiles", [6, 12])
def test_internvl_tiles_match_the_got_ocr2_processor(w, h, max_tiles):
    from transformers.models.got_ocr2.image_processing_pil_got_ocr2 import GotOcr2ImageProcessorPil

    proc = GotOcr2ImageProcessorPil(crop_to_patches=True, max_patches=max_tiles, min_patches=1)
    out = proc(images=[np.zeros((h, w, 3), np.uint8)], return_tensors="np")
    assert internvl_tiles(w, h, max_tiles=max_tiles) == int(out["num_patches"][0])


def test_internvl_video_frames_are_one_tile():
    assert count_tokens("internvl", [(448, 448)] * 3) == 3 * 256
    assert frames_for_tokens(2048, "internvl", (1920, 1080)) == 8


def test_llava_onevision_matches_its_processor_video_expansion():
    from transformers.models.llava_onevision.processing_llava_onevision import LlavaOnevisionProcessor

    proc = object.__new__(LlavaOnevisionProcessor)  # only the token arithmetic; no tokenizer needed
    proc.num_image_tokens, proc.video_token = 729, "<v>"
    for n in (1, 8, 32):
        expanded = proc.replace_video_token({"pixel_values_videos": [np.zeros((n, 3, 384, 384))]}, 0)
        assert count_tokens("llava-onevision", [(384, 384)] * n) == expanded.count("<v>")


def test_generic_family_and_errors():
    assert count_tokens("generic:100", [(1, 1)] * 7) == 700
    assert frames_for_tokens(1000, "generic:100", (640, 360)) == 10
    for bad in ("generic:0", "generic:x", "gpt-9"):
        with pytest.raises(InputError):
            get_family(bad)
    with pytest.raises(InputError):
        TokenBudget.of(0, "qwen3-vl", (640, 360))


@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl", "llava-onevision", "internvl", "generic:64"])
@pytest.mark.parametrize("limit", [300, 1000, 4096, 20000])
def test_frame_plans_fit_and_one_more_frame_would_not(family, limit):
    native = (1280, 720)
    try:
        plan = plan_frames(limit, family, native)
    except InputError:
        assert TokenBudget.of(limit, family, native).cost_uniform(1) > limit
        return
    fam = get_family(family)
    assert plan.tokens == fam.count(plan.sizes) <= limit
    assert fam.count(list(plan.sizes) + [plan.sizes[0]] * (2 if family.startswith("qwen") else 1)) > limit


def test_qwen_frame_budget_counts_pairs():
    tb = TokenBudget.of(1000, "qwen2.5-vl", (640, 360))
    per_patch = tb.cost_uniform(1)  # 13 x 23 = 299 tokens at 644x364
    assert tb.size(1.0) == (644, 364) and per_patch == 299
    assert tb.max_frames() == 2 * (1000 // 299) == 6


def test_plan_with_a_number_of_frames_shrinks_them_to_fit():
    plan = plan_frames(2048, "qwen3-vl", (1920, 1080), num_frames=32)
    assert plan.frames == 32 and plan.tokens <= 2048
    bigger = TokenBudget.of(2048, "qwen3-vl", (1920, 1080))
    # The next size up along the scale would not fit (the plan takes the largest that does).
    assert bigger.cost_uniform(32, plan.scales[0] * 1.15) > 2048 or plan.scales[0] > 0.95
    with pytest.raises(InputError):
        plan_frames(2048, "llava-onevision", (640, 360), num_frames=32)


@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl", "generic:100"])
def test_allocate_levels_fits_and_spends(family):
    tb = TokenBudget.of(4096, family, (1920, 1080))
    counts = allocate_levels(tb, [1.0, 0.5, 0.25], [0.5, 0.25, 0.25], available=10_000)
    scales = [1.0] * counts[0] + [0.5] * counts[1] + [0.25] * counts[2]
    assert tb.cost(scales) <= 4096
    if tb.scalable:
        assert counts[0] > 0 and counts[1] > counts[0] and counts[2] > counts[1]
        # Nothing affordable is left over: one more frame at the cheapest level would not fit.
        assert tb.cost(scales + [0.25, 0.25]) > 4096
    assert allocate_levels(tb, [1.0, 0.5, 0.25], [0.5, 0.25, 0.25], available=3) == [3, 0, 0]
