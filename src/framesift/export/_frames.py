"""Shared pieces of the model adapters: source timing, pairing for Qwen-family models, JPEG/base64.

Every adapter hands a model the *original* frame indices and the *source* fps, because the
models and servers derive the time of a frame as ``index / fps`` (transformers
``VideoMetadata.timestamps``, Qwen3-VL's ``<t seconds>`` markers, vLLM's ``frames_indices``).
Renumbering picks 0..n-1 would make every selection look uniform to the model.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from .._imaging import clock, encode_jpeg, fit_within
from ..errors import InputError
from ..frame import SelectedFrame
from ..video.probe import VideoInfo

__all__ = [
    "Pairing",
    "SourceTiming",
    "pad_to_pairs",
    "TimedFrames",
    "groups_by_size",
    "jpeg_base64",
    "pair_frames",
    "require_images",
    "scale_to_max_side",
    "source_timing",
    "mmss",
]

#: How frames are grouped for models that merge two consecutive frames into one temporal patch
#: (Qwen2-VL, Qwen2.5-VL, Qwen3-VL; ``temporal_patch_size = 2``):
#: ``"pad"`` repeats the last frame when the count is odd (what the processors do themselves,
#: made explicit and recorded); ``"duplicate"`` sends every frame twice so each patch shows one
#: moment and carries that frame's exact time (twice the visual tokens); ``"none"`` sends the
#: frames as they are.
Pairing = Literal["pad", "duplicate", "none"]
PAIRINGS: tuple[str, ...] = ("pad", "duplicate", "none")


@dataclass(frozen=True)
class SourceTiming:
    """What a server needs to turn an original frame index into seconds: ``index / fps``."""

    fps: float
    total_num_frames: int
    duration: float
    start_time: float


@dataclass
class TimedFrames:
    """Frames ready to send, with their original indices and pts times, in send order.

    ``repeated`` lists positions (in send order) that are copies added for pairing, so a reader
    can tell a padded frame from a picked one.
    """

    images: list[Image.Image]
    indices: list[int]
    times: list[float]
    repeated: list[int] = field(default_factory=list)


def require_images(frames: Sequence[SelectedFrame]) -> list[Image.Image]:
    """The full-resolution images of the frames (fetched by ``select(..., fetch=True)``)."""
    if not frames:
        raise InputError("the selection has no frames to hand to a model")
    images = [f.image for f in frames]
    if any(img is None for img in images):
        raise InputError("the selection holds no images (select(..., fetch=False)); select again with fetch=True")
    return [img for img in images if img is not None]


def source_timing(info: VideoInfo) -> SourceTiming:
    """Source fps, frame count and duration as probed (packet table, not the header alone)."""
    fps = float(info.fps)
    if not (math.isfinite(fps) and fps > 0):
        raise InputError(
            f"{info.path}: the video has no usable frame rate, so frame indices cannot be turned into times"
        )
    return SourceTiming(
        fps=fps, total_num_frames=int(info.num_frames), duration=float(info.duration), start_time=float(info.start_time)
    )


def pair_frames(frames: Sequence[SelectedFrame], pairing: str, positions: Sequence[int] | None = None) -> TimedFrames:
    """The frames in time order, grouped for a temporal patch size of 2 (see :data:`Pairing`).

    ``positions`` (indices into ``frames``, in time order) restricts this to some frames: one
    video of a mixed-resolution selection, paired and padded on its own.
    """
    if pairing not in PAIRINGS:
        raise InputError(f"pairing must be one of {', '.join(PAIRINGS)} (got {pairing!r})")
    images = require_images(frames)
    chosen = range(len(frames)) if positions is None else positions
    out = TimedFrames(images=[], indices=[], times=[])
    for img, f in ((images[k], frames[k]) for k in chosen):
        copies = 2 if pairing == "duplicate" else 1
        for c in range(copies):
            if c:
                out.repeated.append(len(out.images))
            out.images.append(img)
            out.indices.append(int(f.index))
            out.times.append(float(f.time))
    if pairing == "pad":
        pad_to_pairs(out)
    return out


def pad_to_pairs(frames: TimedFrames) -> None:
    """Make an odd count even (in place) by repeating the last frame, recorded in ``repeated``.

    The processors would repeat the last frame (pixels) and the last index (timestamps); doing it
    here keeps the frames, indices and metadata we send the same length."""
    if len(frames.images) % 2:
        frames.repeated.append(len(frames.images))
        frames.images.append(frames.images[-1])
        frames.indices.append(frames.indices[-1])
        frames.times.append(frames.times[-1])


def groups_by_size(frames: Sequence[SelectedFrame]) -> list[list[int]]:
    """Positions of the frames grouped by planned size (``width x height``), in time order.

    A Qwen video has one frame size, so a token-budgeted selection with several planned sizes is
    sent (and counted by :mod:`framesift.budget`) as one video per size. Groups are ordered by
    their first frame's time.
    """
    groups: dict[tuple[int, int], list[int]] = {}
    for k, f in enumerate(frames):
        groups.setdefault((int(f.width), int(f.height)), []).append(k)
    return sorted(groups.values(), key=lambda g: g[0])


def scale_to_max_side(img: Image.Image, max_side: int | None) -> Image.Image:
    """Shrink (never enlarge) so the longer side is at most ``max_side`` pixels."""
    if max_side is None or max(img.size) <= max_side:
        return img
    if max_side < 1:
        raise InputError(f"max_side must be at least 1 (got {max_side})", param="max_side")
    return fit_within(img, max_side)


def jpeg_base64(img: Image.Image, quality: int = 90) -> str:
    """Base64 (no data-URL prefix) of the image as a baseline JPEG."""
    if not 1 <= int(quality) <= 100:
        raise InputError(f"jpeg quality must be between 1 and 100 (got {quality})")
    return base64.b64encode(encode_jpeg(img, quality)).decode("ascii")


def mmss(seconds: float) -> str:
    """``75.25`` -> ``"01:15.2"``; hours when needed. Gemini's docs ask for MM:SS in prompts."""
    return clock(seconds, 1, truncate=True)  # truncate, so 59.97 never prints as 60.0
