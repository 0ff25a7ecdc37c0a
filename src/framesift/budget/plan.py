"""Token budgets: turn ``--budget-tokens N --model-family NAME`` into frames x resolution.

A :class:`TokenBudget` binds a token limit to a model family and the video's display size. It
prices any mix of per-frame ``scale`` values (side length relative to the family's default frame
size, 1.0 = default), so a strategy can trade frames against resolution and stay inside the limit.
:func:`plan_frames` is the frame-only plan (as many default-size frames as fit, or a fixed number
of frames at the largest size that fits); :func:`frames_for_tokens` is the equal-token conversion
used to compare frame-only strategies with mixed-resolution ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import InputError
from .families import ModelFamily, Size, get_family

__all__ = ["TokenBudget", "Plan", "plan_frames", "frames_for_tokens", "count_tokens", "allocate_levels"]


@lru_cache(maxsize=4096)
def _size_at(family: ModelFamily, native: Size, scale: float) -> Size:
    # Strategies price the same few scales many times while fitting a budget.
    return family.size_at(native[0], native[1], scale)


@dataclass(frozen=True)
class TokenBudget:
    """A visual-token limit for one model family and one video size (``native`` = (width, height))."""

    limit: int
    family: ModelFamily
    native: Size

    @staticmethod
    def of(limit: int, family: str | ModelFamily, native: Size) -> TokenBudget:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError(f"token budget must be a whole number >= 1 (got {limit!r})")
        w, h = int(native[0]), int(native[1])
        if w < 1 or h < 1:
            raise InputError(f"video size must be positive (got {w}x{h})")
        return TokenBudget(limit=int(limit), family=get_family(family), native=(w, h))

    @property
    def scalable(self) -> bool:
        """Whether the family accepts frames at other sizes than its default."""
        return self.family.scalable

    def size(self, scale: float = 1.0) -> Size:
        """Pixel size ``(width, height)`` the model sees at ``scale``."""
        return _size_at(self.family, self.native, float(scale))

    def cost(self, scales: Iterable[float]) -> int:
        """Visual tokens of frames at these scales."""
        per_scale: dict[float, int] = {}
        for sc in scales:
            per_scale[float(sc)] = per_scale.get(float(sc), 0) + 1
        return self.cost_counts(per_scale)

    def cost_counts(self, frames_per_scale: dict[float, int]) -> int:
        """Visual tokens of ``{scale: number of frames}`` (scales of one size share a video)."""
        per_size: dict[Size, int] = {}
        for sc, n in frames_per_scale.items():
            if n:
                size = self.size(sc)
                per_size[size] = per_size.get(size, 0) + int(n)
        return self.family.count_grouped(per_size)

    def cost_uniform(self, n: int, scale: float = 1.0) -> int:
        """Visual tokens of ``n`` frames at one scale."""
        return self.family.count_uniform(self.size(scale), n)

    def max_frames(self, scale: float = 1.0, limit: int | None = None) -> int:
        """The most frames at ``scale`` whose tokens fit in ``limit`` (default: the whole budget)."""
        limit = self.limit if limit is None else limit
        size = self.size(scale)
        if self.family.count_uniform(size, 1) > limit:
            return 0
        lo, hi = 1, 2
        while self.family.count_uniform(size, hi) <= limit:  # grow, then bisect: O(log n) counts
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if self.family.count_uniform(size, mid) <= limit else (lo, mid)
        return lo


@dataclass(frozen=True)
class Plan:
    """Frames x resolution under a token budget: one size per frame, and what it costs."""

    family: str
    limit: int
    scales: tuple[float, ...]
    sizes: tuple[Size, ...]
    tokens: int
    overhead: int

    @property
    def frames(self) -> int:
        return len(self.sizes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_family": self.family,
            "tokens": self.limit,
            "tokens_spent": self.tokens,
            "frames": self.frames,
            "sizes": [list(s) for s in self.sizes],
            "overhead_tokens_estimate": self.overhead,
        }


def count_tokens(family: str | ModelFamily, sizes: Sequence[Size]) -> int:
    """Visual tokens ``family`` spends on frames of these ``(width, height)`` sizes."""
    return get_family(family).count([(int(w), int(h)) for w, h in sizes])


def _plan(tb: TokenBudget, scales: Sequence[float]) -> Plan:
    sizes = tuple(tb.size(s) for s in scales)
    return Plan(
        family=tb.family.name,
        limit=tb.limit,
        scales=tuple(float(s) for s in scales),
        sizes=sizes,
        tokens=tb.family.count(sizes),
        overhead=tb.family.overhead(sizes),
    )


def frames_for_tokens(limit: int, family: str | ModelFamily, native: Size) -> int:
    """How many frames at the family's default size fit in ``limit`` tokens (the equal-token budget
    of a frame-only strategy). Qwen families count pairs, so this is even whenever pairs fit."""
    return TokenBudget.of(limit, family, native).max_frames(1.0)


def plan_frames(
    limit: int, family: str | ModelFamily, native: Size, num_frames: int | None = None, *, min_scale: float = 0.05
) -> Plan:
    """A single-resolution plan.

    Without ``num_frames``: as many frames as fit at the family's default size. With it: exactly
    ``num_frames`` frames at the largest scale (<= 1) that fits; fixed-size families cannot shrink
    frames, and a number that fits at no scale down to ``min_scale`` raises :class:`InputError`.
    """
    tb = TokenBudget.of(limit, family, native)
    if num_frames is None:
        n = tb.max_frames(1.0)
        if n == 0:
            raise InputError(
                f"{limit} tokens is less than one frame costs for {tb.family.name} "
                f"({tb.cost_uniform(1)} tokens at {tb.size(1.0)[0]}x{tb.size(1.0)[1]})"
            )
        return _plan(tb, [1.0] * n)
    if num_frames < 1:
        raise InputError(f"number of frames must be at least 1 (got {num_frames})")
    if tb.cost_uniform(num_frames, 1.0) <= limit:
        return _plan(tb, [1.0] * num_frames)
    if not tb.scalable:
        raise InputError(
            f"{num_frames} frames cost {tb.cost_uniform(num_frames)} tokens on {tb.family.name}, "
            f"more than {limit}; this family has one frame size"
        )
    lo, hi = min_scale, 1.0
    if tb.cost_uniform(num_frames, lo) > limit:
        raise InputError(f"{num_frames} frames do not fit in {limit} tokens on {tb.family.name} at any size")
    for _ in range(30):  # bisect on scale: cost is monotone in scale
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if tb.cost_uniform(num_frames, mid) <= limit else (lo, mid)
    return _plan(tb, [lo] * num_frames)


def _merge(levels: Sequence[float], counts: Sequence[int]) -> dict[float, int]:
    out: dict[float, int] = {}
    for s, c in zip(levels, counts):
        out[float(s)] = out.get(float(s), 0) + int(c)
    return out


def allocate_levels(tb: TokenBudget, levels: Sequence[float], shares: Sequence[float], available: int) -> list[int]:
    """Frames per resolution level when each level gets ``shares[i]`` of the token budget.

    ``levels`` are scales from high to low. Each level takes as many frames as its share buys;
    tokens a level cannot use (rounding, pairs, too few candidates) pass to the levels above
    first, so the budget is spent on resolution rather than lost. At most ``available`` frames in
    all, the higher levels first. The returned counts always fit: ``cost <= tb.limit``.
    """
    if not tb.scalable:  # one size: frames are all there is to buy
        return [min(available, tb.max_frames(1.0))] + [0] * (len(levels) - 1)
    total = sum(shares)
    counts = [0] * len(levels)
    left = available
    for i, (scale, share) in enumerate(zip(levels, shares)):
        n = min(left, tb.max_frames(scale, int(tb.limit * share / total)))
        counts[i] = n
        left -= n

    # Hand leftover tokens upwards: grow the highest level that still fits, one frame at a time.
    def cost() -> int:
        return tb.cost_counts(dict(_merge(levels, counts)))

    grew = True
    while grew and sum(counts) < available:
        grew = False
        for i in range(len(levels)):
            counts[i] += 1
            if cost() <= tb.limit:
                grew = True
                break
            counts[i] -= 1
    while cost() > tb.limit:  # equal sizes across levels merge into one video; never over budget
        i = max(j for j, c in enumerate(counts) if c > 0)
        counts[i] -= 1
    return counts
