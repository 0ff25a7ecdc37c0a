"""The selector contract and registry.

A selector is a pure function of numpy arrays::

    fn(scores, features, times, budget, *, seed=0, <signals...>, <params...>) -> Picks

* ``scores``: ``(N,)`` float relevance of each candidate to the query (NaN = unknown; may be all
  zeros when no relevance channel is available),
* ``features``: ``(N, D)`` float unit vectors (visual sameness; cosine = similarity),
* ``times``: ``(N,)`` float seconds, non-decreasing,
* ``budget``: the number of frames to return at most.

Optional signal keyword arguments a selector may declare: ``events`` (``(N,)`` event strength,
0 = no event), ``transient`` (``(N,)`` bool, momentary events) and ``tokens`` (below). Anything
else it declares is a user parameter (exposed as ``--param name=value`` on the CLI). No I/O, no
global state, deterministic for a given seed. Adding a strategy is one new file with one ``@register``
and one import line in :mod:`framesift.selectors`.

Token budgets and per-frame resolution. A selector that declares ``tokens`` receives a
:class:`framesift.budget.TokenBudget` (or ``None`` when the budget is frames only) and may return
``Picks.scales``: one scale per pick, the side length relative to the model family's default frame
size (1.0 = default, 0.5 = half width and height, about a quarter of the tokens). It must keep
``tokens.cost(scales) <= tokens.limit``; ``budget`` stays a cap on the number of frames. A
selector that does not declare ``tokens`` is frame-only: under a token budget :func:`run_strategy`
gives it as many frames as fit at the default size, and its picks get scale 1.0.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..budget.plan import TokenBudget
from ..errors import InputError

__all__ = [
    "Picks",
    "Strategy",
    "register",
    "get_strategy",
    "list_strategies",
    "run_strategy",
    "clean_scores",
    "SIGNAL_KWARGS",
]

SIGNAL_KWARGS = ("events", "transient", "tokens")


@dataclass(frozen=True)
class Picks:
    """Chosen candidate positions (sorted, unique), the role each was chosen for and, optionally,
    the resolution of each as a scale of the model family's default frame size (None = default)."""

    indices: np.ndarray
    roles: tuple[str, ...]
    scales: tuple[float, ...] | None = None

    @staticmethod
    def of(
        indices: Sequence[int] | np.ndarray, role: str | list[str], scales: Sequence[float] | np.ndarray | None = None
    ) -> Picks:
        """Sorted, de-duplicated picks (the first occurrence of a repeated index wins)."""
        idx = np.asarray(indices, dtype=np.int64)
        roles = [role] * len(idx) if isinstance(role, str) else list(role)
        order = np.argsort(idx, kind="stable")
        idx, roles = idx[order], [roles[i] for i in order]
        keep = np.concatenate([[True], np.diff(idx) > 0]) if len(idx) else np.zeros(0, bool)
        kept_scales = None
        if scales is not None:
            sc = np.asarray(scales, dtype=np.float64)[order]
            kept_scales = tuple(float(x) for x in sc[keep])
        return Picks(indices=idx[keep], roles=tuple(r for r, k in zip(roles, keep) if k), scales=kept_scales)


@dataclass(frozen=True)
class Strategy:
    name: str
    fn: Callable[..., Picks]
    summary: str
    paper: str
    params: dict[str, Any]


_REGISTRY: dict[str, Strategy] = {}


def register(name: str, *, summary: str, paper: str = "") -> Callable[[Callable[..., Picks]], Callable[..., Picks]]:
    """Decorator: make ``fn`` available as strategy ``name`` (its keyword defaults are its params)."""

    def deco(fn: Callable[..., Picks]) -> Callable[..., Picks]:
        sig = inspect.signature(fn)
        params = {
            p.name: p.default
            for p in sig.parameters.values()
            if p.kind is p.KEYWORD_ONLY and p.name not in SIGNAL_KWARGS and p.name != "seed"
        }
        _REGISTRY[name] = Strategy(name=name, fn=fn, summary=summary, paper=paper, params=params)
        return fn

    return deco


def list_strategies() -> list[Strategy]:
    """All registered strategies, by name."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_strategy(name: str) -> Strategy:
    """The strategy registered as ``name`` (importing :mod:`framesift.selectors` registers the built-ins)."""
    if name not in _REGISTRY:
        raise InputError(f"unknown strategy '{name}' (choose from: {', '.join(sorted(_REGISTRY))})")
    return _REGISTRY[name]


def clean_scores(scores: np.ndarray | None, n: int) -> np.ndarray:
    """Scores as float64 with NaN/inf replaced by the lowest finite score (or 0)."""
    if scores is None:
        return np.zeros(n, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64).copy()
    bad = ~np.isfinite(s)
    if bad.all():
        return np.zeros(n, dtype=np.float64)
    s[bad] = s[~bad].min()
    return s


def _coerce(name: str, value: Any, default: Any) -> Any:
    if isinstance(value, str) and default is not None and not isinstance(default, str):
        try:
            if isinstance(default, bool):
                return value.lower() in ("1", "true", "yes", "on")
            out = type(default)(value)
        except ValueError as exc:
            raise InputError(f"parameter {name}={value!r}: expected {type(default).__name__}") from exc
        if isinstance(out, float) and not math.isfinite(out):
            raise InputError(f"parameter {name}={value!r}: expected a finite number")
        return out
    return value


def run_strategy(
    name: str,
    scores: np.ndarray | None,
    features: np.ndarray,
    times: np.ndarray,
    budget: int,
    *,
    seed: int = 0,
    events: np.ndarray | None = None,
    transient: np.ndarray | None = None,
    params: dict[str, Any] | None = None,
    tokens: TokenBudget | None = None,
) -> Picks:
    """Validate inputs, call strategy ``name``, and check its output honours the contract.

    ``budget`` caps the number of frames; ``tokens`` (optional) also caps the visual tokens for a
    model family (see the module docstring). Under a token budget the returned picks always carry
    ``scales`` (1.0 for frame-only strategies).
    """
    strat = get_strategy(name)
    n = len(times)
    if budget < 1:
        raise InputError(f"budget must be at least 1 (got {budget})")
    sig = inspect.signature(strat.fn).parameters
    if tokens is not None and "tokens" not in sig:
        # Frame-only strategy: as many default-size frames as the tokens buy.
        fit = tokens.max_frames(1.0)
        if fit < 1:
            raise InputError(
                f"{tokens.limit} tokens is less than one frame costs for {tokens.family.name} "
                f"({tokens.cost_uniform(1)} tokens)"
            )
        budget = min(budget, fit)
    params = dict(params or {})
    unknown = sorted(set(params) - set(strat.params))
    if unknown:
        allowed = ", ".join(sorted(strat.params)) or "none"
        raise InputError(f"strategy '{name}' has no parameter {', '.join(unknown)} (its parameters: {allowed})")
    kwargs = {k: _coerce(k, v, strat.params[k]) for k, v in params.items()}
    if n == 0:
        return Picks.of([], name, [] if tokens is not None else None)
    if "tokens" in sig:
        kwargs["tokens"] = tokens
    if "events" in sig:
        kwargs["events"] = np.zeros(n, np.float32) if events is None else np.asarray(events)
    if "transient" in sig:
        kwargs["transient"] = np.zeros(n, bool) if transient is None else np.asarray(transient, dtype=bool)
    feats = np.asarray(features, dtype=np.float32).reshape(n, -1)
    picks = strat.fn(
        clean_scores(scores, n), feats, np.asarray(times, dtype=np.float64), int(budget), seed=seed, **kwargs
    )
    idx = picks.indices
    assert len(idx) <= budget and (len(idx) == 0 or (idx.min() >= 0 and idx.max() < n)), f"{name} broke the contract"
    assert np.all(np.diff(idx) > 0), f"{name} returned unsorted or repeated indices"
    assert picks.scales is None or len(picks.scales) == len(idx), f"{name} returned a scale count unlike its picks"
    if tokens is not None:
        scales = picks.scales if picks.scales is not None else (1.0,) * len(idx)
        picks = Picks(indices=idx, roles=picks.roles, scales=scales)
        assert tokens.cost(scales) <= tokens.limit, f"{name} spent more than {tokens.limit} tokens"
    return picks
