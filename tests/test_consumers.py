"""The consumers' own code, unmodified: qwen-vl-utils, transformers' Qwen video processors, lmms-eval.

Runs only in CI's second environment (torch 2.14.1 + torchvision 0.29.1; ``.ci/run``), where
these import as shipped; the main environment skips the module (conftest.py). The processors
come from a tiny random checkpoint built offline (tests/_tiny_qwen.py); the expected times come
from the fixture (each frame's index is painted into its pixels; 30 fps, constant rate).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from _odd_videos import frame_id_from_pixels
from framesift.integrations.qwen_vl_utils import FrameSifter

pytestmark = pytest.mark.consumers

MARKER = re.compile(r"<([0-9.]+) seconds>")


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory):
    from _tiny_qwen import build_tiny_qwen3_vl

    return build_tiny_qwen3_vl(tmp_path_factory.mktemp("tiny-qwen3-vl"))


@pytest.fixture(scope="module")
def qwen25_dir(tmp_path_factory):
    from _tiny_qwen import build_tiny_qwen2_5_vl

    return build_tiny_qwen2_5_vl(tmp_path_factory.mktemp("tiny-qwen2.5-vl"))


@pytest.fixture(scope="module")
def sifter() -> FrameSifter:
    return FrameSifter(ocr=False, fps=10)


def _conv(video, text="What happens?", **opts):
    return [{"role": "user", "content": [{"type": "video", "video": video, **opts}, {"type": "text", "text": text}]}]


def _painted_ids(tensor: torch.Tensor) -> list[int]:
    frames = tensor.permute(0, 2, 3, 1).round().clamp(0, 255).to(torch.uint8).numpy()
    return [frame_id_from_pixels(f) for f in frames]


def _pair_means(times: list[float]) -> list[str]:
    return [f"{(times[i] + times[i + 1]) / 2:.1f}" for i in range(0, len(times), 2)]


def _markers(processor, conv, videos, metadata, **kwargs) -> list[str]:
    text = processor.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    out = processor(text=[text], videos=videos, video_metadata=metadata, do_resize=False, return_tensors="pt", **kwargs)
    decoded = processor.tokenizer.decode(out["input_ids"][0])
    return MARKER.findall(decoded)


def test_dropin_gives_qwen3_markers_at_the_true_times_and_qwen_vl_utils_does_not(sifter, cfr_video, qwen3_dir):
    import qwen_vl_utils
    from PIL import Image
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(qwen3_dir)
    conv = _conv(cfr_video.path, nframes=6)
    _, videos, kwargs = sifter(conv, return_video_kwargs=True, return_video_metadata=True, image_patch_size=16)
    tensor, meta = videos[0]
    ids = _painted_ids(tensor)
    assert ids == meta["frames_indices"] and len(set(np.diff(ids).tolist())) > 1, "an irregular, true selection"
    true_times = [i / cfr_video.info["fps"] for i in ids]
    ours = _markers(processor, conv, [tensor], [meta], **kwargs)
    assert ours == _pair_means(true_times)

    # The same frames through the real qwen-vl-utils (a frame list, its documented input for
    # pre-selected frames): it numbers them 0..5 at its sample fps, so the times are not theirs.
    frames = [Image.fromarray(f) for f in tensor.permute(0, 2, 3, 1).to(torch.uint8).numpy()]
    h, w = tensor.shape[2:]
    listed = _conv(frames, resized_height=h, resized_width=w)
    _, their_videos, their_kwargs = qwen_vl_utils.process_vision_info(
        listed, return_video_kwargs=True, return_video_metadata=True, image_patch_size=16
    )
    their_tensor, their_meta = their_videos[0]
    assert tuple(their_tensor.shape) == tuple(tensor.shape)
    assert list(their_meta["frames_indices"]) == list(range(6))
    theirs = _markers(processor, listed, [their_tensor], [their_meta], **their_kwargs)
    assert len(theirs) == len(ours) and theirs != _pair_means(true_times)


def test_same_shapes_as_qwen_vl_utils_on_the_file(sifter, cfr_video):
    import qwen_vl_utils

    for patch, opts in ((16, {"nframes": 6}), (14, {"nframes": 4, "max_pixels": 200 * 28 * 28}), (14, {"fps": 2.0})):
        conv = _conv(str(cfr_video.path), **opts)
        _, ours, our_kwargs = sifter(conv, return_video_kwargs=True, return_video_metadata=True, image_patch_size=patch)
        _, theirs, their_kwargs = qwen_vl_utils.process_vision_info(
            conv, return_video_kwargs=True, return_video_metadata=True, image_patch_size=patch
        )
        (t_ours, m_ours), (t_theirs, m_theirs) = ours[0], theirs[0]
        assert t_ours.shape == t_theirs.shape and t_ours.dtype == t_theirs.dtype
        assert set(m_ours) == set(m_theirs)
        assert m_ours["fps"] == pytest.approx(float(m_theirs["fps"]))
        assert m_ours["total_num_frames"] == int(m_theirs["total_num_frames"])
        assert set(our_kwargs) == set(their_kwargs)
        # Their frames are uniform and their indices true too (they decode the file): the painted ids agree.
        assert _painted_ids(t_theirs) == [int(i) for i in m_theirs["frames_indices"]]
        # Pixel values: both are the same frames' bicubic antialiased resizes where the indices coincide.
        common = sorted(set(m_ours["frames_indices"]) & {int(i) for i in m_theirs["frames_indices"]})
        for i in common:
            a = t_ours[m_ours["frames_indices"].index(i)]
            b = t_theirs[[int(x) for x in m_theirs["frames_indices"]].index(i)]
            assert float((a - b).abs().mean()) < 4.0  # PIL vs torchvision bicubic: a few levels apart


def test_qwen2_5_vl_processor_reads_the_true_metadata(sifter, cfr_video, qwen25_dir):
    # lmms-eval's qwen2_5_vl_chat path: metadata returned and handed to the processor.
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(qwen25_dir)
    conv = _conv(str(cfr_video.path), nframes=6)
    _, videos, kwargs = sifter(conv, return_video_kwargs=True, return_video_metadata=True, image_patch_size=14)
    assert kwargs == {"do_sample_frames": False}
    tensor, meta = videos[0]
    assert _painted_ids(tensor) == meta["frames_indices"]
    text = processor.apply_chat_template(conv, tokenize=False, add_generation_prompt=True)
    out = processor(text=[text], videos=[tensor], video_metadata=[meta], do_resize=False, return_tensors="pt", **kwargs)
    grid = out["video_grid_thw"][0].tolist()
    assert grid == [3, tensor.shape[2] // 14, tensor.shape[3] // 14]
    # Qwen2.5-VL has one time step per video: transformers derives it from the metadata as
    # 2 / (frames sent / total frames x source fps), i.e. from our true fps and frame count.
    step = 2 / (len(meta["frames_indices"]) / cfr_video.info["num_frames"] * cfr_video.info["fps"])
    assert float(out["second_per_grid_ts"][0]) == pytest.approx(step, rel=1e-4)


# --------------------------------------------------------------------------- lmms-eval plugin


def test_lmms_eval_finds_the_plugin_and_generates_with_framesift_frames(cfr_video, qwen3_dir, monkeypatch):
    import lmms_eval.models as lmms_models  # installed in the consumers' environment (.ci/run)
    from lmms_eval.api.instance import Instance

    # The entry point of this package's metadata is what registers the models (no include_path).
    assert {"framesift_qwen3_vl", "framesift_qwen2_5_vl"} <= set(lmms_models.MODEL_REGISTRY_V2.list_model_names())
    cls = lmms_models.get_model("framesift_qwen3_vl")
    model = cls(
        pretrained=str(qwen3_dir),
        device="cpu",
        device_map="cpu",
        max_num_frames=6,
        max_pixels=64 * 32 * 32,
        min_pixels=16 * 32 * 32,
        strategy="auto",
        ocr="off",
        candidate_fps=10,
    )
    doc = {"video": cfr_video.path, "question": "What colour is the last frame?"}

    def doc_to_messages(d):
        return [
            {
                "role": "user",
                "content": [{"type": "video", "url": d["video"]}, {"type": "text", "text": d["question"]}],
            }
        ]

    model.task_dict = {"fixture": {"test": [doc]}}
    gen = {"max_new_tokens": 3, "temperature": 0.0, "do_sample": False}
    req = Instance(
        request_type="generate_until",
        arguments=("", doc_to_messages, gen, 0, "fixture", "test"),
        idx=0,
        metadata={"task": "fixture", "doc_id": 0, "repeats": 1},
    )
    out = model.generate_until([req])
    assert len(out) == 1
    text = getattr(out[0], "text", out[0])
    assert isinstance(text, str)
    # The frames the model saw were framesift's, chosen for the question read from the messages.
    sel = model.framesift.last[0]
    assert sel.query.startswith("What colour is the last frame?")
    assert len(sel.frames) == 6
    # And the stock wrapper's module global is back to qwen-vl-utils after the call.
    import qwen_vl_utils
    from lmms_eval.models.chat import qwen3_vl as chat

    assert chat.process_vision_info is qwen_vl_utils.process_vision_info
