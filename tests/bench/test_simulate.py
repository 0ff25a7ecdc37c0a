"""The strategy simulator (framesift.bench.simulate) and `framesift bench simulate`."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from _cli import run_cli
from framesift.bench import simulate as sim


@pytest.mark.parametrize("family", sim.FAMILIES)
def test_videos_are_deterministic_and_well_formed(family):
    a = sim.make_video(family, 3, duration=600.0)
    b = sim.make_video(family, 3, duration=600.0)
    c = sim.make_video(family, 4, duration=600.0)
    assert np.array_equal(a.scores, b.scores) and np.array_equal(a.features, b.features) and a.spans == b.spans
    assert not np.array_equal(a.scores, c.scores)
    n = len(a.times)
    assert n == 600 and a.features.shape == (n, 64) and a.scores.shape == (n,)
    assert np.allclose(np.linalg.norm(a.features, axis=1), 1.0, atol=1e-5)
    spans = sorted(a.spans + a.distractors)
    assert all(5.0 <= s < e <= 595.0 for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:])), "spans must not overlap"
    # Raw cosines in CLIP's narrow band, not probabilities.
    assert 0.05 < a.scores.min() and a.scores.max() < 0.45


def test_family_shapes():
    for seed in range(5):
        m = sim.make_video("multi", seed, 1800.0)
        assert 2 <= len(m.spans) <= 4 and not m.distractors
        mo = sim.make_video("momentary", seed, 1800.0)
        assert all(e - s <= 2.0 for s, e in mo.spans)
        for s, e in mo.spans:
            assert mo.transient[int(s) : int(e)].all() and (mo.events[int(s) : int(e)] > 0).all()
        assert mo.transient.sum() > sum(e - s for s, e in mo.spans)  # false alarms too
        d = sim.make_video("distractors", seed, 1800.0)
        assert len(d.spans) == 1 and 4 <= len(d.distractors) <= 10


def test_distractors_look_like_the_evidence():
    """Same scene: evidence and distractor frames are closer to each other than to the video."""
    v = sim.make_video("distractors", 7, 1800.0)
    ev = v.features[int(v.spans[0][0])]
    dis = np.array([v.features[int(s)] for s, _ in v.distractors])
    others = v.features[::50]
    assert float((dis @ ev).mean()) > float((others @ ev).mean()) + 0.15


def test_evidence_scores_above_the_rest_by_a_clip_like_margin():
    gaps = []
    for seed in range(20):
        v = sim.make_video("single", seed, 1800.0)
        s, e = v.spans[0]
        inside = v.scores[int(s) : int(e)].mean()
        gaps.append(inside - np.median(v.scores))
    gaps = np.array(gaps)
    assert 0.0 < gaps.mean() < 0.1 and gaps.min() > -0.03


def test_features_have_shot_structure():
    v = sim.make_video("single", 1, 600.0)
    adjacent = np.sum(v.features[1:] * v.features[:-1], axis=1)
    far = np.sum(v.features[:300] * v.features[300:], axis=1)
    assert np.median(adjacent) > 0.9  # most neighbours are in the same shot
    assert np.median(far) < 0.8  # distant frames mostly show other scenes


def test_evaluate_counts_hits_and_bins():
    v = sim.make_video("multi", 0, 600.0)
    spans = v.spans
    inside = [int(s) for s, _ in spans]
    m = sim.evaluate(v, np.array(sorted(inside)), budget=len(inside))
    assert m["recall"] == 1.0 and m["all_hit"] == 1.0
    m = sim.evaluate(v, np.array([int(spans[0][0])]), budget=8)
    assert m["recall"] == pytest.approx(1 / len(spans)) and m["all_hit"] == 0.0
    assert m["spread"] == pytest.approx(1 / 8)
    just_after = int(spans[0][1])  # spans are [start, end)
    assert sim.evaluate(v, np.array([just_after]), budget=1)["recall"] == 0.0


def test_every_candidate_finds_everything():
    """A budget as large as the video takes every candidate: recall and all-covered are 1."""
    videos = [sim.make_video(f, 2, 600.0) for f in sim.FAMILIES]
    rows = sim.simulate(videos, ["uniform"], [600])
    row = next(r for r in rows if r.family == "all")
    assert row.recall == 1.0 and row.all_covered == 1.0 and row.spread == 1.0


def test_run_selection_honours_the_budget():
    v = sim.make_video("single", 5, 600.0)
    for name in ("topk", "bolt", "zoom"):
        picks = sim.run_selection(name, v, 16)
        assert len(picks) == 16 and np.all(np.diff(picks) > 0)


def test_cli_writes_table_csv_plot_and_one_json_object(tmp_path):
    out = tmp_path / "sim"
    proc = run_cli(
        "bench",
        "simulate",
        "-n",
        "1",
        "--budgets",
        "8,16",
        "--strategies",
        "uniform,topk,bolt",
        "--out",
        out,
        "--json",
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # exactly one JSON object
    assert proc.stdout.count("\n") == 1
    assert set(doc["strategies"]) == {"uniform", "topk", "bolt"}
    assert set(doc["strategies"]["topk"]) == {"8", "16"}
    assert doc["questions"] == len(sim.FAMILIES)
    assert (out / "simulate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(out / "simulate.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["strategy"] for r in rows} == {"uniform", "topk", "bolt"}
    assert len(rows) == 3 * 2 * (len(sim.FAMILIES) + 1)
    md = (out / "simulate.md").read_text()
    assert "| `topk` |" in md and "Span recall" in md
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--budgets", "8,x"], "--budgets"),
        (["--budgets", "0"], "at least 1"),
        (["--strategies", "nope"], "unknown strategy 'nope'"),
        (["--families", "single,weird"], "unknown family 'weird'"),
        (["-n", "0"], "--per-family"),
        (["--noise", "-1"], "--noise"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, args, needle):
    proc = run_cli("bench", "simulate", "--out", tmp_path / "o", "--quiet", *args)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_noise_scales_the_score_noise_only():
    quiet = sim.make_video("single", 9, 600.0, noise=0.0)
    loud = sim.make_video("single", 9, 600.0, noise=2.0)
    assert quiet.spans == loud.spans and np.array_equal(quiet.features, loud.features)
    s, e = quiet.spans[0]
    outside = np.ones(600, bool)
    outside[int(s) : int(e)] = False
    assert np.ptp(quiet.scores[outside]) < 1e-12  # no noise: a flat base level
    assert np.std(loud.scores[outside]) > 0.02
