"""Coarse-to-fine visual scoring (framesift.scoring.coarse_to_fine).

The algorithm is tested on a synthetic world with an independent ground truth: shots with their
own content vector in a CLIP-like embedding space (frames of a shot = the shot's vector plus
noise), low-level features that see the same shot structure through a different random
projection, and a query. The embedder is a real (numpy) function of the candidate's content:
the algorithm only ever sees the rows it pays for. Expectations come from the world (where the
planted shot is, what the exact cosine is), not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framesift.errors import InputError
from framesift.scoring.coarse_to_fine import CoarseToFineConfig, coarse_to_fine, find_spans
from framesift.scoring.embed_budget import (
    auto_embed_budget,
    measure_embed_rate,
    parse_embed_budget,
    resolve_embed_budget,
)
from framesift.scoring.query import plan_query
from framesift.scoring.visual_relevance import visual_channel_budgeted
from framesift.signals.visual import VisualEmbeddings


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


class World:
    """``n`` candidates at 1 s; shots of 4-40 s; shot ``planted`` is what the query asks for."""

    def __init__(self, n: int = 1800, seed: int = 0, dim: int = 64, fdim: int = 48) -> None:
        rng = np.random.default_rng(seed)
        self.times = np.arange(n, dtype=np.float64)
        lengths, total = [], 0
        while total < n:
            ln = int(np.exp(rng.uniform(np.log(4), np.log(40))))
            lengths.append(ln)
            total += ln
        self.shot = np.repeat(np.arange(len(lengths)), lengths)[:n]
        n_shots = int(self.shot.max()) + 1
        self.query = _unit(rng.normal(size=dim))
        content = _unit(rng.normal(size=(n_shots, dim)))
        # Shot content is mostly unrelated to the query (cos ~ 0 +- 0.12); one shot in the middle
        # third is about it.
        self.planted = int(self.shot[n // 2 + int(rng.integers(-n // 6, n // 6))])
        content[self.planted] = _unit(content[self.planted] + 1.5 * self.query)
        self.emb = _unit(content[self.shot] + 0.3 * rng.normal(size=(n, dim)) / np.sqrt(dim))
        look = _unit(rng.normal(size=(n_shots, fdim)))
        self.features = _unit(look[self.shot] + 0.03 * rng.normal(size=(n, fdim))).astype(np.float32)
        self.events = np.zeros(n, np.float32)
        self.transient = np.zeros(n, bool)
        self.calls: list[np.ndarray] = []

    def embed(self, positions: np.ndarray) -> np.ndarray:
        self.calls.append(np.asarray(positions).copy())
        return self.emb[positions].astype(np.float32)

    @property
    def charged(self) -> int:
        return int(sum(len(c) for c in self.calls))

    def span_of_planted(self) -> tuple[float, float]:
        t = self.times[self.shot == self.planted]
        return float(t.min()), float(t.max())


def run(w: World, budget: int, **kw):
    return coarse_to_fine(w.times, w.features, w.query, w.embed, budget, events=w.events, transient=w.transient, **kw)


def test_planted_shot_is_found_with_a_tenth_of_the_embeddings():
    for seed in range(4):
        w = World(seed=seed)
        res = run(w, budget=len(w.times) // 10)
        lo, hi = w.span_of_planted()
        k = min(8, int((w.shot == w.planted).sum()))
        top = np.argsort(-res.scores, kind="stable")[:k]
        assert np.all((w.times[top] >= lo) & (w.times[top] <= hi)), (seed, w.times[top], lo, hi)
        # the planted shot was actually looked at, not guessed
        assert res.embedded[w.shot == w.planted].any()
        assert res.spent <= len(w.times) // 10


def test_exact_rows_are_the_true_cosines_and_estimates_are_marked():
    w = World(seed=1)
    res = run(w, budget=150)
    truth = w.emb @ w.query
    np.testing.assert_allclose(res.scores[res.embedded], truth[res.embedded], atol=1e-5)
    assert res.embedded.sum() == res.spent
    assert np.array_equal(res.estimated, ~res.embedded)
    # an estimate comes from the same shot's embedded rows: close to the truth inside the shot
    est = res.estimated & np.isin(w.shot, w.shot[res.embedded])
    assert np.median(np.abs(res.scores[est] - truth[est])) < 0.05


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 400), budget=st.integers(0, 450), seed=st.integers(0, 50), cached=st.integers(0, 40))
def test_budget_is_never_exceeded_and_cache_is_never_charged(n, budget, seed, cached):
    w = World(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    cpos = np.sort(rng.choice(n, size=min(cached, n), replace=False))
    res = run(w, budget, cached_positions=cpos, cached_rows=w.emb[cpos])
    asked = np.concatenate(w.calls) if w.calls else np.zeros(0, np.int64)
    assert len(asked) == res.spent <= budget
    assert len(np.unique(asked)) == len(asked)  # nothing embedded twice
    assert not np.isin(asked, cpos).any()  # cached rows are reused, not recomputed
    assert res.reused == len(cpos)
    assert set(np.flatnonzero(res.embedded)) == set(asked.tolist()) | set(cpos.tolist())
    assert res.scores.shape == (n,) and np.isfinite(res.scores).all()
    assert sum(r.embedded for r in res.rounds) == res.spent


def test_a_repeated_question_reuses_the_first_questions_rows():
    w = World(seed=2)
    first = run(w, budget=180)
    w2 = World(seed=2)
    second = run(w2, budget=180, cached_positions=first.new_positions, cached_rows=first.new_rows)
    # nearly every span already has a cached representative: the first pass costs a fraction
    assert second.rounds[0].embedded <= first.rounds[0].embedded // 4
    assert second.reused == first.spent
    top1 = np.argsort(-second.scores, kind="stable")[: min(8, int((w.shot == w.planted).sum()))]
    lo, hi = w.span_of_planted()
    assert np.all((w.times[top1] >= lo) & (w.times[top1] <= hi))


def test_deterministic():
    a = run(World(seed=3), budget=120)
    b = run(World(seed=3), budget=120)
    assert np.array_equal(a.scores, b.scores)
    assert np.array_equal(a.new_positions, b.new_positions)
    assert [r.to_dict()["embedded"] for r in a.rounds] == [r.to_dict()["embedded"] for r in b.rounds]


def test_every_part_of_the_video_is_looked_at_once():
    """The first pass puts an embedded row in every span; spans are at most max_span_s long."""
    w = World(seed=4)
    cfg = CoarseToFineConfig(max_span_s=30.0)
    res = run(w, budget=300, config=cfg)
    t = w.times[res.embedded]
    assert np.diff(np.concatenate([[0.0], t, [w.times[-1]]])).max() <= 2 * 30.0 + 1
    for s in np.unique(res.spans):
        assert res.embedded[res.spans == s].any()


def test_a_small_budget_merges_similar_spans_instead_of_leaving_gaps():
    w = World(seed=5)
    res = run(w, budget=20, config=CoarseToFineConfig(coarse_share=0.5))
    assert res.rounds[0].embedded <= 10
    assert int(res.spans.max()) + 1 <= 10
    for s in np.unique(res.spans):
        assert res.embedded[res.spans == s].any()


def test_a_momentary_event_inside_an_irrelevant_shot_gets_embedded():
    """A flash of relevant content for one candidate, which the low-level features barely see."""
    w = World(seed=6, n=900)
    shots = np.flatnonzero(np.bincount(w.shot) >= 20)
    s = int(shots[len(shots) // 3])
    i = int(np.flatnonzero(w.shot == s)[10])
    w.emb[i] = _unit(w.query + 0.1 * w.emb[i])
    w.events[i], w.transient[i] = 3.0, True
    dense_top = int(np.argmax(w.emb @ w.query))
    assert dense_top == i
    res = run(w, budget=90)
    assert res.embedded[i]
    assert int(np.argmax(res.scores)) == i


def test_dense_when_the_budget_covers_everything():
    w = World(n=200, seed=7)
    res = run(w, budget=500)
    assert res.embedded.all() and res.spent == 200
    np.testing.assert_allclose(res.scores, w.emb @ w.query, atol=1e-5)
    assert "dense" in res.rounds[0].why


def test_manifest_account():
    w = World(seed=8)
    res = run(w, budget=100)
    m = res.to_manifest()
    assert m["frames_embedded"] == res.spent == int(res.embedded.sum())
    assert m["frames_estimated"] == len(w.times) - res.spent
    assert m["rounds"][0]["why"].startswith("first pass")
    assert all("why" in r and r["embedded"] >= 0 for r in m["rounds"])
    assert m["stopped"]


def test_find_spans_recovers_cuts_of_a_real_video(needle_video):
    """Spans from framesift's own features of an encoded video start at the video's shot cuts."""
    from framesift.api import analyze

    a = analyze(needle_video.path, ocr=False)
    c = a.candidates
    spans = find_spans(c.time, a.features, events=c.change, transient=c.transient, max_span_s=1e9)
    starts = c.time[np.flatnonzero(np.diff(spans)) + 1]
    cuts = [s for s, _, _ in needle_video.shots[1:]]
    found = sum(np.any(np.abs(starts - cut) <= 1.0) for cut in cuts)
    assert found >= len(cuts) - 1, (starts, cuts)
    # and not one span per candidate: spans are shots, not frames
    assert int(spans.max()) + 1 <= 3 * len(needle_video.shots)


def test_find_spans_splits_long_shots_evenly():
    t = np.arange(100, dtype=float)
    f = np.tile(_unit(np.ones((1, 8))), (100, 1))
    spans = find_spans(t, f, max_span_s=30.0)
    sizes = np.bincount(spans)
    assert len(sizes) == 4 and sizes.min() >= 24


def test_auto_budget_scales_with_length_and_speed():
    # 60 min at 1 fps, CLIP-B/32 int8 speed: a tenth of the candidates
    assert auto_embed_budget(3600, 3600.0, 20.0) == 360
    assert auto_embed_budget(3600, 3600.0, 5.0) == 90  # a 4x slower model gets 4x fewer
    assert auto_embed_budget(1200, 1200.0, 20.0) == 120  # a third of the video, a third of the budget
    assert auto_embed_budget(20, 20.0, 20.0) == 20  # never more than the candidates
    assert auto_embed_budget(600, 600.0, 1.0) == 32  # never below the floor


class _NumpyEmbedder:
    """A real (if meaningless) embedder: a fixed random projection of 32x32 grey pixels."""

    model_id = "test/numpy-projection"
    dim = 16
    image_size = 64

    def __init__(self) -> None:
        self.calls = 0
        self.w = np.random.default_rng(0).normal(size=(32 * 32, self.dim)).astype(np.float32)

    def encode_images(self, images):
        self.calls += 1
        x = np.stack([im[::2, ::2].mean(axis=-1).reshape(-1)[: 32 * 32] for im in images]).astype(np.float32)
        return _unit(x @ self.w)

    def encode_texts(self, texts):
        return _unit(np.ones((len(texts), self.dim), np.float32))


def test_measured_rate_is_cached_per_model():
    e = _NumpyEmbedder()
    r1 = measure_embed_rate(e, refresh=True)
    calls = e.calls
    r2 = measure_embed_rate(e)
    assert r1 > 0 and r2 == r1 and e.calls == calls
    assert resolve_embed_budget("auto", 3600, 3600.0, embedder=e) == auto_embed_budget(3600, 3600.0, r1)


def test_parse_and_resolve_embed_budget():
    assert parse_embed_budget("auto") == "auto"
    assert parse_embed_budget(" 120 ") == 120
    assert parse_embed_budget("ALL") == "all"
    assert resolve_embed_budget("all", 500, 500.0) == 500
    for bad in ("-1", "many", "1.5"):
        with pytest.raises(InputError):
            parse_embed_budget(bad)
    assert resolve_embed_budget(None, 500, 500.0) == 500
    assert resolve_embed_budget("9999", 500, 500.0) == 500
    assert resolve_embed_budget("auto", 3600, 3600.0, images_per_s=20.0) == 360
    with pytest.raises(InputError):
        resolve_embed_budget("auto", 3600, 3600.0)


class _ArrayImages:
    """Candidate images held as arrays (what ``CandidateImages.get`` returns), counting requests."""

    def __init__(self, images: np.ndarray) -> None:
        self.images = images
        self.asked: list[int] = []

    def __len__(self) -> int:
        return len(self.images)

    def get(self, positions):
        self.asked.extend(int(p) for p in positions)
        return [self.images[p] for p in positions]


def test_budgeted_visual_channel_through_the_embedder_protocol():
    """Glue: text query + images by position -> budgeted scores; exact rows match the embedder."""
    e = _NumpyEmbedder()
    rng = np.random.default_rng(0)
    n = 300
    shot = np.repeat(np.arange(30), 10)
    base = rng.integers(0, 256, size=(30, 64, 64, 3))
    images = np.clip(base[shot] + rng.normal(0, 4, size=(n, 64, 64, 3)), 0, 255).astype(np.uint8)
    feats = _unit(images[:, ::8, ::8].reshape(n, -1).astype(np.float32) - 128)
    plan = plan_query("a question", expand_query=False)

    def channel(embed_budget):
        store = _ArrayImages(images)
        visual = VisualEmbeddings.empty(e, store)  # type: ignore[arg-type]  # any object with len() and get()
        scores, account = visual_channel_budgeted(
            visual, plan, e, np.arange(n, dtype=float), feats, duration_s=300.0, embed_budget=embed_budget
        )
        return scores, account, store.asked

    res, account, asked = channel(40)
    assert account["frames_embedded"] == len(asked) <= 40
    truth = e.encode_images(list(images)) @ e.encode_texts(["a question"])[0]
    exact = ~res.estimated
    np.testing.assert_allclose(res.cosine[exact], truth[exact], atol=1e-5)
    dense, _, _ = channel("all")
    assert not dense.estimated.any()
