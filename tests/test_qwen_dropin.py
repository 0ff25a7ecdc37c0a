"""framesift.integrations.qwen_vl_utils.process_vision_info: qwen-vl-utils' contract, true frames.

These run in the main environment (the drop-in needs no torchvision). The comparison with the
real qwen-vl-utils and the real Qwen3-VL processor is in ``test_consumers.py`` (second env).
The expected values come from the fixture, not from the code: the 30 fps fixture paints each
frame's index into its pixels, and qwen-vl-utils' budget rules are restated from its source.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from _odd_videos import frame_id_from_pixels
from framesift.errors import InputError
from framesift.integrations.qwen_vl_utils import FrameSifter, fetch_image, question_of, smart_nframes


@pytest.fixture(scope="module")
def sifter() -> FrameSifter:
    return FrameSifter(ocr=False, fps=10)


def _conv(video: object, text: str = "What happens?", **opts: object) -> list[dict]:
    return [
        {"role": "system", "content": [{"type": "text", "text": "You are terse."}]},
        {"role": "user", "content": [{"type": "video", "video": video, **opts}, {"type": "text", "text": text}]},
    ]


def test_shapes_metadata_and_true_indices(sifter, cfr_video):
    images, videos, kwargs = sifter(
        _conv(cfr_video.path, nframes=6), return_video_kwargs=True, return_video_metadata=True, image_patch_size=16
    )
    assert images is None and len(videos) == 1
    tensor, meta = videos[0]
    assert tensor.dtype == torch.float32 and tensor.ndim == 4 and tensor.shape[:2] == (6, 3)
    assert tensor.shape[2] % 32 == 0 and tensor.shape[3] % 32 == 0
    assert 0.0 <= float(tensor.min()) and float(tensor.max()) <= 255.0
    assert set(meta) == {"fps", "frames_indices", "total_num_frames", "video_backend"}
    assert meta["fps"] == pytest.approx(cfr_video.info["fps"])
    assert meta["total_num_frames"] == cfr_video.info["num_frames"]
    # Every tensor frame is the frame its index names (the fixture paints the index into it).
    frames = tensor.permute(0, 2, 3, 1).round().clamp(0, 255).to(torch.uint8).numpy()
    assert [frame_id_from_pixels(f) for f in frames] == meta["frames_indices"]
    assert kwargs == {"do_sample_frames": False}  # with metadata: no per-video fps (qwen-vl-utils' rule)


def test_without_metadata_returns_tensors_and_fps(sifter, cfr_video):
    out = sifter(_conv(cfr_video.path, nframes=4), return_video_kwargs=True)
    images, videos, kwargs = out
    assert isinstance(videos[0], torch.Tensor) and videos[0].shape[0] == 4
    assert kwargs["do_sample_frames"] is False and len(kwargs["fps"]) == 1 and kwargs["fps"][0] > 0
    assert len(sifter(_conv(cfr_video.path, nframes=4))) == 2  # no kwargs asked: a pair


def test_budget_rules_are_qwen_vl_utils(cfr_video):
    n, fps = cfr_video.info["num_frames"], cfr_video.info["fps"]  # 90 frames, 30 fps, 3 s
    assert smart_nframes({"nframes": 7}, n, fps) == 8  # rounded to even
    assert smart_nframes({}, n, fps) == 6  # default 2 fps x 3 s
    assert smart_nframes({"fps": 0.5}, n, fps) == 4  # min_frames 4
    assert smart_nframes({"fps": 10, "max_frames": 11}, n, fps) == 10  # max_frames, floored to even
    with pytest.raises(InputError):
        smart_nframes({"fps": 1, "nframes": 4}, n, fps)
    with pytest.raises(InputError):
        smart_nframes({"nframes": 200}, n, fps)


def test_pixel_budgets_set_the_frame_size(sifter, cfr_video):
    # 320x240 source, patch 14 (factor 28): max_pixels caps the size, min_pixels lifts it.
    _, small = sifter(_conv(cfr_video.path, nframes=4, min_pixels=16 * 28 * 28, max_pixels=60 * 28 * 28))
    h, w = small[0].shape[2:]
    assert h * w <= 60 * 28 * 28 and h % 28 == 0 and w % 28 == 0
    _, big = sifter(_conv(cfr_video.path, nframes=4, min_pixels=300 * 28 * 28))
    h2, w2 = big[0].shape[2:]
    assert h2 * w2 >= 300 * 28 * 28
    _, fixed = sifter(_conv(cfr_video.path, nframes=4, resized_height=112, resized_width=140))
    assert tuple(fixed[0].shape[2:]) == (112, 140)
    # max_pixels below the default min_pixels (128 tokens): qwen-vl-utils refuses it too
    with pytest.raises(InputError, match="min_pixels"):
        sifter(_conv(cfr_video.path, nframes=4, max_pixels=60 * 28 * 28))


def test_odd_selection_is_padded_with_its_last_frame(cfr_video):
    # A 3 s clip at 1 candidate per second: 3 frames at most, sent as 4 (T even).
    sifter = FrameSifter(ocr=False, fps=1, strategy="uniform")
    sifter.candidate_fps = lambda budget, duration, source_fps: 1.0  # type: ignore[method-assign]
    _, videos = sifter(_conv(cfr_video.path, nframes=4), return_video_metadata=True)
    tensor, meta = videos[0]
    assert tensor.shape[0] % 2 == 0
    idx = meta["frames_indices"]
    assert len(idx) == tensor.shape[0] and idx == sorted(idx)
    if len(set(idx)) < len(idx):
        assert idx[-1] == idx[-2] and torch.equal(tensor[-1], tensor[-2])


def test_the_question_is_read_from_user_turns():
    conv = _conv("x.mp4", "What is the wifi password?")
    conv.append({"role": "assistant", "content": "It is on a sign."})
    conv.append({"role": "user", "content": "And the network name?"})
    assert question_of(conv) == "What is the wifi password?\nAnd the network name?"


def test_per_element_settings_and_their_validation(sifter, cfr_video):
    _, videos = sifter(_conv(cfr_video.path, nframes=6, framesift={"strategy": "uniform"}), return_video_metadata=True)
    assert sifter.last[0].strategy == "uniform"
    assert len(videos[0][1]["frames_indices"]) == 6
    with pytest.raises(InputError, match="unknown framesift setting"):
        sifter(_conv(cfr_video.path, nframes=4, framesift={"stratgy": "uniform"}))


@pytest.mark.parametrize(
    ("video", "opts", "message"),
    [
        (["a.jpg", "b.jpg"], {}, "already sampled"),
        ("VIDEO", {"video_start": 1.0}, "video_start"),
        ("/nonexistent/clip.mp4", {}, "no such video"),
    ],
)
def test_never_falls_back_silently(sifter, cfr_video, video, opts, message):
    video = cfr_video.path if video == "VIDEO" else video
    with pytest.raises(InputError, match=message):
        sifter(_conv(video, nframes=4, **opts))


def test_not_a_video_raises(sifter, not_video_file):
    with pytest.raises(InputError):
        sifter(_conv(not_video_file.path, nframes=4))


def test_images_are_resized_like_qwen_vl_utils(tmp_path):
    path = tmp_path / "wide.png"
    Image.fromarray(np.full((100, 300, 4), 200, np.uint8), "RGBA").save(path)
    img = fetch_image({"image": f"file://{path}"}, image_patch_size=14)
    assert img.mode == "RGB" and img.size[0] % 28 == 0 and img.size[1] % 28 == 0
    # 100x300 -> nearest multiples of 28: 112 x 308 (within the default pixel range)
    assert img.size == (308, 112)
    sifter = FrameSifter()
    images, videos = sifter([{"role": "user", "content": [{"type": "image", "image": str(path)}]}])
    assert videos is None and images[0].size == (308, 112)
