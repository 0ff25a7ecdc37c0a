"""Behaviour of the token-aware strategies (qframe, clips, codec) and of the selector contract
under a token budget. Registry-wide properties live in test_selectors.py."""

from __future__ import annotations

import numpy as np
import pytest

from framesift.budget import TokenBudget, frames_for_tokens
from framesift.errors import InputError
from framesift.selectors import Picks, run_strategy
from framesift.selectors.tokens import run_at_tokens

NATIVE = (1280, 720)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _random_features(n: int, seed: int = 0, d: int = 32) -> np.ndarray:
    return _unit(np.random.default_rng(seed).normal(size=(n, d)))


def _shots(bounds: list[int], n: int, seed: int = 0, d: int = 32, jitter: float = 0.01) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = np.searchsorted(np.asarray(bounds), np.arange(n), side="right")
    base = rng.normal(size=(len(bounds) + 1, d))
    return _unit(base[labels] + jitter * rng.normal(size=(n, d)))


# ----------------------------------------------------------------------------- contract


def test_picks_keep_scales_aligned_when_sorting_and_deduplicating():
    p = Picks.of([9, 2, 5, 2], ["a", "b", "c", "d"], [0.25, 1.0, 0.5, 0.7])
    assert p.indices.tolist() == [2, 5, 9]
    assert p.roles == ("b", "c", "a") and p.scales == (1.0, 0.5, 0.25)
    assert Picks.of([3, 1], "x").scales is None


@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl", "llava-onevision", "internvl", "generic:300"])
def test_frame_only_strategies_get_the_frames_the_tokens_buy(family):
    n = 500
    tb = TokenBudget.of(5000, family, NATIVE)
    picks = run_strategy("uniform", np.zeros(n), _random_features(n), np.arange(n, dtype=float), n, tokens=tb)
    assert len(picks.indices) == frames_for_tokens(5000, family, NATIVE)
    assert picks.scales == (1.0,) * len(picks.indices)
    # A frame cap below that still wins.
    capped = run_strategy(
        "topk", np.arange(n, dtype=float), _random_features(n), np.arange(n, dtype=float), 3, tokens=tb
    )
    assert len(capped.indices) == 3


@pytest.mark.parametrize("name", ["qframe", "clips", "codec", "uniform", "auto"])
@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl", "llava-onevision", "internvl"])
@pytest.mark.parametrize("tokens", [700, 3000, 12000])
def test_equal_token_runs_never_overspend(name, family, tokens):
    n = 900
    rng = np.random.default_rng(tokens)
    scores = rng.random(n)
    scores[rng.integers(0, n, 20)] = np.nan
    args = (name, scores, _shots(list(range(30, n, 45)), n), np.arange(n, dtype=float), tokens, family, NATIVE)
    if name in ("uniform", "auto") and TokenBudget.of(tokens, family, NATIVE).cost_uniform(1) > tokens:
        with pytest.raises(InputError, match="less than one frame"):
            run_at_tokens(*args)
        return
    run = run_at_tokens(*args, seed=1)
    assert run.tokens_spent <= tokens
    assert run.tokens_spent == TokenBudget.of(tokens, family, NATIVE).cost(run.scales)
    idx = run.picks.indices
    assert np.all(np.diff(idx) > 0) and len(run.scales) == len(idx)
    if run.frame_budget is not None:
        assert run.frames == min(run.frame_budget, n)


# ----------------------------------------------------------------------------- qframe


def test_qframe_is_a_seeded_sample():
    n = 300
    args = (np.zeros(n), _random_features(n), np.arange(n, dtype=float), 12)
    a, b, c = (run_strategy("qframe", *args, seed=s).indices for s in (4, 4, 5))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert len(a) == 12


def test_qframe_samples_in_proportion_to_relevance():
    n = 200
    scores = np.zeros(n)
    scores[:20] = 1.0  # 10% of candidates are relevant
    hits = sum(
        np.count_nonzero(
            run_strategy("qframe", scores, _random_features(n), np.arange(n, dtype=float), 10, seed=s).indices < 20
        )
        for s in range(40)
    )
    rate = hits / (40 * 10)
    # z-scores: relevant 3.0, others -0.33 -> weight ratio exp(3.33 / 0.8) ~ 64 : over 80% of the
    # picks are relevant, but not all (it is a sample, not a top-k).
    assert 0.8 < rate < 1.0
    flat = run_strategy(
        "qframe", scores, _random_features(n), np.arange(n, dtype=float), 10, seed=0, params={"tau": 1e3}
    )
    assert np.count_nonzero(flat.indices < 20) <= 5  # a huge temperature is close to uniform


def test_qframe_gives_the_best_frames_high_resolution_and_many_low():
    n = 1000
    scores = np.random.default_rng(0).random(n) * 0.1
    peak = 637
    scores[peak] = 5.0
    tb = TokenBudget.of(8 * 598, "qwen2.5-vl", NATIVE)
    picks = run_strategy("qframe", scores, _random_features(n), np.arange(n, dtype=float), n, tokens=tb)
    scales = dict(zip(picks.indices.tolist(), picks.scales))
    assert scales[peak] == 1.0
    counts = [sum(1 for s in picks.scales if s == lv) for lv in (1.0, 0.5, 0.25)]
    assert 0 < counts[0] < counts[1] < counts[2]
    assert tb.cost(picks.scales) <= tb.limit
    assert len(picks.indices) > frames_for_tokens(tb.limit, "qwen2.5-vl", NATIVE)  # more moments than frame-only


def test_qframe_without_a_token_budget_is_the_fixed_frames_setting():
    n = 100
    picks = run_strategy("qframe", np.linspace(0, 1, n), _random_features(n), np.arange(n, dtype=float), 8)
    assert len(picks.indices) == 8 and picks.scales is None


# ----------------------------------------------------------------------------- clips


def test_clips_are_contiguous_runs_around_the_relevant_scene():
    n = 600
    scores = np.full(n, 0.1)
    scores[300:306] = [0.5, 0.8, 1.0, 0.9, 0.7, 0.5]
    picks = run_strategy("clips", scores, _random_features(n), np.arange(n, dtype=float), 8)
    idx = picks.indices.tolist()
    assert len(idx) == 8
    assert {301, 302, 303} <= set(idx)  # the scene itself, not one isolated frame of it
    assert any(r.startswith("clip") for r in picks.roles)


def test_clips_trade_length_for_resolution_at_constant_tokens():
    n = 600
    scores = np.full(n, 0.0)
    for c in (100, 300, 500):  # three broad relevant scenes of varied (uncorrelated) frames
        scores[c - 3 : c + 4] = 1.0
    tb = TokenBudget.of(6 * 598, "qwen2.5-vl", NATIVE)
    feats = _random_features(n)
    picks = run_strategy("clips", scores, feats, np.arange(n, dtype=float), n, tokens=tb)
    assert tb.cost(picks.scales) <= tb.limit
    assert min(picks.scales) < 1.0  # longer clips at reduced size
    assert len(picks.indices) > frames_for_tokens(tb.limit, "qwen2.5-vl", NATIVE)
    # A relevant shot that stays static while the rest of the video moves is redundant: its clip
    # keeps full-size frames, while the changing scenes get longer, smaller clips.
    static = feats.copy()
    static[290:311] = static[300]
    still = run_strategy("clips", scores, static, np.arange(n, dtype=float), n, tokens=tb)
    scale = dict(zip(still.indices.tolist(), still.scales))
    around = [j for j in scale if 290 <= j <= 310]
    assert around and all(scale[j] == 1.0 for j in around)  # (grown later by leftover tokens, never shrunk)
    assert any(scale[j] < 1.0 for j in scale if abs(j - 100) <= 5)


# ----------------------------------------------------------------------------- codec


def test_codec_keyframes_land_on_the_cuts():
    n = 400
    cuts = [57, 130, 211, 290, 333]
    feats = _shots(cuts, n)
    picks = run_strategy(
        "codec", np.zeros(n), feats, np.arange(n, dtype=float), len(cuts) + 1, params={"time_weight": 0.0}
    )
    assert picks.indices.tolist() == [0] + cuts


def test_codec_spreads_refreshes_over_a_static_video():
    n = 300
    picks = run_strategy("codec", np.zeros(n), _unit(np.ones((n, 8))), np.arange(n, dtype=float), 6)
    assert picks.indices.tolist() == [0, 50, 100, 150, 200, 250]


def test_codec_gives_more_tokens_to_frames_with_more_new_content():
    n, d = 300, 32
    rng = np.random.default_rng(3)
    a = rng.normal(size=d)
    b = a + 0.15 * rng.normal(size=d)  # a small change: mostly predictable from shot A
    c = rng.normal(size=d)  # a new scene
    feats = _unit(np.vstack([np.tile(a, (100, 1)), np.tile(b, (100, 1)), np.tile(c, (100, 1))]))
    tb = TokenBudget.of(3 * 598, "qwen2.5-vl", NATIVE)
    picks = run_strategy(
        "codec", np.zeros(n), feats, np.arange(n, dtype=float), n, tokens=tb, params={"time_weight": 0.0}
    )
    scale = dict(zip(picks.indices.tolist(), picks.scales))
    assert {0, 100, 200} <= set(scale)
    assert scale[200] > scale[100]
    assert tb.cost(picks.scales) <= tb.limit


@pytest.mark.parametrize("name", ["qframe", "clips", "codec"])
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_tiny_inputs_and_odd_scores(name, n):
    feats = _random_features(n)
    times = np.arange(n, dtype=float)
    for scores in (np.full(n, np.nan), np.full(n, 0.3), np.array([np.inf, -np.inf, 1.0, 1.0, 0, 0, 0][:n])):
        for tokens in (None, TokenBudget.of(2000, "qwen3-vl", NATIVE)):
            p = run_strategy(name, scores, feats, times, 10, tokens=tokens, seed=2)
            assert 1 <= len(p.indices) <= n
            assert np.array_equal(
                p.indices, run_strategy(name, scores, feats, times, 10, tokens=tokens, seed=2).indices
            )
