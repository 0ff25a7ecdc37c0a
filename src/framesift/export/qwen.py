"""Hugging Face transformers / qwen-vl-utils: a video element plus true video metadata.

What the Qwen-family processors read (transformers ``Qwen3VLProcessor`` /
``Qwen3VLVideoProcessor``, ``qwen_vl_utils.process_vision_info``):

* a chat message whose content holds ``{"type": "video", "video": [frame, ...]}``; qwen-vl-utils
  loads each frame with ``fetch_image`` (PIL images, paths, ``data:image/...;base64`` URLs),
  pads the list to an even length and resizes it to a multiple of the patch factor;
* ``video_metadata`` (``transformers.video_utils.VideoMetadata``: ``total_num_frames``, ``fps``,
  ``width``, ``height``, ``duration``, ``video_backend``, ``frames_indices``), from which
  Qwen3-VL prints ``<t seconds>`` before each 2-frame temporal patch (the mean of
  ``frames_indices / fps`` over the pair).

qwen-vl-utils invents that metadata for frame lists: ``frames_indices = range(n)`` and
``fps = raw_fps``, so every selection, however irregular, looks uniform to the model
(QwenLM/Qwen3-VL PR #2117). This adapter builds the metadata from the original indices and the
source fps instead, to be passed to the processor in place of qwen-vl-utils' own.

Frames are resized here to the size the processors would choose (qwen-vl-utils' budget: at
least ``min_pixels``, at most ``max(min(max_pixels, total_pixels / n * 2), 1.05 * min_pixels)``
per frame, sides multiples of ``patch_size * 2``: 32 for Qwen3-VL, 28 for Qwen2/2.5-VL), and
the element carries that size as ``resized_height``/``resized_width`` so qwen-vl-utils keeps it.
The processor can then be called with ``do_resize=False``.

Qwen2.5-VL has one time step per video (``second_per_grid_ts = 2 / fps``): it cannot express
irregular spacing inside one video. For it the adapter passes the mean spacing of the picks as
``fps`` and adds a text line with each frame's time, and says so in the record.

A token-budgeted selection (:mod:`framesift.budget`) gives each frame a planned size. A Qwen
video has one frame size, so the budget counts frames of each size as one video; this adapter
sends exactly that: one video element per planned size (frames in time order, paired and padded
on their own, each with its own metadata), at the planned sizes when the plan was made for this
family, so the processor's visual tokens are the plan's ``tokens_spent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from PIL import Image

from ..budget.families import get_family, qwen_smart_resize
from ..errors import InputError
from ..frame import SelectedFrame, TokenSpend
from ..video.probe import VideoInfo
from ._frames import Pairing, SourceTiming, TimedFrames, groups_by_size, jpeg_base64, mmss, pair_frames, source_timing
from .context import DEFAULT_CONTEXT_TOKENS, frame_context, render_block

__all__ = ["QwenModel", "QWEN_MODELS", "qwen_frame_size", "qwen_inputs"]

QwenModel = Literal["qwen3-vl", "qwen2.5-vl", "qwen2-vl"]
#: model family -> vision patch size (the resize factor is patch size x spatial merge 2).
QWEN_MODELS: dict[str, int] = {"qwen3-vl": 16, "qwen2.5-vl": 14, "qwen2-vl": 14}
_MERGE = 2
_TEMPORAL_PATCH = 2
# qwen-vl-utils defaults, in tokens per frame (x factor^2 = pixels) and context length.
_MIN_TOKENS, _MAX_TOKENS, _MODEL_SEQ_LEN = 128, 768, 128000


def qwen_frame_size(
    height: int,
    width: int,
    num_frames: int,
    *,
    factor: int,
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    total_pixels: int | None = None,
) -> tuple[int, int]:
    """(height, width) a Qwen-family processor resizes ``num_frames`` frames of this size to.

    This is qwen-vl-utils' video budget (module docstring) applied to the decoded size, as for a
    video file. (For a *list* of frames qwen-vl-utils first rounds each image to twice the factor,
    which distorts the aspect ratio; framesift sizes the frames itself and passes
    ``resized_height``/``resized_width``, so that step cannot change the final size.)
    """
    if height < 1 or width < 1:
        raise InputError(f"frame size must be positive (got {width}x{height})")
    if max(height, width) / min(height, width) > 200:
        raise InputError(f"aspect ratio {width}x{height} is beyond what Qwen processors accept (200:1)")
    lo = _MIN_TOKENS * factor * factor if min_pixels is None else int(min_pixels)
    total = _MODEL_SEQ_LEN * factor * factor * 0.9 if total_pixels is None else float(total_pixels)
    cap = max(min(_MAX_TOKENS * factor * factor, total / max(num_frames, 1) * _TEMPORAL_PATCH), int(lo * 1.05))
    hi = cap if max_pixels is None else min(int(max_pixels), cap)
    if hi < lo:
        raise InputError(f"max_pixels ({hi}) must not be below min_pixels ({lo})")
    # The processors' smart_resize rounding, shared with the token budget's sizes.
    return qwen_smart_resize(height, width, factor, lo, int(hi))


def _patch_fps(frames: TimedFrames) -> float:
    """Frames per second that makes Qwen2.5-VL's one time step equal the mean spacing of the patches."""
    patch_times = [(frames.times[i] + frames.times[i + 1]) / 2 for i in range(0, len(frames.times) - 1, 2)]
    if len(patch_times) < 2 or patch_times[-1] <= patch_times[0]:
        return 2.0  # one patch: any step is as good; qwen-vl-utils' default
    seconds_per_patch = (patch_times[-1] - patch_times[0]) / (len(patch_times) - 1)
    return _TEMPORAL_PATCH / seconds_per_patch


def qwen_inputs(
    selected: Sequence[SelectedFrame],
    video: VideoInfo,
    question: str,
    *,
    tokens: TokenSpend | None = None,
    model: QwenModel | None = None,
    pairing: Pairing = "pad",
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    total_pixels: int | None = None,
    frames: Literal["pil", "base64"] = "pil",
    jpeg_quality: int = 90,
    system: str | None = None,
    context: Any = "auto",
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> dict[str, Any]:
    """Messages, video metadata and processor arguments for a Qwen-family model.

    Returns a dict with:

    * ``messages``: chat messages for ``processor.apply_chat_template`` and for
      ``qwen_vl_utils.process_vision_info(messages, image_patch_size=...)``;
    * ``video_metadata``: one ``VideoMetadata`` record (as a dict) per video, with the original
      ``frames_indices`` and source ``fps``: pass it as ``processor(..., video_metadata=...)``
      instead of the renumbered metadata qwen-vl-utils returns;
    * ``processor_kwargs``: ``do_sample_frames=False`` (the frames are chosen), ``do_resize=False``
      (they are already sized), and for Qwen2/2.5-VL the ``fps`` its single time step needs;
    * ``framesift``: what was done: model, patch size, frame size, pairing, which positions are
      repeated copies, the pts time of every frame sent, notes. For a token-budgeted selection
      also ``sizes`` (``"planned"``, or ``"fitted"`` when planned for another family or pixel
      limits are given), ``videos`` (size, indices, repeated positions and visual tokens of each
      video; ``frame_size`` is None when there are several), ``visual_tokens`` and ``planned_tokens``.

    Args:
        selected: the chosen frames, with images (``select(..., fetch=True)``), in time order.
        video: the video they come from (source fps and frame count).
        tokens: what a token-budgeted selection spent; with planned frame sizes (``scale``), each
            planned size becomes its own video.
        question: the user's question, placed after the video.
        model: ``"qwen3-vl"`` (32-pixel units) or ``"qwen2.5-vl"`` / ``"qwen2-vl"`` (28); default: the
            Qwen family a token-budgeted selection was planned for, else ``"qwen3-vl"``.
        pairing: see :data:`framesift.export._frames.Pairing`.
        min_pixels, max_pixels: per-frame pixel limits (defaults: 128 and 768 tokens x factor^2).
        total_pixels: pixel budget of the whole video (default: qwen-vl-utils' 128000 x factor^2 x 0.9).
        frames: ``"pil"`` puts PIL images in the message (Python use); ``"base64"`` puts JPEG
            data URLs (JSON output).
        jpeg_quality: for ``frames="base64"``.
        system: an optional system message.
        context: the subtitle / speech / on-screen text near the frames, with its times
            (:mod:`framesift.export.context`): ``"auto"``, ``"none"`` or a list of channels.
        context_tokens: the most (estimated) text tokens those words may take.
    """
    if model is None:
        planned_for = tokens.model_family if tokens is not None else None
        model = planned_for if planned_for in QWEN_MODELS else "qwen3-vl"  # type: ignore[assignment]
    if model not in QWEN_MODELS:
        raise InputError(f"model must be one of {', '.join(QWEN_MODELS)} (got {model!r})")
    if frames not in ("pil", "base64"):
        raise InputError(f"frames must be 'pil' or 'base64' (got {frames!r})")
    timing = source_timing(video)
    patch = QWEN_MODELS[model]
    factor = patch * _MERGE
    qwen3 = model == "qwen3-vl"
    limits = {"min_pixels": min_pixels, "max_pixels": max_pixels, "total_pixels": total_pixels}
    planned = tokens is not None and any(f.scale is not None for f in selected)
    if not planned:
        # No resolution plan: one video, sized by qwen-vl-utils' budget from the frames' size.
        sent = pair_frames(selected, pairing)
        w0, h0 = sent.images[0].size
        videos = [(sent, qwen_frame_size(h0, w0, len(sent.images), factor=factor, **limits))]
        exact = False
    else:
        # A token budget planned a size per frame. A Qwen video has one frame size, so each planned
        # size becomes its own video (what framesift.budget counted); the planned sizes are kept
        # exactly when they were planned for this family and no pixel limits override them.
        family = get_family(model).name
        exact = tokens is not None and tokens.model_family == family and all(v is None for v in limits.values())
        videos = []
        for group in groups_by_size(selected):
            sent = pair_frames(selected, pairing, group)
            f0 = selected[group[0]]
            size = (
                (int(f0.height), int(f0.width))
                if exact
                else qwen_frame_size(int(f0.height), int(f0.width), len(sent.images), factor=factor, **limits)
            )
            videos.append((sent, size))

    content: list[dict[str, Any]] = []
    metadata: list[dict[str, Any]] = []
    fps_per_video: list[float] = []
    for sent, (h, w) in videos:
        element, meta, patch_fps = _video(sent, h, w, timing, frames, jpeg_quality)
        content.append(element)
        metadata.append(meta)
        fps_per_video.append(patch_fps)
        if not qwen3:
            picked = [t for k, t in enumerate(sent.times) if k not in set(sent.repeated)]
            content.append(
                {
                    "type": "text",
                    "text": "The frames above were taken at "
                    + ", ".join(mmss(t) for t in picked)
                    + " (MM:SS) of the video.",
                }
            )
    notes: list[str] = []
    if not qwen3:
        fps_text = ", ".join(f"{v:.4g}" for v in fps_per_video)
        notes.append(
            f"{model} encodes one time step per video: mean spacing used (fps {fps_text}), "
            "exact frame times given as text"
        )
    block = render_block(frame_context(sorted(selected, key=lambda f: f.time), context, context_tokens))
    if block:
        content.append({"type": "text", "text": block})
    content.append({"type": "text", "text": question})
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": [{"type": "text", "text": system}]})
    messages.append({"role": "user", "content": content})

    every = _concat([sent for sent, _ in videos])
    notes.extend(_timing_notes(every, timing.fps, timing.start_time))
    processor_kwargs: dict[str, Any] = {"do_sample_frames": False, "do_resize": False}
    if not qwen3:
        processor_kwargs["fps"] = fps_per_video
    record: dict[str, Any] = {
        "model": model,
        "image_patch_size": patch,
        "frame_size": [videos[0][1][1], videos[0][1][0]] if len(videos) == 1 else None,
        "pairing": pairing,
        "repeated_positions": list(every.repeated),
        "times": [round(t, 6) for t in every.times],
        "notes": notes,
    }
    if planned:
        record.update(_plan_record(tokens, model, videos, exact, notes))
    return {"messages": messages, "video_metadata": metadata, "processor_kwargs": processor_kwargs, "framesift": record}


def _video(
    sent: TimedFrames, h: int, w: int, timing: SourceTiming, frames: str, jpeg_quality: int
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """One video element (frames resized to ``w x h``), its true metadata, and its Qwen2.5-VL fps."""
    resized: dict[int, Image.Image] = {}  # one resize per distinct image (pairing repeats objects)
    video: list[Any] = []
    for img in sent.images:
        key = id(img)
        if key not in resized:
            resized[key] = img.convert("RGB").resize((w, h), Image.Resampling.BICUBIC)
        r = resized[key]
        video.append(r if frames == "pil" else "data:image/jpeg;base64," + jpeg_base64(r, jpeg_quality))
    patch_fps = _patch_fps(sent)
    element: dict[str, Any] = {
        "type": "video",
        "video": video,
        "resized_height": h,
        "resized_width": w,
        # Only read by qwen-vl-utils: raw_fps becomes its (renumbered) metadata fps, sample_fps the
        # fps it reports for Qwen2/2.5-VL; the true metadata is ``video_metadata``.
        "raw_fps": timing.fps,
        "sample_fps": patch_fps,
    }
    metadata = {
        "total_num_frames": max(timing.total_num_frames, len(sent.indices)),
        "fps": timing.fps,
        "width": w,
        "height": h,
        "duration": timing.duration,
        "video_backend": "framesift",
        "frames_indices": [int(i) for i in sent.indices],
    }
    return element, metadata, patch_fps


def _concat(parts: list[TimedFrames]) -> TimedFrames:
    """The videos' frames in send order, as one list (repeated positions shifted accordingly)."""
    out = TimedFrames(images=[], indices=[], times=[])
    for p in parts:
        out.repeated.extend(len(out.images) + k for k in p.repeated)
        out.images.extend(p.images)
        out.indices.extend(p.indices)
        out.times.extend(p.times)
    return out


def _plan_record(
    tokens: TokenSpend | None,
    model: str,
    videos: list[tuple[TimedFrames, tuple[int, int]]],
    exact: bool,
    notes: list[str],
) -> dict[str, Any]:
    """What a token-budgeted selection became: one entry per video, and its tokens against the plan."""
    family = get_family(model)
    entries: list[dict[str, Any]] = []
    for sent, (h, w) in videos:
        entries.append(
            {
                "frame_size": [w, h],
                "frames_indices": [int(i) for i in sent.indices],
                "repeated_positions": list(sent.repeated),
                "visual_tokens": family.count_uniform((w, h), len(sent.images)),
            }
        )
    total = sum(e["visual_tokens"] for e in entries)
    planned_tokens = tokens.spent if tokens is not None else None
    planned_family = tokens.model_family if tokens is not None else None
    if len(videos) > 1:
        sizes = ", ".join(f"{w}x{h}" for _, (h, w) in videos)
        notes.append(
            f"mixed-resolution selection: {len(videos)} videos, one per frame size ({sizes}), "
            "frames in time order within each"
        )
    if not exact:
        why = (
            f"planned for {planned_family}, sent to {model}" if planned_family != family.name else "pixel limits given"
        )
        notes.append(f"frame sizes fitted to {model}'s limits, not the planned ones ({why})")
    if planned_tokens is not None and total != planned_tokens:
        notes.append(f"{total} visual tokens sent, the plan counted {planned_tokens}")
    return {
        "sizes": "planned" if exact else "fitted",
        "videos": entries,
        "visual_tokens": total,
        "planned_tokens": planned_tokens,
    }


def _timing_notes(sent: TimedFrames, fps: float, start_time: float) -> list[str]:
    """Where ``index / fps`` (what the model is told) differs from the pts time (what is true)."""
    notes = []
    if start_time > 1e-6:
        notes.append(f"the video starts at {start_time:.3f}s: the model counts seconds from its first frame")
    err = max(abs(i / fps - (t - start_time)) for i, t in zip(sent.indices, sent.times))
    if err > 1.0 / fps:
        notes.append(f"variable frame rate: index/fps is off the true time by up to {err:.3f}s")
    return notes
