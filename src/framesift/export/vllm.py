"""vLLM's OpenAI-compatible server: the selection as one video with its true frame indices.

vLLM reads a ``video_url`` part whose URL is ``data:video/jpeg;base64,<frame1>,<frame2>,...``
as a pre-extracted frame sequence (no decoding, no resampling). Its ``VideoMediaIO.load_base64``
then builds the video metadata from the request-level ``media_io_kwargs["video"]``:
``frames_indices`` (ints, one per frame sent), ``fps`` (default 1), ``total_num_frames`` (at
least the number sent), ``duration`` and ``do_sample_frames`` (vllm-project/vllm PR #40133,
``vllm/multimodal/media/video.py``). Qwen3-VL's processor turns ``frames_indices / fps`` into
the ``<t seconds>`` text markers, so sending the source fps and the original indices makes those
markers the true times of the picked frames; without them vLLM falls back to ``range(n)`` at
1 fps and every selection looks like a uniform one-frame-per-second clip.

vLLM's Qwen3-VL processor (``vllm/model_executor/models/qwen3_vl.py``,
``_get_video_second_idx``) computes the markers from ``metadata["frames_indices"]`` and
``metadata["fps"]`` exactly as transformers does, unless ``do_sample_frames`` is true, in which
case it re-derives uniform indices; hence ``do_sample_frames: false`` in both
``media_io_kwargs`` and ``mm_processor_kwargs``.

``num_frames`` is sent too: the loader keeps only the first ``num_frames`` comma-separated
frames (32 unless configured), which would silently cut longer selections.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from PIL import Image

from ..budget.families import QwenFamily, get_family
from ..budget.plan import plan_frames
from ..errors import InputError
from ..frame import SelectedFrame, TokenSpend
from ..video.probe import VideoInfo
from ._frames import (
    Pairing,
    SourceTiming,
    TimedFrames,
    groups_by_size,
    jpeg_base64,
    pair_frames,
    scale_to_max_side,
    source_timing,
)
from .context import DEFAULT_CONTEXT_TOKENS, frame_context, render_block

__all__ = ["video_media_kwargs", "vllm_request"]


def vllm_request(
    selected: Sequence[SelectedFrame],
    video: VideoInfo,
    question: str,
    *,
    tokens: TokenSpend | None = None,
    model: str | None = None,
    pairing: Pairing = "pad",
    max_side: int | None = None,
    jpeg_quality: int = 90,
    system: str | None = None,
    context: Any = "auto",
    context_tokens: int = DEFAULT_CONTEXT_TOKENS,
) -> dict[str, Any]:
    """The body of a ``POST /v1/chat/completions`` request to vLLM with the selection as one video.

    Args:
        selected: the chosen frames, with images (``select(..., fetch=True)``), in time order.
        video: the video they come from (source fps and frame count).
        question: the user's question, sent after the video.
        model: the served model name (``"model"`` field); omitted when None.
        pairing: how frames are grouped into the 2-frame temporal patches of Qwen-family models
            (see :data:`framesift.export._frames.Pairing`); the default pads an odd count by
            repeating the last frame, as the processor would.
        max_side: shrink frames so the longer side is at most this many pixels (the server's
            processor resizes again to its own pixel limits; this only bounds the payload).
        jpeg_quality: JPEG quality of the frames.
        system: an optional system message.
        context: the subtitle / speech / on-screen text near the frames, with its times
            (:mod:`framesift.export.context`): ``"auto"``, ``"none"`` or a list of channels.
        context_tokens: the most (estimated) text tokens those words may take.
        tokens: what a token-budgeted selection spent (a mixed-resolution one is resized to
            one size that fits it).
    """
    timing = source_timing(video)
    sent = pair_frames(selected, pairing)
    if len(groups_by_size(selected)) > 1:
        _one_size(selected, video, tokens, sent)
    parts = [jpeg_base64(scale_to_max_side(img, max_side), jpeg_quality) for img in sent.images]
    video_kwargs = video_media_kwargs(timing, sent.indices)
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append(
        {
            "role": "user",
            "content": [
                {"type": "video_url", "video_url": {"url": "data:video/jpeg;base64," + ",".join(parts)}},
                *_context_part(selected, context, context_tokens),
                {"type": "text", "text": question},
            ],
        }
    )
    body: dict[str, Any] = {}
    if model:
        body["model"] = model
    body["messages"] = messages
    body["media_io_kwargs"] = {"video": video_kwargs}
    # The HF processor must not resample the frames we chose.
    body["mm_processor_kwargs"] = {"do_sample_frames": False}
    return body


def video_media_kwargs(timing: SourceTiming, indices: Sequence[int]) -> dict[str, Any]:
    """``media_io_kwargs["video"]`` for frames sent with these source indices (module docstring)."""
    n = len(indices)
    return {
        "num_frames": n,
        "fps": timing.fps,
        "frames_indices": [int(i) for i in indices],
        # vLLM rejects total_num_frames < frames sent (possible when pairing duplicates frames
        # of a very short video).
        "total_num_frames": max(timing.total_num_frames, n),
        "duration": timing.duration,
        "do_sample_frames": False,
    }


def _one_size(
    picked: Sequence[SelectedFrame], video: VideoInfo, tokens: TokenSpend | None, frames: TimedFrames
) -> None:
    """Resize a mixed-resolution selection's frames (in place) to one size that fits its token plan.

    See the module docstring for why vLLM cannot take one video per size.
    """
    sizes = sorted({(int(f.width), int(f.height)) for f in picked}, key=lambda s: s[0] * s[1])
    size = sizes[-1]
    family = get_family(tokens.model_family) if tokens is not None else None
    spent = tokens.spent if tokens is not None else None
    if isinstance(family, QwenFamily) and spent:
        try:
            plan = plan_frames(
                int(spent),
                family,
                (int(video.width), int(video.height)),
                num_frames=len(frames.images),
            )
            size = plan.sizes[0]
        except InputError:  # no single size fits: the smallest planned one (over the plan)
            size = sizes[0]
    resized: dict[int, Image.Image] = {}
    for k, img in enumerate(frames.images):
        if id(img) not in resized:
            resized[id(img)] = img.convert("RGB").resize(size, Image.Resampling.BICUBIC)
        frames.images[k] = resized[id(img)]
    cost = family.count_uniform(size, len(frames.images)) if family is not None else None
    warnings.warn(
        f"vLLM takes one set of video metadata per request, so this mixed-resolution selection "
        f"({', '.join(f'{w}x{h}' for w, h in sizes)}) is sent as one video at {size[0]}x{size[1]}"
        + (f" ({cost} visual tokens; the plan counted {spent})" if cost is not None else "")
        + "; use the qwen adapter for one video per size",
        UserWarning,
        stacklevel=3,
    )


def _context_part(selected: Sequence[SelectedFrame], context: Any, context_tokens: int) -> list[dict[str, Any]]:
    """One text part with the words near the frames (one video part has no room beside each frame)."""
    block = render_block(frame_context(sorted(selected, key=lambda f: f.time), context, context_tokens))
    return [{"type": "text", "text": block}] if block else []
