"""How vision-language model families turn frames into visual tokens.

Each family answers three questions: at what pixel size does the model see a frame by default,
what size does it see at a given ``scale`` (side length relative to that default), and how many
visual tokens does a sequence of frames cost. Counts are the number of vision placeholder tokens
the family's processor inserts (``<|video_pad|>``, ``<image>``, ``<IMG_CONTEXT>``): they are exact
and checked against the real processors in the tests. Wrapper text around frames (Qwen3-VL's
``<12.3 seconds>`` markers, InternVL's ``Frame3: <img>...</img>``) depends on the tokenizer and is
reported separately by :meth:`ModelFamily.overhead` as an estimate; budgets bound the visual tokens.

Families (see shared/research/ecosystem.md 1.6 and the processors in transformers):

* ``qwen2.5-vl`` (also Qwen2-VL): 14-px patches merged 2x2, so sizes are multiples of 28 px and a
  ``H x W`` frame costs ``(H/28)(W/28)`` tokens per *temporal patch*; two frames of one video share
  a temporal patch (``temporal_patch_size=2``; an odd count is padded by repeating the last frame).
  A video has one frame size, so a mixed-resolution selection is sent as one video per size. Default per-frame size: qwen-vl-utils ``smart_resize`` with 128..768 tokens.
* ``qwen3-vl``: the same with 16-px patches (32-px units).
* ``llava-onevision``: SigLIP 384 px, 27x27 patches pooled to 14x14 = 196 tokens per video frame,
  plus one newline token per video. One resolution only.
* ``internvl``: 448-px tiles of 256 tokens. Video frames are one tile each; a frame sent as an
  image is cut into up to ``max_tiles`` tiles matching its aspect ratio, plus a thumbnail tile
  (:func:`internvl_tiles`). The selection budget uses the video path (one tile per frame).
* ``generic:N``: N tokens per frame, fixed size (any API that bills a flat rate per image).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

__all__ = [
    "ModelFamily",
    "QwenFamily",
    "FixedFamily",
    "InternVLFamily",
    "get_family",
    "list_families",
    "qwen_smart_resize",
    "internvl_tiles",
    "Size",
]

#: ``(width, height)`` in pixels.
Size = tuple[int, int]


def qwen_smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """``(height, width)`` rounded to multiples of ``factor`` with the pixel count kept in range.

    The arithmetic of qwen-vl-utils / transformers ``smart_resize`` (Python's ``round``, i.e.
    half to even, then a uniform rescale by ``sqrt`` when out of range), so our sizes are the
    sizes the processor will produce from the same input.
    """
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


class ModelFamily:
    """Base class: a family's default frame size, its sizes per scale, and its token count."""

    name: str
    #: Whether frames can be sent at other sizes than the default (mixed resolutions).
    scalable = False

    def default_size(self, width: int, height: int) -> Size:
        raise NotImplementedError

    def size_at(self, width: int, height: int, scale: float) -> Size:
        """The size the model sees for a ``width x height`` frame at ``scale`` (1 = default)."""
        return self.default_size(width, height)

    def count(self, sizes: Sequence[Size]) -> int:
        """Visual tokens of these frames, given in time order at these sizes."""
        raise NotImplementedError

    def count_uniform(self, size: Size, n: int) -> int:
        """Visual tokens of ``n`` frames all at ``size`` (the same as ``count([size] * n)``)."""
        return self.count([size] * int(n))

    def count_grouped(self, frames_per_size: dict[Size, int]) -> int:
        """Visual tokens of ``{size: number of frames}`` (what :meth:`count` gives for that multiset)."""
        return self.count([s for s, n in frames_per_size.items() for _ in range(int(n))])

    def overhead(self, sizes: Sequence[Size]) -> int:
        """Estimated wrapper/text tokens around the frames (tokenizer-dependent; not budgeted)."""
        return 0

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class QwenFamily(ModelFamily):
    """Qwen2-VL / Qwen2.5-VL / Qwen3-VL: dynamic resolution in ``factor``-px units, frames in pairs."""

    name: str
    patch: int
    merge: int = 2
    temporal: int = 2
    #: qwen-vl-utils video defaults (VIDEO_MIN/MAX_TOKEN_NUM): the default per-frame size range.
    min_tokens: int = 128
    max_tokens: int = 768
    #: The smallest size a plan may use (qwen-vl-utils' image floor; pass ``resized_height/width``).
    floor_tokens: int = 4
    #: Wrapper tokens per temporal patch (Qwen3-VL: timestamp text + vision start/end) or per video.
    overhead_per_patch: int = 0
    overhead_per_video: int = 2
    scalable: bool = True

    @property
    def factor(self) -> int:
        return self.patch * self.merge

    def default_size(self, width: int, height: int) -> Size:
        f = self.factor
        h, w = qwen_smart_resize(height, width, f, self.min_tokens * f * f, self.max_tokens * f * f)
        return w, h

    def size_at(self, width: int, height: int, scale: float) -> Size:
        if scale >= 1.0:
            return self.default_size(width, height)
        dw, dh = self.default_size(width, height)
        f = self.factor
        h, w = qwen_smart_resize(
            max(1, round(dh * scale)), max(1, round(dw * scale)), f, self.floor_tokens * f * f, self.max_tokens * f * f
        )
        return w, h

    def patch_tokens(self, size: Size) -> int:
        """Tokens of one temporal patch (one frame pair) at ``size``."""
        return (size[0] // self.factor) * (size[1] // self.factor)

    def _videos(self, sizes: Sequence[Size]) -> dict[Size, int]:
        videos: dict[Size, int] = {}
        for w, h in sizes:
            key = (int(w), int(h))
            videos[key] = videos.get(key, 0) + 1
        return videos

    def count(self, sizes: Sequence[Size]) -> int:
        # A Qwen video has one frame size, so frames of each size go to the model as one video
        # (in time order; with Qwen3-VL each temporal patch carries its own time marker). Within
        # it, two frames share a temporal patch and an odd count is padded with the last frame,
        # as qwen-vl-utils and the processor do: a lone frame at its own size costs a whole patch.
        return self.count_grouped(self._videos(sizes))

    def count_grouped(self, frames_per_size: dict[Size, int]) -> int:
        return sum(self.count_uniform(s, n) for s, n in frames_per_size.items())

    def count_uniform(self, size: Size, n: int) -> int:
        return -(-int(n) // self.temporal) * self.patch_tokens(size)

    def overhead(self, sizes: Sequence[Size]) -> int:
        videos = self._videos(sizes)
        patches = sum(-(-n // self.temporal) for n in videos.values())
        return self.overhead_per_video * len(videos) + self.overhead_per_patch * patches


@dataclass(frozen=True)
class FixedFamily(ModelFamily):
    """A fixed cost per frame (plus a constant per video), at one size."""

    name: str
    tokens_per_frame: int
    per_video: int = 0
    size: Size | None = None
    overhead_per_frame: int = 0

    def default_size(self, width: int, height: int) -> Size:
        return self.size if self.size is not None else (width, height)

    def count(self, sizes: Sequence[Size]) -> int:
        return self.count_uniform(self.default_size(1, 1), len(sizes))

    def count_uniform(self, size: Size, n: int) -> int:
        return self.tokens_per_frame * int(n) + (self.per_video if n else 0)

    def count_grouped(self, frames_per_size: dict[Size, int]) -> int:
        return self.count_uniform(self.default_size(1, 1), sum(int(n) for n in frames_per_size.values()))

    def overhead(self, sizes: Sequence[Size]) -> int:
        return self.overhead_per_frame * len(sizes)


def internvl_tiles(width: int, height: int, *, max_tiles: int = 12, min_tiles: int = 1, thumbnail: bool = True) -> int:
    """Number of 448-px tiles InternVL cuts a ``width x height`` image into (thumbnail included).

    The grid ``(cols, rows)`` with ``min_tiles <= cols*rows <= max_tiles`` whose aspect ratio is
    closest to the image's; on a tie the larger grid wins when the image has more than half the
    grid's pixels (InternVL's ``find_closest_aspect_ratio``). More than one tile adds a thumbnail.
    """
    aspect = width / height
    # Candidate grids by tile count; within a count, columns ascending (the order ties are broken in).
    grids = sorted(
        ((c, r) for c in range(1, max_tiles + 1) for r in range(1, max_tiles + 1) if min_tiles <= c * r <= max_tiles),
        key=lambda g: g[0] * g[1],
    )
    best, best_diff = (1, 1), float("inf")
    area = width * height
    for cols, rows in grids:
        diff = abs(aspect - cols / rows)
        if diff < best_diff:
            best, best_diff = (cols, rows), diff
        elif diff == best_diff and area > 0.5 * 448 * 448 * cols * rows:
            best = (cols, rows)
    n = best[0] * best[1]
    return n + (1 if thumbnail and n > 1 else 0)


@dataclass(frozen=True)
class InternVLFamily(ModelFamily):
    """InternVL (2.5 / 3): 448-px tiles of 256 tokens; a video frame is one tile."""

    name: str = "internvl"
    tile: int = 448
    tokens_per_tile: int = 256
    #: ``Frame7: <img>`` ... ``</img>`` around each frame (``<img>``/``</img>`` are 2 tokens; the text ~4).
    overhead_per_frame: int = 6

    def default_size(self, width: int, height: int) -> Size:
        return self.tile, self.tile

    def count(self, sizes: Sequence[Size]) -> int:
        return sum((int(w) // self.tile) * (int(h) // self.tile) * self.tokens_per_tile for w, h in sizes)

    def count_uniform(self, size: Size, n: int) -> int:
        return int(n) * (size[0] // self.tile) * (size[1] // self.tile) * self.tokens_per_tile

    def count_grouped(self, frames_per_size: dict[Size, int]) -> int:
        return sum(self.count_uniform(s, n) for s, n in frames_per_size.items())

    def overhead(self, sizes: Sequence[Size]) -> int:
        return self.overhead_per_frame * len(sizes)


_FAMILIES: dict[str, ModelFamily] = {
    # Qwen2.5-VL: vision_start/end around each video; time is in M-RoPE, no text markers.
    "qwen2.5-vl": QwenFamily("qwen2.5-vl", patch=14),
    # Qwen3-VL: "<12.3 seconds>" (~7 tokens with single-digit splitting) + vision start/end per patch.
    "qwen3-vl": QwenFamily("qwen3-vl", patch=16, overhead_per_patch=9, overhead_per_video=0),
    "llava-onevision": FixedFamily("llava-onevision", tokens_per_frame=196, per_video=1, size=(384, 384)),
    "internvl": InternVLFamily(),
}
_ALIASES = {
    "qwen2-vl": "qwen2.5-vl",
    "qwen2_5_vl": "qwen2.5-vl",
    "qwen25-vl": "qwen2.5-vl",
    "qwen3_vl": "qwen3-vl",
    "llava-ov": "llava-onevision",
    "internvl3": "internvl",
    "internvl2.5": "internvl",
}


def list_families() -> list[str]:
    """Names accepted by :func:`get_family` (plus ``generic:N``)."""
    return sorted(_FAMILIES) + ["generic:N"]


def get_family(name: str | ModelFamily) -> ModelFamily:
    """A family by name: ``qwen2.5-vl``, ``qwen3-vl``, ``llava-onevision``, ``internvl``, ``generic:N``."""
    if isinstance(name, ModelFamily):
        return name
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    if key in _FAMILIES:
        return _FAMILIES[key]
    if key.startswith("generic"):
        _, _, n = key.partition(":")
        try:
            per = int(n) if n else 256
        except ValueError:
            per = -1
        if per < 1:
            raise InputError(f"model family '{name}': expected generic:N with N a positive number of tokens per frame")
        return FixedFamily(f"generic:{per}", tokens_per_frame=per)
    raise InputError(f"unknown model family '{name}' (choose from: {', '.join(list_families())})")
