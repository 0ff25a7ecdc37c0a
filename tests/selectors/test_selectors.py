"""Selectors: the registry-wide contract (property tests) and each strategy's behaviour.

The contract is stated in ``framesift.selectors.base``: at most ``budget`` sorted, unique
positions in ``[0, n)``, one role per position, deterministic. Every strategy except ``fps``
uses the whole budget when there are enough candidates (``fps`` samples at a fixed rate and is
capped by the budget: ``min(budget, floor(span * rate) + 1)`` frames, never more than ``n``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framesift.errors import InputError
from framesift.selectors import list_strategies, run_strategy

STRATEGIES = [s.name for s in list_strategies()]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_registry_has_the_builtin_strategies():
    assert {"auto", "fps", "mmr", "tass", "topk", "uniform"} <= set(STRATEGIES)
    assert STRATEGIES == sorted(STRATEGIES)


# --------------------------------------------------------------------------- input generation


def _unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    f = rng.normal(size=(n, d)).astype(np.float32)
    f /= np.linalg.norm(f, axis=1, keepdims=True) + 1e-12
    return f


@st.composite
def selector_inputs(draw):
    n = draw(st.integers(1, 400))
    budget = draw(st.integers(1, 64))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)

    score_kind = draw(st.sampled_from(["random", "constant", "zeros", "ties", "nan_inf", "all_nan", "outlier"]))
    if score_kind == "random":
        scores = rng.random(n)
    elif score_kind == "constant":
        scores = np.full(n, draw(st.floats(-5, 5, allow_nan=False)))
    elif score_kind == "zeros":
        scores = np.zeros(n)
    elif score_kind == "ties":
        scores = rng.integers(0, 3, size=n).astype(float) / 2.0
    elif score_kind == "nan_inf":
        scores = rng.random(n)
        special = rng.random(n)
        scores[special < 0.15] = np.nan
        scores[(special >= 0.15) & (special < 0.25)] = np.inf
        scores[(special >= 0.25) & (special < 0.3)] = -np.inf
    elif score_kind == "all_nan":
        scores = np.full(n, np.nan)
    else:
        scores = np.full(n, 0.1)
        scores[rng.integers(n)] = 0.95

    feat_kind = draw(st.sampled_from(["random", "identical", "few_clusters"]))
    d = draw(st.sampled_from([3, 8, 32]))
    if feat_kind == "random":
        feats = _unit_rows(rng, n, d)
    elif feat_kind == "identical":
        feats = np.repeat(_unit_rows(rng, 1, d), n, axis=0)
    else:
        centres = _unit_rows(rng, 3, d)
        feats = centres[rng.integers(0, 3, size=n)]

    time_kind = draw(st.sampled_from(["grid", "irregular", "with_equal", "all_equal", "offset"]))
    if time_kind == "grid":
        times = np.arange(n, dtype=float)
    elif time_kind == "irregular":
        times = np.cumsum(rng.exponential(1.0, size=n) + 1e-3)
    elif time_kind == "with_equal":
        steps = rng.choice([0.0, 0.0, 0.5, 1.0, 3.0], size=n)
        steps[0] = 0.0
        times = np.cumsum(steps)
    elif time_kind == "all_equal":
        times = np.full(n, 12.5)
    else:
        times = 3600.0 + np.arange(n) * 0.25
    return dict(scores=scores, features=feats, times=times, budget=budget, n=n)


def _run(name, inp, **kw):
    return run_strategy(name, inp["scores"].copy(), inp["features"].copy(), inp["times"].copy(), inp["budget"], **kw)


def _expected_count(name: str, inp) -> int:
    n, budget = inp["n"], inp["budget"]
    if name == "fps":
        rate = 0.5  # the registered default
        span = float(inp["times"][-1] - inp["times"][0])
        return min(n, max(1, min(budget, math.floor(span * rate) + 1)))
    return min(budget, n)


# --------------------------------------------------------------------------- contract, all strategies


@pytest.mark.parametrize("name", STRATEGIES)
@SETTINGS
@given(inp=selector_inputs())
def test_contract_holds_for_every_strategy(name, inp):
    picks = _run(name, inp)
    idx = np.asarray(picks.indices)
    assert idx.ndim == 1
    assert len(idx) <= inp["budget"]
    assert np.issubdtype(idx.dtype, np.integer)
    if len(idx):
        assert idx.min() >= 0 and idx.max() < inp["n"]
    assert np.all(np.diff(idx) > 0), "indices must be sorted and unique"
    assert len(picks.roles) == len(idx)
    assert all(isinstance(r, str) and r for r in picks.roles)


@pytest.mark.parametrize("name", STRATEGIES)
@SETTINGS
@given(inp=selector_inputs())
def test_every_strategy_uses_the_budget(name, inp):
    """min(budget, n) frames; fps: min(budget, floor(span * rate) + 1) by design."""
    picks = _run(name, inp)
    assert len(picks.indices) == _expected_count(name, inp)


@pytest.mark.parametrize("name", STRATEGIES)
@SETTINGS
@given(inp=selector_inputs())
def test_every_strategy_is_deterministic(name, inp):
    a = _run(name, inp)
    b = _run(name, inp)
    assert np.array_equal(a.indices, b.indices)
    assert a.roles == b.roles


@pytest.mark.parametrize("name", STRATEGIES)
def test_inputs_are_not_modified(name):
    rng = np.random.default_rng(1)
    scores = rng.random(50)
    scores[3] = np.nan
    feats = _unit_rows(rng, 50, 8)
    times = np.arange(50.0)
    s0, f0, t0 = scores.copy(), feats.copy(), times.copy()
    run_strategy(name, scores, feats, times, 7)
    assert np.array_equal(scores, s0, equal_nan=True)
    assert np.array_equal(feats, f0) and np.array_equal(times, t0)


@pytest.mark.parametrize("name", STRATEGIES)
def test_no_scores_at_all_is_accepted(name):
    """scores=None means no relevance channel: every strategy still picks frames."""
    rng = np.random.default_rng(2)
    picks = run_strategy(name, None, _unit_rows(rng, 30, 8), np.arange(30.0), 5)
    assert 1 <= len(picks.indices) <= 5


@pytest.mark.parametrize("name", STRATEGIES)
def test_single_candidate(name):
    picks = run_strategy(name, np.array([0.5]), np.ones((1, 4), np.float32) / 2, np.array([7.0]), 8)
    assert picks.indices.tolist() == [0]


@pytest.mark.parametrize("name", STRATEGIES)
def test_zero_candidates_give_no_picks(name):
    picks = run_strategy(name, np.zeros(0), np.zeros((0, 4), np.float32), np.zeros(0), 8)
    assert len(picks.indices) == 0 and picks.roles == ()


# --------------------------------------------------------------------------- behaviour


def test_topk_returns_the_k_highest():
    rng = np.random.default_rng(3)
    scores = rng.permutation(100).astype(float)  # distinct: the top 10 are 90..99
    picks = run_strategy("topk", scores, _unit_rows(rng, 100, 8), np.arange(100.0), 10)
    assert sorted(scores[picks.indices].tolist()) == list(range(90, 100))


def test_topk_never_prefers_nan_or_inf_over_a_real_score():
    """NaN means 'unknown'; an unknown score must not beat known evidence."""
    scores = np.array([np.nan, 0.2, 0.9, np.inf, 0.8, np.nan])
    picks = run_strategy("topk", scores, np.ones((6, 2), np.float32) / np.sqrt(2), np.arange(6.0), 2)
    assert picks.indices.tolist() == [2, 4]


def test_topk_breaks_ties_by_time():
    scores = np.array([0.1, 0.5, 0.5, 0.5, 0.1])
    picks = run_strategy("topk", scores, np.ones((5, 2), np.float32) / np.sqrt(2), np.arange(5.0), 2)
    assert picks.indices.tolist() == [1, 2]


@pytest.mark.parametrize("budget", [1, 2, 4, 5, 10, 20])
def test_uniform_on_even_times_is_evenly_spaced(budget):
    n = 100
    times = np.arange(n, dtype=float)  # 0..99 s
    picks = run_strategy(
        "uniform", np.random.default_rng(4).random(n), _unit_rows(np.random.default_rng(4), n, 8), times, budget
    )
    assert len(picks.indices) == budget
    t = times[picks.indices]
    if budget > 1:
        gaps = np.diff(t)
        # equal bins of 99/budget seconds; nearest-candidate rounding moves each pick by < 1 s
        assert np.all(np.abs(gaps - 99.0 / budget) <= 1.0), gaps
    # centred: the first and last picks are about half a bin from the ends
    assert abs(t[0] - 0.0 - (99.0 - t[-1])) <= 1.0


def test_uniform_ignores_scores():
    rng = np.random.default_rng(5)
    feats = _unit_rows(rng, 60, 8)
    a = run_strategy("uniform", rng.random(60), feats, np.arange(60.0), 6)
    b = run_strategy("uniform", rng.random(60), feats, np.arange(60.0), 6)
    assert np.array_equal(a.indices, b.indices)


def test_fps_samples_at_the_rate():
    """60 s at rate 0.5 -> 31 frames (one every 2 s incl. both ends) when the budget allows."""
    times = np.arange(0.0, 60.5, 0.5)
    n = len(times)
    rng = np.random.default_rng(6)
    picks = run_strategy("fps", rng.random(n), _unit_rows(rng, n, 8), times, 64)
    assert len(picks.indices) == 31
    assert np.all(np.abs(np.diff(times[picks.indices]) - 2.0) <= 0.5)
    capped = run_strategy("fps", rng.random(n), _unit_rows(rng, n, 8), times, 5)
    assert len(capped.indices) == 5
    faster = run_strategy("fps", rng.random(n), _unit_rows(rng, n, 8), times, 64, params={"rate": "1"})
    assert len(faster.indices) == 61


@pytest.mark.parametrize("budget", [1, 2, 3, 5])
def test_tass_respects_the_gap_when_budget_is_small(budget):
    """300 s at 1 fps, gap 20 s, budget well below span/gap: every pair of picks is >= 20 s apart,
    although the three best scores sit in one 3 s burst."""
    n = 300
    times = np.arange(n, dtype=float)
    rng = np.random.default_rng(7)
    scores = 0.3 * rng.random(n)
    scores[100:103] = [0.97, 1.0, 0.98]  # a burst of high scores
    for t, s in ((40, 0.8), (200, 0.85), (250, 0.75), (280, 0.7)):
        scores[t] = s
    picks = run_strategy("tass", scores, _unit_rows(rng, n, 8), times, budget, params={"gap": 20.0})
    t = times[picks.indices]
    assert len(t) == budget
    assert np.all(np.diff(t) >= 20.0), t
    assert 101 in picks.indices  # the best score is always taken
    if budget >= 3:
        assert {40, 200} <= set(picks.indices.tolist())  # the next best moments outside the burst


def test_tass_halves_the_gap_rather_than_leaving_budget_unused():
    times = np.arange(30, dtype=float)
    scores = np.linspace(0.0, 1.0, 30)
    picks = run_strategy("tass", scores, np.ones((30, 2), np.float32) / np.sqrt(2), times, 6, params={"gap": 20.0})
    assert len(picks.indices) == 6


@pytest.mark.parametrize(
    "times",
    [
        [0.0, 0.1, 10.0],  # a grid candidate plus an event candidate 0.1 s later
        [0.0, 0.0, 1.0, 2.0],  # two candidates at the same time
        [3.0, 3.0, 3.0, 3.0, 3.0],  # all at one time (a one-frame video sampled several ways)
    ],
)
def test_tass_fills_the_budget_with_irregular_or_equal_times(times):
    """tass's docstring: 'the remaining budget is filled from all candidates by score so the budget is
    always used'. Candidates closer together than half the median spacing are never accepted."""
    times = np.array(times)
    n = len(times)
    scores = np.linspace(1.0, 0.1, n)
    picks = run_strategy("tass", scores, np.ones((n, 2), np.float32) / np.sqrt(2), times, n)
    assert picks.indices.tolist() == list(range(n))


def test_mmr_avoids_near_duplicates():
    """Two clusters of identical-looking, equally high-scoring frames: a budget of 2 takes one of each
    instead of two copies of the same picture."""
    rng = np.random.default_rng(8)
    n = 40
    feats = _unit_rows(rng, n, 16)
    a, b = _unit_rows(rng, 2, 16)
    while float(a @ b) > 0.2:
        a, b = _unit_rows(rng, 2, 16)
    cluster_a, cluster_b = list(range(5, 10)), list(range(25, 30))
    feats[cluster_a] = a
    feats[cluster_b] = b
    scores = np.full(n, 0.1)
    scores[cluster_a] = 0.95
    scores[cluster_b] = 0.9
    picks = run_strategy("mmr", scores, feats, np.arange(n, dtype=float), 2)
    chosen = set(picks.indices.tolist())
    assert len(chosen & set(cluster_a)) == 1 and len(chosen & set(cluster_b)) == 1, chosen


def test_mmr_with_lam_one_is_topk():
    rng = np.random.default_rng(9)
    scores = rng.permutation(50).astype(float)
    feats = _unit_rows(rng, 50, 8)
    m = run_strategy("mmr", scores, feats, np.arange(50.0), 6, params={"lam": 1.0})
    t = run_strategy("topk", scores, feats, np.arange(50.0), 6)
    assert np.array_equal(m.indices, t.indices)


def test_auto_puts_a_frame_on_a_single_strong_outlier():
    rng = np.random.default_rng(10)
    n = 200
    scores = 0.05 + 0.02 * rng.random(n)
    scores[137] = 0.9
    picks = run_strategy("auto", scores, _unit_rows(rng, n, 16), np.arange(n, dtype=float), 6)
    assert 137 in picks.indices
    assert picks.roles[picks.indices.tolist().index(137)] == "relevance"


def test_auto_spends_nothing_on_relevance_when_scores_are_flat():
    rng = np.random.default_rng(11)
    n = 100
    picks = run_strategy("auto", np.full(n, 0.4), _unit_rows(rng, n, 16), np.arange(n, dtype=float), 5)
    assert "relevance" not in picks.roles


def test_auto_picks_a_transient_event():
    rng = np.random.default_rng(12)
    n = 120
    feats = np.repeat(_unit_rows(rng, 1, 16), n, axis=0)
    flash = _unit_rows(rng, 1, 16)[0]
    feats[77] = flash  # a one-off picture
    events = np.zeros(n)
    events[77] = 5.0
    events[30] = 2.0  # a lasting change, not transient
    transient = np.zeros(n, bool)
    transient[77] = True
    picks = run_strategy("auto", np.zeros(n), feats, np.arange(n, dtype=float), 4, events=events, transient=transient)
    assert 77 in picks.indices
    assert picks.roles[picks.indices.tolist().index(77)] == "momentary event"


def test_auto_covers_distinct_scenes():
    """Four visually distinct scenes in separate time ranges, flat scores, budget 4: one frame each."""
    rng = np.random.default_rng(13)
    centres = np.eye(16, dtype=np.float32)[:4]  # mutually orthogonal
    n_per = 30
    feats, times, scene = [], [], []
    for s in range(4):
        noise = 0.05 * rng.normal(size=(n_per, 16)).astype(np.float32)
        f = centres[s] + noise
        f /= np.linalg.norm(f, axis=1, keepdims=True)
        feats.append(f)
        times.append(s * 40.0 + np.arange(n_per, dtype=float))
        scene += [s] * n_per
    feats = np.concatenate(feats)
    times = np.concatenate(times)
    scene = np.array(scene)
    picks = run_strategy("auto", np.zeros(len(times)), feats, times, 4)
    assert sorted(scene[picks.indices].tolist()) == [0, 1, 2, 3]


def test_auto_coverage_prefers_a_new_scene_over_another_copy_of_a_long_one():
    """A long static shot plus a short distinct one: with budget 2 the short scene is not skipped."""
    n = 100
    feats = np.zeros((n, 4), np.float32)
    feats[:, 0] = 1.0
    feats[60:65] = np.array([0, 1, 0, 0], np.float32)
    picks = run_strategy("auto", np.zeros(n), feats, np.arange(n, dtype=float), 2)
    assert any(60 <= i < 65 for i in picks.indices), picks.indices


# --------------------------------------------------------------------------- run_strategy validation


def _small():
    rng = np.random.default_rng(14)
    return rng.random(10), _unit_rows(rng, 10, 4), np.arange(10.0)


@pytest.mark.parametrize("budget", [0, -1, -100])
def test_run_strategy_rejects_budget_below_one(budget):
    s, f, t = _small()
    with pytest.raises(InputError, match=r"budget.*at least 1"):
        run_strategy("topk", s, f, t, budget)


def test_run_strategy_rejects_unknown_strategy_listing_the_choices():
    s, f, t = _small()
    with pytest.raises(InputError) as ei:
        run_strategy("bogus", s, f, t, 3)
    msg = str(ei.value)
    assert "bogus" in msg
    for name in STRATEGIES:
        assert name in msg


def test_run_strategy_rejects_unknown_param_listing_the_allowed_ones():
    s, f, t = _small()
    with pytest.raises(InputError) as ei:
        run_strategy("tass", s, f, t, 3, params={"gapp": "10"})
    msg = str(ei.value)
    assert "gapp" in msg and "gap" in msg.replace("gapp", "") and "pool_factor" in msg


def test_run_strategy_unknown_param_on_a_strategy_without_params():
    s, f, t = _small()
    with pytest.raises(InputError, match="none"):
        run_strategy("topk", s, f, t, 3, params={"k": "3"})


def test_run_strategy_rejects_a_param_of_the_wrong_type():
    s, f, t = _small()
    with pytest.raises(InputError, match="gap"):
        run_strategy("tass", s, f, t, 3, params={"gap": "wide"})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_fps_rate_that_is_not_a_finite_number_is_an_input_error(value):
    """--param rate=nan reaches math.floor(nan) -> ValueError: a user's typo must be an InputError,
    not an internal error (exit code 1)."""
    s, f, t = _small()
    try:
        picks = run_strategy("fps", s, f, t, 3, params={"rate": value})
    except InputError:
        return
    assert 1 <= len(picks.indices) <= 3
