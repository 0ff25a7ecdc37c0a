"""Run any strategy at an equal visual-token budget (for simulators and benchmarks).

Mixed-resolution strategies (``qframe``, ``clips``, ``codec``) spend the tokens themselves;
frame-only strategies get ``budget = frames_for_tokens(tokens, family, native)``, the number of
frames the tokens buy at the family's default size (Qwen families: whole pairs). Either way the
result says what was spent, so a table can show frames and tokens side by side.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..budget.families import ModelFamily, Size
from ..budget.plan import TokenBudget
from .base import Picks, get_strategy, run_strategy

__all__ = ["TokenRun", "run_at_tokens", "mixes_resolutions"]


@dataclass(frozen=True)
class TokenRun:
    """What one strategy chose under a token budget, and what it spent."""

    picks: Picks
    tokens: int
    tokens_spent: int
    family: str
    #: The frame budget a frame-only strategy was given (None for mixed-resolution strategies).
    frame_budget: int | None

    @property
    def frames(self) -> int:
        return len(self.picks.indices)

    @property
    def scales(self) -> tuple[float, ...]:
        return self.picks.scales or ()


def mixes_resolutions(name: str) -> bool:
    """Whether strategy ``name`` takes a token budget itself (declares ``tokens``)."""
    return "tokens" in inspect.signature(get_strategy(name).fn).parameters


def run_at_tokens(
    name: str,
    scores: np.ndarray | None,
    features: np.ndarray,
    times: np.ndarray,
    tokens: int,
    family: str | ModelFamily = "qwen2.5-vl",
    native: Size = (1280, 720),
    *,
    seed: int = 0,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    params: dict[str, Any] | None = None,
) -> TokenRun:
    """Strategy ``name`` on these arrays with ``tokens`` visual tokens of ``family`` for a video of
    ``native`` ``(width, height)``; never spends more than ``tokens``."""
    tb = TokenBudget.of(int(tokens), family, native)
    n = len(times)
    frame_budget = None if mixes_resolutions(name) else max(1, tb.max_frames(1.0))
    picks = run_strategy(
        name,
        scores,
        features,
        times,
        max(1, n),
        seed=seed,
        events=events,
        transient=transient,
        params=params,
        tokens=tb,
    )
    return TokenRun(
        picks=picks,
        tokens=tb.limit,
        tokens_spent=tb.cost(picks.scales or ()),
        family=tb.family.name,
        frame_budget=frame_budget,
    )
