"""The literature strategies (issue 4): registry-wide properties beyond test_selectors.py, and each
strategy's own behaviour against expectations worked out by hand from its paper's rule.

Registry-wide tests take the strategy list from the registry, so strategies added later are
covered without editing this file.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framesift.selectors import list_strategies, run_strategy
from framesift.selectors.aks import aks_quotas

STRATEGIES = [s.name for s in list_strategies()]
LITERATURE = ["aks", "bolt", "context", "mdp3", "videotree", "zoom"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    f = rng.normal(size=(n, d)).astype(np.float32)
    return f / np.linalg.norm(f, axis=1, keepdims=True)


def _flat_feats(n: int) -> np.ndarray:
    return np.ones((n, 4), np.float32) / 2.0


def test_literature_strategies_are_registered_with_a_paper():
    by_name = {s.name: s for s in list_strategies()}
    for name in LITERATURE:
        assert name in by_name
        assert "arXiv" in by_name[name].paper or "Li et al." in by_name[name].paper


# --------------------------------------------------------------------------- registry-wide properties


@st.composite
def signal_inputs(draw):
    """Scores with NaN / constant / tied blocks, event signals, any seed."""
    n = draw(st.integers(1, 300))
    budget = draw(st.integers(1, 70))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    kind = draw(st.sampled_from(["nan_blocks", "constant", "tied_plateaus", "one_peak", "negative"]))
    if kind == "nan_blocks":
        scores = rng.random(n)
        scores[rng.random(n) < 0.5] = np.nan
    elif kind == "constant":
        scores = np.full(n, 0.37)
    elif kind == "tied_plateaus":
        scores = np.repeat(rng.integers(0, 2, size=n // 7 + 1).astype(float), 7)[:n]
    elif kind == "one_peak":
        scores = np.exp(-0.5 * ((np.arange(n) - rng.integers(n)) / 3.0) ** 2)
    else:
        scores = -rng.random(n) * 100
    events = np.where(rng.random(n) < 0.05, rng.random(n) * 5, 0.0)
    transient = rng.random(n) < 0.5
    times = np.cumsum(rng.choice([0.0, 0.5, 1.0, 2.0], size=n))
    return dict(
        scores=scores,
        features=_unit_rows(rng, n, 16),
        times=times,
        budget=budget,
        n=n,
        seed=seed,
        events=events,
        transient=transient,
    )


def _run(name, inp):
    return run_strategy(
        name,
        inp["scores"].copy(),
        inp["features"],
        inp["times"],
        inp["budget"],
        seed=inp["seed"],
        events=inp["events"],
        transient=inp["transient"],
    )


@pytest.mark.parametrize("name", STRATEGIES)
@SETTINGS
@given(inp=signal_inputs())
def test_contract_with_signals_and_any_seed(name, inp):
    a = _run(name, inp)
    idx = a.indices
    assert len(idx) <= inp["budget"]
    assert np.all(np.diff(idx) > 0)
    assert len(idx) == 0 or (idx[0] >= 0 and idx[-1] < inp["n"])
    b = _run(name, inp)  # deterministic for this seed
    assert np.array_equal(a.indices, b.indices) and a.roles == b.roles


@pytest.mark.parametrize("name", [s for s in STRATEGIES if s != "fps"])
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_fewer_candidates_than_budget_returns_them_all(name, n):
    """With n <= budget there is nothing to choose: every candidate is returned (fps samples at a
    fixed rate by design and is tested in test_selectors.py)."""
    rng = np.random.default_rng(n)
    picks = run_strategy(name, rng.random(n), _unit_rows(rng, n, 8), np.arange(n, dtype=float), 8)
    assert picks.indices.tolist() == list(range(n))


# --------------------------------------------------------------------------- aks


@pytest.mark.parametrize("n", [1, 5, 31, 32, 33, 100, 997, 3600])
@pytest.mark.parametrize("budget", [1, 3, 8, 16, 64])
def test_aks_quotas_sum_to_the_budget_and_fit_their_segments(n, budget):
    rng = np.random.default_rng(n * budget)
    for scores in (rng.random(n), np.zeros(n), np.where(rng.random(n) < 0.02, 1.0, 0.0)):
        leaves = aks_quotas(scores, budget)
        assert sum(q for _, _, q, _ in leaves) == min(budget, n)
        for a, b, q, _ in leaves:
            assert 0 <= a < b <= n and 0 <= q <= b - a
        spans = sorted((a, b) for a, b, _, _ in leaves)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))  # disjoint


def test_aks_quotas_follow_segment_length():
    """Flat scores never pass the TOP test, so the recursion splits to depth L: with n = 320,
    budget 64 and L = 5 that is 32 segments of 10 candidates with quota 2 each."""
    leaves = aks_quotas(np.zeros(320), 64, depth=5)
    assert len(leaves) == 32
    assert {(b - a, q) for a, b, q, _ in leaves} == {(10, 2)}


def test_aks_judges_a_concentrated_segment_as_a_leaf():
    """10 of 100 candidates at 1, the rest 0, budget 10: s_top = 1, s_all = 0.1, 0.9 > t1 = 0.8,
    so the whole video is one TOP leaf and exactly those 10 are picked. Budget 20: s_top = 0.5,
    0.4 < 0.8, so it splits instead and quotas follow length: the three adjacent hot frames at
    40-42 share a small segment's quota, but every separate hot moment still gets a frame."""
    scores = np.zeros(100)
    hot = [3, 17, 18, 40, 41, 42, 70, 88, 90, 99]
    scores[hot] = 1.0
    assert aks_quotas(scores, 10) == [(0, 100, 10, "TOP")]
    picks = run_strategy("aks", scores, _flat_feats(100), np.arange(100.0), 10)
    assert picks.indices.tolist() == hot
    leaves = aks_quotas(scores, 20)
    assert len(leaves) > 1
    got = set(run_strategy("aks", scores, _flat_feats(100), np.arange(100.0), 20).indices.tolist())
    assert len(got) == 20
    for moment in ({3}, {17, 18}, {40, 41, 42}, {70}, {88, 90}, {99}):
        assert got & moment, moment


def test_aks_on_flat_scores_is_evenly_spread():
    """Budget 8 on 800 flat candidates: 8 leaves of 100 with quota 1, each at its centre."""
    picks = run_strategy("aks", np.full(800, 0.3), _flat_feats(800), np.arange(800.0), 8)
    assert np.all(np.abs(np.diff(picks.indices) - 100) <= 1)


# --------------------------------------------------------------------------- bolt


def test_bolt_puts_most_picks_near_a_single_peak():
    """A Gaussian bump (sigma 20 s) at 1200 s on a 3600 s video, power 3: the sharpened bump
    has sigma 20 / sqrt(3) = 11.5 s, so nearly all the mass (and most of the 16 quantiles) falls
    within +-40 s; uniform would put one frame there at most."""
    t = np.arange(3600.0)
    scores = 0.2 + 0.1 * np.exp(-0.5 * ((t - 1200) / 20.0) ** 2)
    picks = run_strategy("bolt", scores, _flat_feats(3600), t, 16)
    near = np.abs(t[picks.indices] - 1200) <= 40
    assert near.sum() >= 12, t[picks.indices]


def test_bolt_power_controls_concentration():
    t = np.arange(1000.0)
    scores = np.exp(-0.5 * ((t - 500) / 150.0) ** 2)
    spread = {
        p: float(np.std(t[run_strategy("bolt", scores, _flat_feats(1000), t, 16, params={"power": p}).indices]))
        for p in (1.0, 3.0, 10.0)
    }
    assert spread[1.0] > spread[3.0] > spread[10.0]


def test_bolt_spreads_a_spike_to_distinct_neighbours():
    """All mass on one candidate: the released code would return it 8 times; here 8 distinct
    candidates, contiguous and centred on the spike."""
    scores = np.zeros(100)
    scores[50] = 1.0
    picks = run_strategy("bolt", scores, _flat_feats(100), np.arange(100.0), 8)
    assert len(picks.indices) == 8
    assert picks.indices.tolist() == list(range(picks.indices[0], picks.indices[0] + 8))
    assert 50 in picks.indices and 46 <= picks.indices[0] <= 47


def test_bolt_spike_at_the_edge_stays_in_range():
    scores = np.zeros(30)
    scores[-1] = 1.0
    picks = run_strategy("bolt", scores, _flat_feats(30), np.arange(30.0), 5)
    assert picks.indices.tolist() == [25, 26, 27, 28, 29]


def test_bolt_on_a_flat_curve_is_uniform():
    picks = run_strategy("bolt", np.full(100, 0.5), _flat_feats(100), np.arange(100.0), 4)
    assert picks.indices.tolist() == [12, 37, 62, 87]  # quantiles 1/8, 3/8, 5/8, 7/8 of 100


# --------------------------------------------------------------------------- mdp3


def _two_clusters(rng, n=60):
    feats = _unit_rows(rng, n, 32)
    a, b = np.eye(32, dtype=np.float32)[:2]  # orthogonal looks
    feats[10:15] = a
    feats[40:45] = b
    scores = np.full(n, 0.1)
    scores[10:15] = 1.0
    scores[40:45] = 0.9
    return scores, feats


def test_mdp3_prefers_diverse_relevant_frames_to_duplicates():
    """Five identical frames scoring 1.0 and five others (a different look) scoring 0.9: top-k
    takes two copies of the same picture, the DPP one of each."""
    scores, feats = _two_clusters(np.random.default_rng(20))
    t = np.arange(60.0)
    d = set(run_strategy("mdp3", scores, feats, t, 2).indices.tolist())
    assert len(d & set(range(10, 15))) == 1 and len(d & set(range(40, 45))) == 1, d
    k = set(run_strategy("topk", scores, feats, t, 2).indices.tolist())
    assert k <= set(range(10, 15))


def test_mdp3_with_dominant_relevance_is_topk():
    """lam -> 0 makes relevance outweigh any diversity term: the picks are the top-k (pool = all
    candidates, so the per-bin pooling cannot drop a neighbour of a top frame)."""
    rng = np.random.default_rng(21)
    scores = rng.permutation(200).astype(float)
    feats = _unit_rows(rng, 200, 64)
    m = run_strategy("mdp3", scores, feats, np.arange(200.0), 8, params={"lam": 1e-4, "pool": 200})
    k = run_strategy("topk", scores, feats, np.arange(200.0), 8)
    assert np.array_equal(m.indices, k.indices)


def test_mdp3_budget_split_follows_relevance_across_segments():
    """Relevant frames only in the last of four 32-frame segments (distinct looks): the dynamic
    programme gives that segment the whole budget rather than an even split."""
    rng = np.random.default_rng(22)
    n = 128
    feats = _unit_rows(rng, n, 128)
    scores = np.zeros(n)
    scores[100:110] = 1.0
    picks = run_strategy("mdp3", scores, feats, np.arange(float(n)), 6, params={"pool": 128})
    assert set(picks.indices.tolist()) <= set(range(100, 110))


# --------------------------------------------------------------------------- videotree


def _scenes(rng, n_scenes=4, per=40, d=16):
    centres = np.eye(d, dtype=np.float32)[:n_scenes]
    feats = np.concatenate([centres[s] + 0.05 * rng.normal(size=(per, d)).astype(np.float32) for s in range(n_scenes)])
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    scene = np.repeat(np.arange(n_scenes), per)
    return feats, scene


def test_videotree_descends_into_the_relevant_scene():
    rng = np.random.default_rng(23)
    feats, scene = _scenes(rng)
    scores = np.where(scene == 2, 0.9, 0.1) + 0.01 * rng.random(len(scene))
    picks = run_strategy("videotree", scores, feats, np.arange(float(len(scene))), 8)
    counts = np.bincount(scene[picks.indices], minlength=4)
    assert counts[2] == counts.max() and counts[2] >= 4, counts


def test_videotree_without_relevance_covers_every_scene():
    rng = np.random.default_rng(24)
    feats, scene = _scenes(rng)
    picks = run_strategy("videotree", np.zeros(len(scene)), feats, np.arange(float(len(scene))), 4)
    assert sorted(scene[picks.indices].tolist()) == [0, 1, 2, 3]


# --------------------------------------------------------------------------- context


def test_context_takes_the_peak_and_the_moments_around_it():
    t = np.arange(300.0)
    scores = np.full(300, 0.2)
    scores[100] = 0.9
    picks = run_strategy("context", scores, _flat_feats(300), t, 3)
    assert picks.indices.tolist() == [95, 100, 105]
    assert picks.roles == ("just before a peak", "peak", "just after a peak")
    wider = run_strategy("context", scores, _flat_feats(300), t, 5, params={"before": 2, "after": 2, "offset_s": 3})
    assert wider.indices.tolist() == [94, 97, 100, 103, 106]


def test_context_uses_a_transient_event_when_relevance_is_flat():
    n = 200
    events = np.zeros(n)
    events[150] = 3.0
    transient = np.zeros(n, bool)
    transient[150] = True
    picks = run_strategy(
        "context", np.zeros(n), _flat_feats(n), np.arange(float(n)), 3, events=events, transient=transient
    )
    assert picks.indices.tolist() == [145, 150, 155]


def test_context_on_a_flat_curve_is_even_coverage():
    picks = run_strategy("context", np.full(100, 0.4), _flat_feats(100), np.arange(100.0), 4)
    assert set(picks.roles) == {"coverage"}
    assert np.all(np.abs(np.diff(picks.indices) - 25) <= 1)


# --------------------------------------------------------------------------- zoom


def test_zoom_spends_the_second_half_around_the_best_moment():
    """Budget 8 on 1000 s: a first look of 4 (one per 250 s bin) finds the peak at 610 s; one
    moment (4 / 4) gets the other 4 frames, inside +-10 s of it."""
    t = np.arange(1000.0)
    rng = np.random.default_rng(25)
    scores = 0.2 + 0.01 * rng.random(1000)
    scores[605:616] = 0.8
    scores[610] = 0.9
    picks = run_strategy("zoom", scores, _flat_feats(1000), t, 8)
    roles = np.array(picks.roles)
    zoomed = t[picks.indices[roles == "zoom around a best moment"]]
    assert len(zoomed) == 4 and np.all(np.abs(zoomed - 610) <= 10), zoomed
    assert 610 in picks.indices
    first = t[picks.indices[roles == "first look"]]
    assert sorted(np.floor(first / 250).astype(int).tolist()) == [0, 1, 2, 3]


def test_zoom_on_a_flat_curve_does_not_zoom():
    picks = run_strategy("zoom", np.zeros(400), _flat_feats(400), np.arange(400.0), 8)
    assert "zoom around a best moment" not in picks.roles
    assert len(picks.indices) == 8
