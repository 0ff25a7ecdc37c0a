"""Model adapters (export/vllm.py, qwen.py, gemini.py): the structures each consumer reads.

Real selections of real fixture videos go through the consumers' own code where it runs here:

* transformers' ``Qwen3VLVideoProcessor`` (constructed locally, no hub)
  and ``Qwen3VLProcessor.replace_video_token``, which prints the ``<t seconds>`` markers;
* qwen-vl-utils' ``process_vision_info`` / ``fetch_video`` on our video element;
* the google-genai SDK's pydantic types for the Gemini contents.

What cannot run here, and what stands in for it:

* torchvision cannot be installed beside this CPU torch build. qwen-vl-utils imports it at
  module top but the frame-list path only calls ``transforms.functional.resize``; a stand-in
  module provides that one function (torch's bicubic antialiased interpolate), everything else
  in qwen-vl-utils is its own code. transformers' video processors call torchvision for RGB
  conversion, resizing, rescaling and normalising, so those steps are switched off
  (``do_convert_rgb/do_resize/do_rescale/do_normalize=False``): frame count, pairing, grid and
  metadata handling still run as shipped. ``Qwen2VLVideoProcessor`` (Qwen2/2.5-VL) imports
  torchvision at module top and cannot run at all; its grid condition is restated. ``Qwen3VLProcessor.__init__`` checks its sub-processor
  classes through a registry that is empty without torchvision, so the instance is made with
  ``object.__new__`` and given the four attributes ``replace_video_token`` reads.
* vLLM cannot be installed (it pulls a CUDA torch of several GB); the request is decoded with
  the rules of ``VideoMediaIO.load_base64`` for ``video/jpeg`` (vllm/multimodal/media/video.py,
  restated in ``_vllm_load`` below) and its metadata goes through the HF processor as vLLM does.
* Gemini is a remote API: only the request structure is checked.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import framesift
from _odd_videos import frame_id_from_pixels
from framesift.budget import count_tokens
from framesift.errors import InputError
from framesift.export.gemini import gemini_contents, group_clips
from framesift.export.qwen import qwen_frame_size, qwen_inputs
from framesift.export.vllm import vllm_request

transformers = pytest.importorskip("transformers")
from transformers.models.qwen3_vl.processing_qwen3_vl import Qwen3VLProcessor  # noqa: E402
from transformers.models.qwen3_vl.video_processing_qwen3_vl import Qwen3VLVideoProcessor  # noqa: E402
from transformers.video_utils import VideoMetadata  # noqa: E402

from _cli import run_cli as _run_cli  # noqa: E402

# The steps of transformers' video processors that need torchvision (see module docstring).
NO_TORCHVISION = {"do_convert_rgb": False, "do_rescale": False, "do_normalize": False}
MARKER = re.compile(r"<([0-9.]+) seconds>")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def cfr_sel(cfr_video):
    """An irregular real selection (auto strategy) of the 30 fps fixture whose frames show their index."""
    sel = framesift.select(cfr_video.path, "", 5, strategy="auto", fps=10, ocr=False)
    gaps = np.diff(sel.indices)
    assert len(sel.frames) == 5 and len(set(gaps.tolist())) > 1, "fixture selection should be irregular"
    return sel


@pytest.fixture(scope="module")
def qwen_vl_utils():
    """qwen-vl-utils imported with a stand-in torchvision (only ``transforms.functional.resize``)."""
    import torch.nn.functional as F

    tv = types.ModuleType("torchvision")
    tv.__version__ = "0.24.0"
    tv.io = types.ModuleType("torchvision.io")
    tr = types.ModuleType("torchvision.transforms")
    fn = types.ModuleType("torchvision.transforms.functional")

    class InterpolationMode:
        BICUBIC = "bicubic"
        BILINEAR = "bilinear"

    def resize(video, size, interpolation="bicubic", antialias=True):
        return F.interpolate(
            video.float(), size=list(size), mode=interpolation, antialias=antialias, align_corners=False
        )

    fn.resize = resize
    tr.functional = fn
    tr.InterpolationMode = InterpolationMode
    tv.transforms = tr
    names = {
        "torchvision": tv,
        "torchvision.io": tv.io,
        "torchvision.transforms": tr,
        "torchvision.transforms.functional": fn,
    }
    saved = {k: sys.modules.get(k) for k in names}
    for k in ("qwen_vl_utils", "qwen_vl_utils.vision_process"):
        sys.modules.pop(k, None)
    sys.modules.update(names)
    try:
        import qwen_vl_utils as q
    except ImportError as exc:  # pragma: no cover - depends on the installed version
        pytest.skip(f"qwen-vl-utils does not import with the stand-in: {exc}")
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return q


def _markers(frames: np.ndarray, metadata: VideoMetadata) -> tuple[list[str], list[int]]:
    """Run the real Qwen3-VL video processor and prompt expansion; return the markers and the grid."""
    vp = Qwen3VLVideoProcessor()
    out = vp(
        videos=[frames],
        video_metadata=[metadata],
        do_sample_frames=False,
        do_resize=False,
        return_metadata=True,
        **NO_TORCHVISION,
    )
    proc = object.__new__(Qwen3VLProcessor)  # __init__'s class check needs torchvision
    proc.video_processor = vp
    proc.vision_start_token, proc.video_token, proc.vision_end_token = (
        "<|vision_start|>",
        "<|video_pad|>",
        "<|vision_end|>",
    )
    text = proc.replace_video_token(out, 0)
    return MARKER.findall(text), out["video_grid_thw"][0].tolist()


def _pair_mean_times(times: list[float]) -> list[str]:
    """What Qwen3-VL should print for frames at these true times: the mean of each pair."""
    t = list(times) + ([times[-1]] if len(times) % 2 else [])
    return [f"{(t[i] + t[i + 1]) / 2:.1f}" for i in range(0, len(t), 2)]


def _decode_jpeg(b64: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))


def _sized(frames: np.ndarray) -> np.ndarray:
    """Frames resized to a Qwen3-VL size: stands in for the processor's resize (torchvision)."""
    h, w = qwen_frame_size(frames.shape[1], frames.shape[2], len(frames), factor=32)
    return np.stack([np.asarray(Image.fromarray(f).resize((w, h), Image.Resampling.BICUBIC)) for f in frames])


def _vllm_load(body: dict) -> tuple[np.ndarray, dict]:
    """vLLM's ``VideoMediaIO.load_base64('video/jpeg', ...)`` for this request, rules restated."""
    part = body["messages"][-1]["content"][0]
    assert part["type"] == "video_url"
    url = part["video_url"]["url"]
    prefix = "data:video/jpeg;base64,"
    assert url.startswith(prefix)
    kw = body["media_io_kwargs"]["video"]
    n = kw.get("num_frames", 32)
    chunks = url[len(prefix) :].split(",", n)[:n] if n > 0 else url[len(prefix) :].split(",")
    frames = np.stack([_decode_jpeg(c) for c in chunks])
    idx = kw["frames_indices"]
    assert isinstance(idx, list) and all(type(i) is int for i in idx)
    assert len(idx) == len(frames)
    assert isinstance(kw["total_num_frames"], int) and kw["total_num_frames"] >= len(frames)
    assert isinstance(kw["duration"], (int, float)) and kw["duration"] >= 0
    meta = {
        "total_num_frames": kw["total_num_frames"],
        "fps": float(kw.get("fps", 1)),
        "duration": kw["duration"],
        "video_backend": "jpeg_sequence",
        "frames_indices": idx,
    }
    return frames, meta


# --------------------------------------------------------------------------- vLLM


def test_vllm_request_carries_true_indices_and_source_fps(cfr_sel, cfr_video):
    body = cfr_sel.to_vllm_request("What happens?", model="Qwen/Qwen3-VL-2B-Instruct")
    json.dumps(body)  # the request is plain JSON
    assert body["model"] == "Qwen/Qwen3-VL-2B-Instruct"
    assert body["messages"][-1]["content"][-1] == {"type": "text", "text": "What happens?"}
    frames, meta = _vllm_load(body)
    # 5 picks padded to 6: the last frame and its index repeated.
    assert meta["frames_indices"] == cfr_sel.indices + [cfr_sel.indices[-1]]
    assert meta["fps"] == pytest.approx(cfr_video.info["fps"])
    assert meta["total_num_frames"] == cfr_video.info["num_frames"]
    assert meta["duration"] == pytest.approx(cfr_video.info["num_frames"] / cfr_video.info["fps"], abs=0.05)
    # Each JPEG really is the frame its index names (the fixture paints the index into the frame).
    assert [frame_id_from_pixels(f) for f in frames] == meta["frames_indices"]
    assert body["media_io_kwargs"]["video"]["do_sample_frames"] is False


def test_vllm_metadata_gives_qwen3_markers_at_the_true_times(cfr_sel):
    frames, meta = _vllm_load(cfr_sel.to_vllm_request("q"))
    md = VideoMetadata(
        **{k: meta[k] for k in ("total_num_frames", "fps", "duration", "video_backend", "frames_indices")}
    )
    markers, grid = _markers(_sized(frames), md)
    assert markers == _pair_mean_times(cfr_sel.times)
    assert grid[0] == 3
    # What vLLM would print without the metadata (range(n) at 1 fps): a uniform clip, wrong times.
    fallback = VideoMetadata(total_num_frames=6, fps=1.0, frames_indices=list(range(6)))
    assert _markers(_sized(frames), fallback)[0] != markers


def test_vllm_sends_more_than_the_default_32_frames(cfr_video):
    sel = framesift.select(cfr_video.path, "", 40, strategy="uniform", fps=20, ocr=False)
    assert len(sel.frames) == 40
    frames, meta = _vllm_load(sel.to_vllm_request("q", max_side=64))
    assert len(frames) == 40 and meta["frames_indices"] == sel.indices
    assert max(frames.shape[1:3]) == 64


def test_vllm_duplicate_pairing_gives_each_pick_its_own_marker(cfr_sel):
    frames, meta = _vllm_load(cfr_sel.to_vllm_request("q", pairing="duplicate"))
    assert len(frames) == 10
    md = VideoMetadata(
        total_num_frames=meta["total_num_frames"], fps=meta["fps"], frames_indices=meta["frames_indices"]
    )
    assert _markers(_sized(frames), md)[0] == [f"{t:.1f}" for t in cfr_sel.times]


# --------------------------------------------------------------------------- transformers / qwen-vl-utils


def test_qwen_metadata_gives_markers_at_the_true_times(cfr_sel):
    q = cfr_sel.to_qwen_messages("What happens?")
    json.dumps({k: v for k, v in q.items() if k != "messages"})
    element = q["messages"][-1]["content"][0]
    assert element["type"] == "video" and len(element["video"]) == 6
    assert q["framesift"]["repeated_positions"] == [5]
    frames = np.stack([np.asarray(im) for im in element["video"]])
    md = VideoMetadata(**q["video_metadata"][0])
    markers, grid = _markers(frames, md)
    assert markers == _pair_mean_times(cfr_sel.times)
    h, w = element["resized_height"], element["resized_width"]
    assert grid == [3, h // 16, w // 16]
    assert h % 32 == 0 and w % 32 == 0
    assert q["processor_kwargs"] == {"do_sample_frames": False, "do_resize": False}


def test_qwen_vl_utils_reads_the_element_but_renumbers_frames(cfr_sel, qwen_vl_utils):
    q = cfr_sel.to_qwen_messages("q", frames="base64")
    json.dumps(q)
    _, videos, kwargs = qwen_vl_utils.process_vision_info(
        q["messages"], return_video_kwargs=True, return_video_metadata=True, image_patch_size=16
    )
    video, their_meta = videos[0]
    h, w = q["framesift"]["frame_size"][1], q["framesift"]["frame_size"][0]
    assert tuple(video.shape) == (6, 3, h, w)  # no further resize, no further padding
    # The frames qwen-vl-utils loaded are ours, in order (ids painted in the pixels).
    ids = [frame_id_from_pixels(v.permute(1, 2, 0).clamp(0, 255).to(torch.uint8).numpy()) for v in video]
    assert ids == q["video_metadata"][0]["frames_indices"]
    # qwen-vl-utils' own metadata is renumbered 0..n-1: markers that ignore where the frames were.
    assert their_meta["frames_indices"] == list(range(6))
    frames_np = video.permute(0, 2, 3, 1).clamp(0, 255).to(torch.uint8).numpy()
    theirs, _ = _markers(frames_np, VideoMetadata(**their_meta))
    ours, _ = _markers(frames_np, VideoMetadata(**q["video_metadata"][0]))
    assert ours == _pair_mean_times(cfr_sel.times) and theirs != ours
    assert kwargs["do_sample_frames"] is False


def test_qwen_frame_size_matches_qwen_vl_utils(qwen_vl_utils):
    """Our size equals the one qwen-vl-utils' fetch_video chooses under the same limits.

    Frames are given at sizes that are multiples of 2 x factor, so qwen-vl-utils' first, per-image
    rounding (to twice the factor, see qwen_frame_size) leaves them alone and only its video budget
    decides, which is what qwen_frame_size reproduces.
    """
    cases = [
        ((448, 448), 6, 16, {}),
        ((896, 448), 6, 14, {}),
        ((1792, 896), 2, 16, {}),
        ((896, 448), 6, 16, {"max_pixels": 200 * 32 * 32}),
        ((896, 448), 6, 14, {"total_pixels": 6 * 90 * 28 * 28}),
        ((448, 448), 4, 14, {"min_pixels": 300 * 28 * 28}),
        ((448, 448), 40, 16, {"total_pixels": 24576 * 32 * 32}),
    ]
    for (w, h), n, patch, limits in cases:
        img = Image.new("RGB", (w, h), (90, 120, 30))
        video = qwen_vl_utils.fetch_video({"video": [img] * n, **limits}, image_patch_size=patch)
        assert tuple(video.shape[-2:]) == qwen_frame_size(h, w, n, factor=2 * patch, **limits), (w, h, n, patch, limits)


def test_qwen_frame_size_stays_within_limits():
    for h, w in ((1080, 1920), (240, 320), (50, 3000), (4000, 3000)):
        for factor in (28, 32):
            rh, rw = qwen_frame_size(h, w, 16, factor=factor)
            assert rh % factor == 0 and rw % factor == 0
            assert 128 * factor**2 <= rh * rw <= 768 * factor**2
    with pytest.raises(InputError):
        qwen_frame_size(10, 2500, 4, factor=32)


def test_qwen25_uses_28px_units_mean_spacing_and_text_times(cfr_sel):
    q = cfr_sel.to_qwen_messages("q", model="qwen2.5-vl")
    element = q["messages"][-1]["content"][0]
    h, w = element["resized_height"], element["resized_width"]
    assert h % 28 == 0 and w % 28 == 0
    # (Qwen2VLVideoProcessor imports torchvision at module top, so it cannot run here: the grid
    # condition it checks is restated: 14-px patches merged 2x2.)
    assert (h // 14) % 2 == 0 and (w // 14) % 2 == 0 and len(element["video"]) == 6
    # One time step per video: 2 / fps is the mean spacing of the three temporal patches.
    t = cfr_sel.times + [cfr_sel.times[-1]]
    patches = [(t[i] + t[i + 1]) / 2 for i in (0, 2, 4)]
    assert 2 / q["processor_kwargs"]["fps"][0] == pytest.approx((patches[-1] - patches[0]) / 2)
    text = q["messages"][-1]["content"][1]["text"]
    assert re.findall(r"\d\d:\d\d\.\d", text) == [f"00:{int(t * 10) / 10:04.1f}" for t in cfr_sel.times]
    assert q["framesift"]["notes"]


def test_qwen_notes_delayed_start(delayed_video):
    sel = framesift.select(delayed_video.path, "", 4, strategy="uniform", ocr=False)
    q = sel.to_qwen_messages("q")
    assert any("starts at 2.000s" in n for n in q["framesift"]["notes"])
    # index / fps counts from the first frame: the markers are the times minus the start.
    frames = np.stack([np.asarray(im) for im in q["messages"][-1]["content"][0]["video"]])
    markers, _ = _markers(frames, VideoMetadata(**q["video_metadata"][0]))
    assert markers == _pair_mean_times([t - 2.0 for t in sel.times])


def test_adapters_refuse_a_selection_without_images(cfr_video):
    sel = framesift.select(cfr_video.path, "", 3, strategy="uniform", ocr=False, fetch=False)
    for call in (
        lambda: vllm_request(sel.frames, sel.video, "q"),
        lambda: qwen_inputs(sel.frames, sel.video, "q"),
        lambda: gemini_contents(sel.frames, sel.video, "q"),
    ):
        with pytest.raises(InputError, match="fetch=True"):
            call()
    with pytest.raises(InputError, match="pairing"):
        framesift.select(cfr_video.path, "", 2, strategy="uniform", ocr=False).to_vllm_request("q", pairing="pairs")


# --------------------------------------------------------------------------- Gemini


def _seconds(d: str) -> float:
    assert d.endswith("s")
    return float(d[:-1])


def test_group_clips():
    assert group_clips([0.0, 1.0, 2.0, 5.0, 9.0, 10.0], 1.5) == [[0, 1, 2], [3], [4, 5]]
    assert group_clips([], 1.0) == []


def test_gemini_clips_and_images_validate_against_the_sdk(cfr_video):
    genai_types = pytest.importorskip("google.genai.types")
    # Picks at 0.0-0.3 s (contiguous, 0.1 s apart) and a lone pick at 2.5 s.
    sel = framesift.select(cfr_video.path, "", 100, strategy="uniform", fps=10, ocr=False)  # all candidates
    sel.frames = [f for f in sel.frames if round(f.time, 2) in (0.0, 0.1, 0.2, 0.3, 2.5)]
    assert len(sel.frames) == 5
    contents = sel.to_gemini_contents("What is shown?", max_gap=0.5)
    json.dumps(contents)
    parsed = [genai_types.Content.model_validate(c) for c in contents]
    parts = parsed[0].parts
    videos = [p for p in parts if p.video_metadata is not None]
    images = [p for p in parts if p.inline_data is not None and p.inline_data.mime_type == "image/jpeg"]
    assert len(videos) == 1 and len(images) == 1
    vm = videos[0].video_metadata
    start, end = _seconds(vm.start_offset), _seconds(vm.end_offset)
    clip_times = [f.time for f in sel.frames[:4]]
    assert start <= clip_times[0] and clip_times[-1] < end < sel.frames[4].time
    assert 0 < vm.fps <= 24 and vm.fps * (end - start) == pytest.approx(4, abs=0.01)
    assert videos[0].inline_data.data == Path(cfr_video.path).read_bytes()  # the video itself, inline
    # The lone pick: a JPEG of that very frame, after a text part with its time.
    k = parts.index(images[0])
    assert parts[k - 1].text == "Frame at 00:02.5:"
    assert frame_id_from_pixels(np.asarray(Image.open(io.BytesIO(images[0].inline_data.data)))) == sel.frames[4].index
    assert parts[-1].text == "What is shown?"


def test_gemini_file_uri_and_fallbacks(cfr_video, subs_video):
    sel = framesift.select(cfr_video.path, "", 4, strategy="uniform", fps=10, ocr=False)
    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123"
    c = sel.to_gemini_contents("q", video_uri=uri, max_gap=1.0)
    vids = [p for p in c[0]["parts"] if "videoMetadata" in p]
    assert len(vids) == 1 and vids[0]["fileData"] == {"fileUri": uri, "mimeType": "video/mp4"}
    # Inline limit too small: every pick becomes an image (auto) or it is refused (always).
    c = sel.to_gemini_contents("q", max_gap=1.0, inline_limit=1000)
    assert sum("inlineData" in p for p in c[0]["parts"]) == 4 and not any("videoMetadata" in p for p in c[0]["parts"])
    with pytest.raises(InputError, match="video_uri"):
        sel.to_gemini_contents("q", max_gap=1.0, inline_limit=1000, clips="always")
    assert not any("videoMetadata" in p for p in sel.to_gemini_contents("q", clips="never")[0]["parts"])
    # The limit counts the lone images too: room for the video alone is not enough.
    mixed = framesift.select(cfr_video.path, "", 100, strategy="uniform", fps=10, ocr=False)
    mixed.frames = [f for f in mixed.frames if round(f.time, 2) in (0.0, 0.1, 2.5)]
    video_b64 = len(base64.b64encode(Path(cfr_video.path).read_bytes()))
    assert any(
        "videoMetadata" in p
        for p in mixed.to_gemini_contents("q", max_gap=0.5, inline_limit=video_b64 + 10**6)[0]["parts"]
    )
    assert not any(
        "videoMetadata" in p
        for p in mixed.to_gemini_contents("q", max_gap=0.5, inline_limit=video_b64 + 10)[0]["parts"]
    )
    # Matroska is not a Gemini video type: images, unless a URI is given.
    mkv = framesift.select(subs_video.path, "", 3, strategy="uniform", fps=10, ocr=False)
    assert not any("videoMetadata" in p for p in mkv.to_gemini_contents("q", max_gap=5)[0]["parts"])


# --------------------------------------------------------------------------- Selection methods


def test_selection_methods_call_the_adapters(cfr_sel):
    assert (
        cfr_sel.to_vllm_request("q")["media_io_kwargs"]
        == vllm_request(cfr_sel.frames, cfr_sel.video, "q")["media_io_kwargs"]
    )
    assert cfr_sel.to_qwen_messages("q", model="qwen2.5-vl")["framesift"]["model"] == "qwen2.5-vl"
    assert cfr_sel.to_gemini_contents("q")[0]["parts"][-1] == {"text": "q"}


# --------------------------------------------------------------------------- CLI


def test_cli_format_prints_json_and_writes_it_to_out(cfr_video, tmp_path):
    out = tmp_path / "sel"
    r = _run_cli(
        "select",
        cfr_video.path,
        "-q",
        "what changes?",
        "-b",
        "4",
        "--ocr",
        "off",
        "--fps",
        "10",
        "--format",
        "VLLM",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)  # exactly one JSON object on stdout: the summary went to stderr
    assert json.loads((out / "vllm.json").read_text()) == body
    manifest = json.loads((out / "manifest.json").read_text())
    frames, meta = _vllm_load(body)
    assert meta["frames_indices"] == [f["index"] for f in manifest["frames"]]
    assert [frame_id_from_pixels(f) for f in frames] == meta["frames_indices"]
    assert body["messages"][-1]["content"][-1]["text"] == "what changes?"
    assert not [p.name for p in tmp_path.iterdir() if p.name != "sel"]  # no temp leftovers


def test_cli_format_qwen_and_gemini_without_out(cfr_video, qwen_vl_utils):
    r = _run_cli("select", cfr_video.path, "-b", "3", "--ocr", "off", "--quiet", "--format", "qwen")
    assert r.returncode == 0, r.stderr
    q = json.loads(r.stdout)
    _, videos = qwen_vl_utils.process_vision_info(q["messages"], image_patch_size=16)
    assert (
        videos[0].shape[0] == 4
        and q["video_metadata"][0]["frames_indices"][-1] == q["video_metadata"][0]["frames_indices"][-2]
    )
    r = _run_cli("select", cfr_video.path, "-b", "3", "--ocr", "off", "--quiet", "--format", "gemini", "-q", "q?")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["parts"][-1] == {"text": "q?"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "pdf"], "--format must be one of openai, vllm, qwen, gemini"),
        (["--format", "qwen", "--json"], "choose one"),
    ],
)
def test_cli_format_bad_input_is_one_line_exit_2(cfr_video, args, message):
    r = _run_cli("select", cfr_video.path, "-b", "2", "--ocr", "off", *args)
    assert r.returncode == 2
    assert r.stdout == "" and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


# --------------------------------------------------------------------------- mixed resolutions (token budgets)


def _patch_grid(frames: np.ndarray, metadata: dict, patch: int) -> list[int]:
    """``video_grid_thw`` of the real Qwen3-VL video processor for these frames (patch 14 = Qwen2/2.5-VL grid)."""
    vp = Qwen3VLVideoProcessor(patch_size=patch)
    out = vp(
        videos=[frames],
        video_metadata=[VideoMetadata(**metadata)],
        do_sample_frames=False,
        do_resize=False,
        return_metadata=True,
        **NO_TORCHVISION,
    )
    return out["video_grid_thw"][0].tolist()


@pytest.fixture(scope="module")
def mixed_sels(cfr_video):
    """Real token-budgeted selections of the fixture whose frames were planned at several sizes."""
    cases = {}
    for strategy, family, tokens in (
        ("qframe", "qwen3-vl", 3000),
        ("clips", "qwen2.5-vl", 2000),
        ("codec", "qwen3-vl", 1500),
    ):
        sel = framesift.select(
            cfr_video.path, "", budget_tokens=tokens, model_family=family, strategy=strategy, fps=10, ocr=False
        )
        assert len({(f.width, f.height) for f in sel.frames}) > 1, f"{strategy}: the plan should mix sizes"
        cases[(strategy, family)] = sel
    return cases


@pytest.mark.parametrize("case", [("qframe", "qwen3-vl"), ("clips", "qwen2.5-vl"), ("codec", "qwen3-vl")])
def test_qwen_mixed_selection_is_one_video_per_planned_size(mixed_sels, case):
    sel = mixed_sels[case]
    family = case[1]
    patch = 16 if family == "qwen3-vl" else 14
    q = sel.to_qwen_messages("q", model=family)
    json.dumps({k: v for k, v in q.items() if k != "messages"})
    elements = [c for c in q["messages"][-1]["content"] if c["type"] == "video"]
    by_size: dict[tuple[int, int], list] = {}
    for f in sel.frames:
        by_size.setdefault((f.width, f.height), []).append(f)
    assert len(elements) == len(q["video_metadata"]) == len(by_size) > 1
    assert q["framesift"]["sizes"] == "planned" and q["framesift"]["frame_size"] is None
    assert any("mixed-resolution" in n for n in q["framesift"]["notes"])
    grid_tokens = 0
    for element, meta in zip(elements, q["video_metadata"]):
        size = (element["resized_width"], element["resized_height"])
        picks = by_size[size]  # the planned size, exactly
        frames = np.stack([np.asarray(im) for im in element["video"]])
        assert frames.shape[1:3] == (size[1], size[0])
        # True indices of this size's frames, in time order, padded to pairs with the last one.
        expected = [f.index for f in picks] + ([picks[-1].index] if len(picks) % 2 else [])
        assert meta["frames_indices"] == expected and meta["fps"] == pytest.approx(sel.video.fps)
        t, gh, gw = _patch_grid(frames, meta, patch)
        assert t == len(expected) // 2
        grid_tokens += t * gh * gw // 4  # 2x2 merge
        if family == "qwen3-vl":  # each video's markers are its own frames' true times
            assert _markers(frames, VideoMetadata(**meta))[0] == _pair_mean_times([f.time for f in picks])
        if min(size) >= 128:  # the painted index strip survives this size: the pixels are the named frames
            assert [frame_id_from_pixels(fr) for fr in frames] == expected
    # What the processor makes of what we send is what the budget module said was spent.
    assert grid_tokens == sel.tokens["tokens_spent"] == q["framesift"]["visual_tokens"]
    assert sorted({i for e in q["framesift"]["videos"] for i in e["frames_indices"]}) == sel.indices
    if family == "qwen2.5-vl":  # one time step per video: one fps each, and the times as text
        assert len(q["processor_kwargs"]["fps"]) == len(elements)


def test_qwen_vl_utils_loads_each_planned_video_unchanged(mixed_sels, qwen_vl_utils):
    sel = mixed_sels[("qframe", "qwen3-vl")]
    q = sel.to_qwen_messages("q", model="qwen3-vl", frames="base64")
    json.dumps(q)
    _, videos, _ = qwen_vl_utils.process_vision_info(
        q["messages"], return_video_kwargs=True, return_video_metadata=True, image_patch_size=16
    )
    assert [tuple(v.shape[-2:]) for v, _ in videos] == [
        (e["frame_size"][1], e["frame_size"][0]) for e in q["framesift"]["videos"]
    ]
    assert [v.shape[0] for v, _ in videos] == [len(m["frames_indices"]) for m in q["video_metadata"]]


def test_qwen_mixed_selection_for_another_family_is_fitted_and_says_so(mixed_sels):
    sel = mixed_sels[("clips", "qwen2.5-vl")]  # planned in 28-px units, sent to Qwen3-VL (32-px)
    q = sel.to_qwen_messages("q", model="qwen3-vl")
    assert q["framesift"]["sizes"] == "fitted"
    assert any("planned for qwen2.5-vl" in n for n in q["framesift"]["notes"])
    elements = [c for c in q["messages"][-1]["content"] if c["type"] == "video"]
    assert len(elements) == len({(f.width, f.height) for f in sel.frames})
    total = 0
    for element, meta in zip(elements, q["video_metadata"]):
        assert element["resized_height"] % 32 == 0 and element["resized_width"] % 32 == 0
        frames = np.stack([np.asarray(im) for im in element["video"]])
        t, gh, gw = _patch_grid(frames, meta, 16)
        total += t * gh * gw // 4
    assert total == q["framesift"]["visual_tokens"]


def test_qwen_duplicate_pairing_of_a_plan_reports_the_extra_tokens(mixed_sels):
    sel = mixed_sels[("qframe", "qwen3-vl")]
    q = sel.to_qwen_messages("q", model="qwen3-vl", pairing="duplicate")
    assert q["framesift"]["visual_tokens"] > sel.tokens["tokens_spent"]
    assert any(f"the plan counted {sel.tokens['tokens_spent']}" in n for n in q["framesift"]["notes"])


def test_vllm_mixed_selection_is_one_video_within_the_plan(mixed_sels):
    sel = mixed_sels[("qframe", "qwen3-vl")]
    with pytest.warns(UserWarning, match="one set of video metadata per request"):
        body = sel.to_vllm_request("q")
    frames, meta = _vllm_load(body)  # stacks: every frame has the same size
    assert meta["frames_indices"] == sel.indices + ([sel.indices[-1]] if len(sel.indices) % 2 else [])
    t, gh, gw = _patch_grid(frames, meta, 16)
    # The one size is the largest whose tokens fit the plan's spend; one 32-px step more would not.
    assert t * gh * gw // 4 <= sel.tokens["tokens_spent"]
    assert (gh * 16) * (gw * 16) > min(f.width * f.height for f in sel.frames)  # not merely the smallest size
    largest = max((f.width, f.height) for f in sel.frames)
    assert count_tokens("qwen3-vl", [largest] * len(frames)) > sel.tokens["tokens_spent"]  # why it had to shrink
    assert [frame_id_from_pixels(f) for f in frames] == meta["frames_indices"]
    # A selection without a plan is unchanged: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        framesift.select(sel.video.path, "", 4, strategy="uniform", fps=10, ocr=False).to_vllm_request("q")


def test_qwen_default_model_is_the_planned_family(mixed_sels, cfr_sel):
    q = mixed_sels[("clips", "qwen2.5-vl")].to_qwen_messages("q")
    assert q["framesift"]["model"] == "qwen2.5-vl" and q["framesift"]["sizes"] == "planned"
    assert cfr_sel.to_qwen_messages("q")["framesift"]["model"] == "qwen3-vl"  # no plan: as before
