"""What part of a frame and how sharp: whole frames, slow-fast plans, region crops and storyboards,
all priced under one visual-token budget.

A frame-only plan (:mod:`.plan`) sends every chosen frame whole at one size. Small text on an
HD source (16-28 px on 1080p) is illegible at a family's default frame size, so this module
plans three other ways to spend the same tokens:

* **slow-fast** (``plan=slowfast``): many small frames spread over the video plus a few sharp
  frames where relevance peaks, sharing one budget (SlowFast-LLaVA, Xu et al. 2024; LOVE-R1,
  2025; Q-Frame's resolution tiers, Zhang et al. 2025);
* **region crops** (``crops=auto``): the boxes of on-screen text that matched the question, cut
  from the full-resolution frame and sent as their own image beside a smaller whole frame
  (Free Video-LLM's prompt-guided RoI, Han et al. 2024; F2C / KFFocus trade frames for pixels);
* **storyboards** (``layout=grid:RxC``): consecutive picks packed into one image per ``R x C``
  cells, each cell's true time burned in (for APIs with per-request image caps and models
  billed per image).

Everything here is arithmetic on sizes: no pixels. A :class:`VisualPlan` lists the images a
model receives (:class:`PlannedImage`), and its ``tokens`` are exact for the family: whole frames
go as videos (Qwen pairs frames into temporal patches, :meth:`ModelFamily.count`), crops and
grids as images (:func:`image_tokens`: a grid costs what an image of its size costs). Every
planner returns a plan whose ``tokens <= limit``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import InputError
from .families import FixedFamily, InternVLFamily, ModelFamily, QwenFamily, Size, internvl_tiles, qwen_smart_resize
from .plan import TokenBudget

__all__ = [
    "LayoutSpec",
    "Pick",
    "PlannedImage",
    "VisualPlan",
    "image_size",
    "image_tokens",
    "plan_layout",
]

Box = tuple[int, int, int, int]  # (x0, y0, x1, y1) in source display pixels, x1/y1 exclusive


@dataclass(frozen=True)
class LayoutSpec:
    """The plan options of a selection, parsed and checked once.

    ``plan``: ``whole`` (every frame at one size) or ``slowfast``; ``layout``: ``frames`` or a
    storyboard ``(rows, cols)``; ``crops``: ``auto`` (crop matched text where a frame has it) or
    ``off``. ``slow``: how many sharp frames a slow-fast plan keeps; ``crop_share``: the most of
    the budget crops may take.
    """

    plan: Literal["whole", "slowfast"] = "whole"
    grid: tuple[int, int] | None = None
    crops: Literal["auto", "off"] = "off"
    slow: int = 2
    crop_share: float = 0.35

    @staticmethod
    def parse(plan: str = "whole", layout: str | None = None, crops: str = "off") -> LayoutSpec:
        """From the user's strings (``plan=slowfast``, ``layout=grid:2x2``, ``crops=auto``)."""
        p = str(plan).strip().lower()
        if p not in ("whole", "slowfast"):
            raise InputError(f"plan must be 'whole' or 'slowfast' (got {plan!r})", param="plan")
        c = str(crops).strip().lower()
        if c not in ("auto", "off"):
            raise InputError(f"crops must be 'auto' or 'off' (got {crops!r})", param="crops")
        grid = None
        if layout is not None and str(layout).strip().lower() not in ("", "frames"):
            m = re.fullmatch(r"grid:(\d+)x(\d+)", str(layout).strip().lower())
            if not m or not (1 <= int(m[1]) <= 8 and 1 <= int(m[2]) <= 8) or int(m[1]) * int(m[2]) < 2:
                raise InputError(
                    f"layout must be 'frames' or 'grid:RxC' with 1..8 rows and columns and >= 2 cells (got {layout!r})",
                    param="layout",
                )
            grid = (int(m[1]), int(m[2]))
        return LayoutSpec(plan=p, grid=grid, crops=c)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan,
            "layout": f"grid:{self.grid[0]}x{self.grid[1]}" if self.grid else "frames",
            "crops": self.crops,
        }


@dataclass(frozen=True)
class Pick:
    """A chosen frame as the planner sees it: where, how relevant, and its matched text boxes."""

    index: int
    time: float
    relevance: float = 0.0
    #: boxes worth cropping (matched on-screen text, a changed region), source display pixels
    boxes: tuple[Box, ...] = ()
    #: what each box came from: ``text`` (OCR lines matching the question), ``event`` (the region
    #: that changed at a momentary event) or ``visual`` (the patches most similar to the question)
    box_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedImage:
    """One image the model receives.

    ``kind``: ``frame`` (a whole frame, sent with the others of its size as a video), ``still``
    (a whole frame sent as its own image, sharper than a video frame may be), ``crop``
    (a region of frame ``indices[0]``, box ``box``, sent as an image) or ``grid`` (cells
    ``indices`` in reading order, ``rows x cols``, sent as one image). ``size`` is the exact
    ``(width, height)`` the model sees; ``times`` the source times (a crop's is its frame's).
    """

    kind: Literal["frame", "still", "crop", "grid"]
    size: Size
    indices: tuple[int, ...]
    times: tuple[float, ...]
    box: Box | None = None
    grid: tuple[int, int] | None = None
    role: str = "frame"
    #: for a crop: what its box came from (see :attr:`Pick.box_from`)
    region_from: str | None = None


@dataclass(frozen=True)
class VisualPlan:
    """The images of a selection and their exact visual tokens for ``family``."""

    family: str
    limit: int
    images: tuple[PlannedImage, ...]
    tokens: int
    spec: LayoutSpec

    @property
    def frames(self) -> tuple[PlannedImage, ...]:
        return tuple(im for im in self.images if im.kind == "frame")


# ---------------------------------------------------------------------------------------------
# images: size and tokens
# ---------------------------------------------------------------------------------------------

#: qwen-vl-utils' image pixel range, in tokens (MIN_PIXELS = 4 * 28 * 28, MAX_PIXELS = 16384 * 28 * 28)
_QWEN_IMAGE_MIN_TOKENS = 4
_QWEN_IMAGE_MAX_TOKENS = 16384


def image_tokens(family: ModelFamily, size: Size) -> int:
    """Visual tokens of one *image* (not a video frame) of ``size`` as the family's processor sizes it.

    Qwen: ``smart_resize`` to a multiple of the merge unit, one temporal patch (an image is
    repeated to the temporal patch size, so it costs what a frame pair costs). InternVL: its
    dynamic tiling (:func:`internvl_tiles`, thumbnail included). Fixed families: one frame's cost.
    """
    w, h = int(size[0]), int(size[1])
    if isinstance(family, QwenFamily):
        f = family.factor
        hh, ww = qwen_smart_resize(h, w, f, _QWEN_IMAGE_MIN_TOKENS * f * f, _QWEN_IMAGE_MAX_TOKENS * f * f)
        return (ww // f) * (hh // f)
    if isinstance(family, InternVLFamily):
        return internvl_tiles(w, h) * family.tokens_per_tile
    if isinstance(family, FixedFamily):
        return family.tokens_per_frame
    return family.count([(w, h)])


def image_size(family: ModelFamily, width: int, height: int, max_tokens: int, *, upscale: float = 1.0) -> Size | None:
    """The largest size of an image with ``width:height``'s aspect that costs at most ``max_tokens``
    and is at most ``upscale`` times the source; ``None`` when not even the smallest fits.

    The size is what the processor keeps unchanged (Qwen: multiples of its unit), so the pixels
    sent and the tokens counted agree.
    """
    if isinstance(family, QwenFamily):
        f = family.factor
        cap = min(_QWEN_IMAGE_MAX_TOKENS, int(max_tokens))
        if cap < _QWEN_IMAGE_MIN_TOKENS:
            return None
        # The processor's own arithmetic with max_pixels = cap tokens: it shrinks to fit, and a
        # size it returns is a fixed point (sent at that size, it is not resized again).
        hh, ww = qwen_smart_resize(
            max(1, round(height * upscale)),
            max(1, round(width * upscale)),
            f,
            _QWEN_IMAGE_MIN_TOKENS * f * f,
            cap * f * f,
        )
        # What the processor makes of that size with its image defaults: enlarged when it is
        # under the 4-token floor (a thin strip). Sent at the processed size, nothing changes.
        ph, pw = qwen_smart_resize(hh, ww, f, _QWEN_IMAGE_MIN_TOKENS * f * f, _QWEN_IMAGE_MAX_TOKENS * f * f)
        return (pw, ph) if (pw // f) * (ph // f) <= cap else None
    if isinstance(family, InternVLFamily):
        t = family.tile
        return (t, t) if family.tokens_per_tile <= max_tokens else None
    size = family.default_size(width, height)
    return size if image_tokens(family, size) <= max_tokens else None


def _cost(family: ModelFamily, images: Sequence[PlannedImage]) -> int:
    frames = [im.size for im in images if im.kind == "frame"]
    return (family.count(frames) if frames else 0) + sum(
        image_tokens(family, im.size) for im in images if im.kind != "frame"
    )


# ---------------------------------------------------------------------------------------------
# planners
# ---------------------------------------------------------------------------------------------


def _frames_at(tb: TokenBudget, picks: Sequence[Pick], limit: int, role: str) -> tuple[list[PlannedImage], int]:
    """``picks`` as whole frames at the largest one scale that fits ``limit``; drop the least
    relevant picks when none fits. Returns (images, tokens)."""
    ps = sorted(picks, key=lambda p: p.time)
    while ps:
        n = len(ps)
        if tb.cost_uniform(n, 1.0) <= limit:
            scale = 1.0
        elif not tb.scalable or tb.cost_uniform(n, 0.02) > limit:
            weakest = min(range(n), key=lambda i: (ps[i].relevance, -i))
            ps = ps[:weakest] + ps[weakest + 1 :]
            continue
        else:
            lo, hi = 0.02, 1.0
            for _ in range(24):  # bisection on scale: the cost is monotone in it
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if tb.cost_uniform(n, mid) <= limit else (lo, mid)
            scale = lo
        size = tb.size(scale)
        ims = [PlannedImage("frame", size, (p.index,), (p.time,), role=role) for p in ps]
        return ims, tb.cost_uniform(n, scale)
    return [], 0


def _crops(tb: TokenBudget, picks: Sequence[Pick], limit: int, pad: int = 6) -> list[PlannedImage]:
    """Crops of the picks' boxes at source resolution (up to 2x for tiny boxes), most relevant
    pick first, while the tokens last."""
    out: list[PlannedImage] = []
    left = limit
    W, H = tb.native
    for p in sorted(picks, key=lambda p: (-p.relevance, p.time)):
        for k, b in enumerate(p.boxes):
            x0, y0 = max(0, b[0] - pad), max(0, b[1] - pad)
            x1, y1 = min(W, b[2] + pad), min(H, b[3] + pad)
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            # Text under ~24 px high is enlarged (the model's patches are 14-16 px): up to 2x.
            up = min(2.0, max(1.0, 32.0 / (y1 - y0)))
            size = image_size(tb.family, x1 - x0, y1 - y0, left, upscale=up)
            if size is None:
                continue
            cost = image_tokens(tb.family, size)
            if cost > left:
                continue
            kind = p.box_from[k] if k < len(p.box_from) else "text"
            out.append(
                PlannedImage("crop", size, (p.index,), (p.time,), box=(x0, y0, x1, y1), role="crop", region_from=kind)
            )
            left -= cost
    return out


def _grids(tb: TokenBudget, picks: Sequence[Pick], rows: int, cols: int, limit: int) -> list[PlannedImage]:
    """Picks in time order packed ``rows x cols`` per image; the budget split evenly over images."""
    ps = sorted(picks, key=lambda p: p.time)
    per = rows * cols
    while ps:
        groups = [ps[i : i + per] for i in range(0, len(ps), per)]
        share = limit // len(groups)
        W, H = tb.native
        ims = []
        for g in groups:
            r = math.ceil(len(g) / cols) if len(groups) == 1 else rows
            size = image_size(tb.family, W * cols, H * r, share, upscale=1.0)
            if size is None:
                break
            ims.append(
                PlannedImage(
                    "grid", size, tuple(p.index for p in g), tuple(p.time for p in g), grid=(r, cols), role="storyboard"
                )
            )
        else:
            if _cost(tb.family, ims) <= limit:
                return ims
        weakest = min(range(len(ps)), key=lambda i: (ps[i].relevance, -i))
        ps = ps[:weakest] + ps[weakest + 1 :]
    return []


def plan_layout(tb: TokenBudget, picks: Sequence[Pick], spec: LayoutSpec, fast: Sequence[Pick] = ()) -> VisualPlan:
    """Plan the images for ``picks`` (the chosen frames) under ``tb``.

    * ``whole``: the picks at the largest single size that fits (less the crops' share).
    * ``slowfast``: the ``spec.slow`` most relevant picks are the sharp frames (default size,
      or the largest that fits half the budget); ``fast`` (default: the picks) fill the rest at
      the largest size that fits.
    * ``grid``: the picks (or the fast frames of a slow-fast plan) packed into storyboards.
    * ``crops=auto``: crops of the picks' boxes, taking at most ``crop_share`` of the budget;
      the frames are planned in what the crops leave.
    """
    if not picks:
        return VisualPlan(tb.family.name, tb.limit, (), 0, spec)
    limit = tb.limit
    crops: list[PlannedImage] = []
    if spec.crops == "auto" and any(p.boxes for p in picks):
        crops = _crops(tb, picks, int(limit * spec.crop_share))
    left = limit - _cost(tb.family, crops)
    images: list[PlannedImage] = []
    if spec.plan == "slowfast":
        slow_n = min(spec.slow, len(picks))
        slow = sorted(picks, key=lambda p: (-p.relevance, p.time))[:slow_n]
        # The sharp frames go as images (up to the source's own size, past the family's
        # default video-frame size), half the budget at most, split evenly.
        per = (left // 2) // max(1, slow_n)
        size = image_size(tb.family, tb.native[0], tb.native[1], per) if per > 0 else None
        if size is not None:
            for p in slow:
                images.append(PlannedImage("still", size, (p.index,), (p.time,), role="slow"))
            left -= slow_n * image_tokens(tb.family, size)
        else:
            slow = []
        taken = {p.index for p in slow}
        rest = [p for p in (fast or picks) if p.index not in taken]
        if spec.grid is not None:
            images += _grids(tb, rest, *spec.grid, left)
        else:
            fast_ims, _ = _frames_at(tb, rest, left, "fast")
            images += fast_ims
    elif spec.grid is not None:
        images += _grids(tb, picks, *spec.grid, left)
    else:
        frame_ims, _ = _frames_at(tb, picks, left, "frame")
        images += frame_ims
    images += crops
    images.sort(key=lambda im: (im.times[0], 0 if im.kind != "crop" else 1))
    tokens = _cost(tb.family, images)
    if tokens > limit:  # pragma: no cover - the planners above never overspend; guard the invariant
        raise AssertionError(f"plan spends {tokens} > {limit} tokens")
    return VisualPlan(tb.family.name, limit, tuple(images), tokens, spec)
