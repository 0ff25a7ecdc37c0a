"""Coarse-to-fine visual scoring against dense scoring with the same model, in one process.

Videos: ``framesift.bench.needle_video`` long videos (real footage + rendered scenes, distractor text),
with planted text captions (~1 s) and flashes (2-4 frames), encoded once under
``/work/bench-data/c2f`` (never committed). Questions per video:

* ``shot``: "the scene where ..." -- the evidence is one whole shot (4-40 s); the other shots
  cut from the same source (same footage clip or same kind of rendered scene) are distractors;
* ``text``: a caption on screen for ~1 s; ``flash``: a 2-4 frame flash.

**Relevance is simulated; cost is real.** No text-image weights exist offline, and a random
text tower gives meaningless relevance. So the relevance of a candidate for a question is
drawn from the ground truth with CLIP-like noise (cosine 0.20 for unrelated content, +0.06 for
evidence, +0.03 for a distractor shot of the same source, a per-shot offset with sd 0.015 --
whole shots score alike -- and per-frame noise with sd 0.008), and it is *revealed only for the
candidates an algorithm pays to embed*: ``embed(positions)`` returns unit vectors whose cosine
with the query vector is exactly that simulated score. Every method sees the same number for
the same frame. Wall time is measured with the real architecture: a randomly initialised
CLIP-B/32 (``framesift.bench.random_models.save_random_model("clip", tiny=False)``: the
``openai/clip-vit-base-patch32`` layout) exported by the project's own ``framesift export-onnx``
code path with dynamic int8 and run by the project's ONNX Runtime embedder on the images the
decode pass keeps for the visual channel (:class:`~framesift.video.images.CandidateImages`,
shorter side 224, the embedder resizes and centre-crops). As a side measurement, the dense real
embeddings are used to check whether random weights preserve visual similarity at all
(query-by-example, option (a)).

``--select``: the whole ``framesift.select(video, question, 8, model=<that ONNX int8 export>,
embed_budget="auto", ocr=False)`` on the 60-minute video against ``embed_budget="all"`` in the
same process (wall time and embeddings from the manifest) -- the issue's "an hour selected in
under 60 s" target, measured end to end. Relevance there is the random text tower's
(meaningless); only cost is measured.

Methods, per question, selection by the project's ``mmr`` strategy on the resulting scores:

* ``dense``: every candidate embedded (1 fps grid + event frames): the baseline;
* ``dense 1 fps``: only the 1 fps grid embedded and selectable (what papers do);
* ``c2f B``: :func:`framesift.scoring.coarse_to_fine.coarse_to_fine` with an embedding budget B
  (a tenth and a twentieth of the 1 fps frame count, and ``auto`` from the measured model speed);
* ``c2f B, cached``: questions asked one after another, rows embedded for earlier questions
  reused (the index's job): embeddings charged per question, each question may spend B anew;
* ``c2f B, cached + credit``: the same, with what ``select`` does: cached rows are credited up to
  the first pass's share of B (:func:`~framesift.scoring.embed_budget.question_budget`), so a
  follow-up question computes at most B/5 new embeddings.

    python benchmarks/bench_coarse_to_fine.py            # 10- and 60-minute videos
    python benchmarks/bench_coarse_to_fine.py --quick    # 10 minutes only
    python benchmarks/bench_coarse_to_fine.py --select   # whole select(), auto vs all, 60 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import framesift
from framesift.bench.needle_video import make_video, needle_suite
from framesift.bench.random_models import save_random_model
from framesift.scoring.coarse_to_fine import coarse_to_fine, find_spans
from framesift.scoring.embed_budget import auto_embed_budget, measure_embed_rate, question_budget
from framesift.selectors import run_strategy
from framesift.signals.embedders import load_embedder
from framesift.signals.embedders.onnx import export_onnx
from framesift.signals.lowlevel import visual_features
from framesift.video.candidates import extract_candidates
from framesift.video.images import CandidateImages
from framesift.video.probe import probe

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FRAMESIFT_BENCH_DATA", "/work/bench-data")) / "c2f"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import write_result  # noqa: E402

SELECT_BUDGETS = (8, 16, 32)
DIM = 512
# Simulated CLIP-like relevance (cosines); see the module docstring.
BASE, GAP, DISTRACTOR, SHOT_SD, FRAME_SD = 0.20, 0.06, 0.03, 0.015, 0.008


# --------------------------------------------------------------------------------------------
# Videos and images
# --------------------------------------------------------------------------------------------


def video_for(minutes: int, seed: int = 0) -> tuple[Path, dict]:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"c2f_{minutes}min_seed{seed}.mp4"
    truth = path.with_suffix(".truth.json")
    if not truth.exists():
        t0 = time.perf_counter()
        make_video(
            path,
            duration=minutes * 60.0,
            needles=needle_suite(seed, minutes * 60.0, kinds=("text", "flash")),
            seed=seed,
            subtitles=False,
        )
        print(f"  encoded {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return path, json.loads(truth.read_text())


# --------------------------------------------------------------------------------------------
# The real model: CLIP-B/32, random weights, exported by the project's export-onnx, int8
# --------------------------------------------------------------------------------------------


def clip_b32_onnx_int8() -> Path:
    """A random-weight CLIP-B/32 checkpoint exported with ``framesift export-onnx --int8`` (cached).

    The same code path as ``framesift export-onnx DIR OUT --int8`` (``export_onnx``: both towers,
    dynamic int8, per-channel weights); loaded with ``load_embedder`` like ``--model OUT``.
    """
    root = DATA / "models"
    hf, out = root / "clip-b32-random-hf", root / "clip-b32-random-onnx-int8"
    if not out.exists():
        if not (hf / "config.json").exists():
            save_random_model("clip", hf, tiny=False)
        export_onnx(load_embedder(str(hf)), out, int8=True)
    return out


class Counting:
    """The project's embedder with a count of images embedded (what the benchmark reports)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id, self.dim, self.image_size = inner.model_id, inner.dim, inner.image_size
        self.backend = getattr(inner, "backend", None)
        self.images_embedded = 0

    def encode_images(self, images) -> np.ndarray:
        self.images_embedded += len(images)
        return self.inner.encode_images(images)

    def encode_texts(self, texts) -> np.ndarray:
        return self.inner.encode_texts(texts)


# --------------------------------------------------------------------------------------------
# Questions and simulated relevance
# --------------------------------------------------------------------------------------------


def questions(truth: dict, times: np.ndarray, n_shot_q: int, seed: int) -> list[dict]:
    rng = np.random.default_rng([seed, 7])
    shots = truth["shots"]
    qs = [{"kind": n["kind"], "spans": [(n["start"], n["end"])], "shot_kind": None} for n in truth["needles"]]
    for k in rng.permutation(len(shots))[:n_shot_q]:
        s = shots[int(k)]
        qs.append({"kind": "shot", "spans": [(s["start"], s["end"])], "shot_kind": s["kind"]})
    for i, q in enumerate(qs):
        q["seed"] = i
    return qs


def simulated_scores(q: dict, truth: dict, times: np.ndarray, shot_of: np.ndarray, seed: int) -> np.ndarray:
    """CLIP-like cosines of every candidate for question ``q`` (revealed only when embedded)."""
    rng = np.random.default_rng([seed, 11, q["seed"]])
    shots = truth["shots"]
    off = rng.normal(0, SHOT_SD, size=len(shots))
    s = BASE + off[shot_of] + rng.normal(0, FRAME_SD, size=len(times))
    if q["shot_kind"] is not None:
        same = np.array([sh["kind"] == q["shot_kind"] for sh in shots])
        s += DISTRACTOR * same[shot_of]
    for a, b in q["spans"]:
        s += GAP * ((times >= a) & (times < b))
    return s


def unit_rows(scores: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Unit vectors whose cosine with the query e0 is ``scores[positions]``."""
    p = np.asarray(positions, dtype=np.int64)
    s = np.clip(scores[p], -1, 1)
    v = np.zeros((len(p), DIM), np.float32)
    v[:, 0] = s
    v[np.arange(len(p)), 1 + p % (DIM - 1)] = np.sqrt(1 - s**2)
    return v


QUERY = np.eye(DIM, dtype=np.float32)[0]


def hit(times_sel: np.ndarray, spans) -> float:
    return float(np.mean([np.any((times_sel >= a) & (times_sel < b)) for a, b in spans]))


def select_times(scores, feats, times, budget, allowed=None) -> np.ndarray:
    if allowed is not None:
        idx = np.flatnonzero(allowed)
        picks = run_strategy("mmr", scores[idx], feats[idx], times[idx], budget)
        return times[idx[picks.indices]]
    return times[run_strategy("mmr", scores, feats, times, budget).indices]


# --------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the 10-minute video only")
    ap.add_argument("--minutes", default="10,60")
    ap.add_argument("--shot-questions-per-10min", type=int, default=6)
    ap.add_argument(
        "--dense-sample",
        type=int,
        default=1200,
        help="time dense on at most this many evenly spaced candidates, scaled to all",
    )
    ap.add_argument("--timed-questions", type=int, default=2, help="c2f questions timed with the real model per video")
    ap.add_argument("--select", action="store_true", help="time the whole select(): embed_budget auto vs all")
    ap.add_argument("--select-minutes", type=int, default=60)
    args = ap.parse_args()
    minutes = [10] if args.quick else [int(m) for m in args.minutes.split(",")]
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"load at start: {load}", file=sys.stderr)

    t0 = time.perf_counter()
    model_path = clip_b32_onnx_int8()
    t_export = time.perf_counter() - t0
    if args.select:
        return select_run(model_path, load, args.select_minutes)
    model = Counting(load_embedder(str(model_path)))
    rate = measure_embed_rate(model, images=16)
    print(f"model ready ({t_export:.1f}s export+quantise or cache); measured {rate:.1f} img/s", file=sys.stderr)

    rows_recall: dict[tuple[str, str], list[list[float]]] = {}
    spent_by: dict[tuple[str, str], list[int]] = {}
    timing_lines = []
    sim_lines = []

    def record(method: str, kind: str, hits: list[float], spent: int) -> None:
        rows_recall.setdefault((method, kind), []).append(hits)
        spent_by.setdefault((method, kind), []).append(spent)

    for m in minutes:
        path, truth = video_for(m)
        # ---- query-free analysis: decode + event scan + features + kept model inputs (timed)
        t0 = time.perf_counter()
        info, table = probe(path)
        tap = CandidateImages(info, model.image_size)
        cands = extract_candidates(path, info, table, taps=[tap])
        feats = visual_features(cands.thumbs)
        t_analysis = time.perf_counter() - t0
        times, n = cands.time, len(cands)
        grid = cands.source == "grid"
        n_grid = int(grid.sum())
        shot_start = np.array([s["start"] for s in truth["shots"]])
        shot_of = np.clip(np.searchsorted(shot_start, times, side="right") - 1, 0, len(shot_start) - 1)
        n_spans = int(find_spans(times, feats, events=cands.change, transient=cands.transient).max()) + 1
        budgets = {
            "c2f 1/20": n_grid // 20,
            "c2f 1/10": n_grid // 10,
            "c2f auto": auto_embed_budget(n, info.duration, rate, spans=n_spans),
        }
        print(
            f"{path.name}: {n} candidates ({n_grid} grid), analysis {t_analysis:.1f}s, budgets {budgets}",
            file=sys.stderr,
        )

        # ---- dense with the real model (timed), all candidates
        # (on long videos: a sample of evenly spaced candidates, timed, and scaled to all n --
        # the per-image cost does not depend on which image it is; recall needs no embeddings)
        sample = (
            np.arange(n) if n <= args.dense_sample else np.unique(np.linspace(0, n - 1, args.dense_sample).astype(int))
        )
        t0 = time.perf_counter()
        dense_emb = model.encode_images(tap.get(sample))
        t_dense = (time.perf_counter() - t0) * n / len(sample)
        dense_note = "" if len(sample) == n else f" (timed on {len(sample)}, scaled)"
        print(f"  dense: {n} embeddings in {t_dense:.1f}s{dense_note}", file=sys.stderr)

        qs = questions(truth, times, args.shot_questions_per_10min * m // 10, seed=m)
        cache_pos = {name: np.zeros(0, np.int64) for name in budgets}
        cache_credit = {name: np.zeros(0, np.int64) for name in budgets}
        c2f_times = []
        for qi, q in enumerate(qs):
            s = simulated_scores(q, truth, times, shot_of, seed=m)
            kind = q["kind"]
            record("dense", kind, [hit(select_times(s, feats, times, b), q["spans"]) for b in SELECT_BUDGETS], n)
            record(
                "dense 1 fps",
                kind,
                [hit(select_times(s, feats, times, b, allowed=grid), q["spans"]) for b in SELECT_BUDGETS],
                n_grid,
            )
            for name, eb in budgets.items():
                timed = name == "c2f 1/10" and qi < args.timed_questions

                def embed(pos, s=s, timed=timed):
                    if timed:  # pay the real model on the real images; return the simulated vectors
                        model.encode_images(tap.get(pos))
                    return unit_rows(s, pos)

                t1 = time.perf_counter()
                res = coarse_to_fine(times, feats, QUERY, embed, eb, events=cands.change, transient=cands.transient)
                dt = time.perf_counter() - t1
                if timed:
                    select_times(res.scores, feats, times, 32)
                    c2f_times.append((dt, res.spent, len(res.rounds), res.stopped, time.perf_counter() - t1 - dt))
                record(
                    name,
                    kind,
                    [hit(select_times(res.scores, feats, times, b), q["spans"]) for b in SELECT_BUDGETS],
                    res.spent,
                )
                # the same question sequence with the index's cache
                cp = cache_pos[name]
                res2 = coarse_to_fine(
                    times,
                    feats,
                    QUERY,
                    lambda pos, s=s: unit_rows(s, pos),
                    eb,
                    events=cands.change,
                    transient=cands.transient,
                    cached_positions=cp,
                    cached_rows=unit_rows(s, cp),
                )
                cache_pos[name] = np.union1d(cp, res2.new_positions)
                record(
                    name + ", cached",
                    kind,
                    [hit(select_times(res2.scores, feats, times, b), q["spans"]) for b in SELECT_BUDGETS],
                    res2.spent,
                )
                cc = cache_credit[name]
                res3 = coarse_to_fine(
                    times,
                    feats,
                    QUERY,
                    lambda pos, s=s: unit_rows(s, pos),
                    question_budget(eb, len(cc)),
                    events=cands.change,
                    transient=cands.transient,
                    cached_positions=cc,
                    cached_rows=unit_rows(s, cc),
                )
                cache_credit[name] = np.union1d(cc, res3.new_positions)
                record(
                    name + ", cached + credit",
                    kind,
                    [hit(select_times(res3.scores, feats, times, b), q["spans"]) for b in SELECT_BUDGETS],
                    res3.spent,
                )
                if qi == 0 and name == "c2f 1/10":
                    log = res.to_manifest()
                    print(json.dumps({k: v for k, v in log.items() if k != "rounds"}), file=sys.stderr)
                    for r in log["rounds"][:4]:
                        print("   ", r, file=sys.stderr)

        # ---- option (a): does the random-weight tower preserve visual similarity?
        auc_clip, auc_low = [], []
        for q in qs:
            if q["kind"] != "shot" or len(sample) != n:
                continue
            a, b = q["spans"][0]
            inside = (times >= a) & (times < b)
            idx = np.flatnonzero(inside)
            if len(idx) < 3:
                continue
            ex = idx[0]  # the exemplar: the shot's first candidate
            pos = inside.copy()
            pos[ex] = False
            for emb, acc in ((dense_emb, auc_clip), (feats, auc_low)):
                sim = emb @ emb[ex]
                sp, sn = sim[pos], sim[~inside]
                acc.append(float((sp[:, None] > sn[None, :]).mean() + 0.5 * (sp[:, None] == sn[None, :]).mean()))
        if auc_clip:
            sim_lines.append(f"| {m} min | {len(auc_clip)} | {np.mean(auc_clip):.3f} | {np.mean(auc_low):.3f} |")

        t_c2f = float(np.median([c[0] for c in c2f_times])) if c2f_times else float("nan")
        spent_t = int(np.median([c[1] for c in c2f_times])) if c2f_times else 0
        t_sel = float(np.median([c[4] for c in c2f_times])) if c2f_times else 0.0
        timing_lines.append(
            f"| {m} min | {n} ({n_grid}) | {t_analysis:.1f} | {n} / {t_dense:.1f} s{dense_note} | {spent_t} / {t_c2f:.1f} s | "
            f"{t_dense / t_c2f:.1f}x | {t_analysis + t_dense:.1f} | {t_analysis + t_c2f + t_sel:.1f} | "
            f"{n / t_dense:.1f} |"
        )
        print(f"  c2f timed runs: {c2f_times}", file=sys.stderr)

    # ---- report
    methods = ["dense", "dense 1 fps"] + [
        k
        for name in ("c2f 1/20", "c2f 1/10", "c2f auto")
        for k in (name, name + ", cached", name + ", cached + credit")
    ]
    kinds = ["shot", "text", "flash", "all"]
    lines = [
        f"Model: random-weight CLIP-B/32 (framesift export-onnx, dynamic int8), the project's ONNX Runtime "
        f"embedder; measured {rate:.1f} img/s (auto budget = 0.3 s of model time per video minute, at least one "
        f"per span up to one per 10 s). Load at start: `{load}`",
        "",
        "Evidence recall (share of evidence spans with >= 1 selected frame inside; selection: `mmr`) at selection "
        "budgets 8 / 16 / 32, and embeddings computed per question (mean):",
        "",
        "| method | " + " | ".join(f"{k} (n)" for k in kinds) + " | embeddings / question | vs dense |",
        "|---|" + "---|" * (len(kinds) + 2),
    ]
    dense_spent = np.mean([x for (mm, k), v in spent_by.items() if mm == "dense" for x in v])
    for meth in methods:
        cells = []
        for k in kinds:
            rs = [r for (mm, kk), v in rows_recall.items() if mm == meth and (kk == k or k == "all") for r in v]
            if not rs:
                cells.append("-")
                continue
            arr = np.array(rs) * 100
            cells.append(" / ".join(f"{x:.0f}" for x in arr.mean(axis=0)) + f" ({len(rs)})")
        sp = np.mean([x for (mm, k), v in spent_by.items() if mm == meth for x in v])
        lines.append(f"| {meth} | " + " | ".join(cells) + f" | {sp:.0f} | {sp / dense_spent:.3f} |")
    lines += [
        "",
        "Wall time (real model on the real 224x224 crops; analysis = probe + decode + event scan + features "
        "+ keeping the crops; c2f = the algorithm + its embeddings, median of the timed questions):",
        "",
        "| video | candidates (grid) | analysis s | dense: embeddings / s | c2f 1/10: embeddings / s | "
        "embedding speed-up | analysis + dense s | analysis + c2f + select s | dense img/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ] + timing_lines
    lines += [
        "",
        "Option (a), query-by-example with random weights: AUC of (other frames of the exemplar's shot) vs "
        "(frames outside it), exemplar = the shot's first candidate:",
        "",
        "| video | shots | random CLIP-B/32 int8 | low-level features (hsv + layout) |",
        "|---|---|---|---|",
    ] + sim_lines
    report = "\n".join(lines)
    print(report)
    cmd = "python benchmarks/bench_coarse_to_fine.py" + (" --quick" if args.quick else f" --minutes {args.minutes}")
    write_result(
        "bench_coarse_to_fine_quick.md" if args.quick else "bench_coarse_to_fine.md",
        "Coarse-to-fine visual scoring vs dense",
        cmd,
        report,
    )
    return 0


def select_run(model_path: Path, load: str, minutes: int) -> int:
    """The whole ``framesift.select`` on one long video: ``embed_budget="auto"`` vs ``"all"``, same process."""
    path, _ = video_for(minutes)
    question = "When does the person open the red door and walk into the kitchen?"
    emb = Counting(load_embedder(str(model_path)))
    measure_embed_rate(emb, images=16)  # what auto uses, measured once per process (as in select)
    rows, lines = [], []
    for spec in ("auto", "all"):
        before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        seen = emb.images_embedded
        t0 = time.perf_counter()
        sel = framesift.select(path, question, 8, model=emb, embed_budget=spec, ocr=False)
        wall = time.perf_counter() - t0
        e = sel.signals["visual_model"]["embedding"]
        counted = emb.images_embedded - seen
        analysis = sum(sel.timings.get(k, 0.0) for k in ("probe", "subtitles", "decode", "features"))
        vis_s = sel.timings.get("visual_score", 0.0) + sel.timings.get("embed_images", 0.0)
        rows.append((spec, wall, e, counted, analysis, vis_s))
        lines.append(f"- `{spec}`: load before: `{before}`; timings {json.dumps(sel.timings)}")
        print(f"  {spec}: {wall:.1f}s, {counted} embeddings ({e.get('images_per_s')} img/s measured)", file=sys.stderr)
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    dense = rows[1]
    table = [
        "| embed_budget | wall s (select, whole) | analysis s (probe + decode + features) | visual channel s "
        "(text + image embeddings + coarse-to-fine) | embeddings (manifest / counted) | candidates | "
        "wall vs all | embeddings vs all |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec, wall, e, counted, analysis, vis in rows:
        table.append(
            f"| {spec} | {wall:.1f} | {analysis:.1f} | {vis:.1f} | {e['frames_embedded']} / {counted} | "
            f"{e['candidates']} | {wall / dense[1]:.3f} | {counted / max(dense[3], 1):.3f} |"
        )
    auto_e = rows[0][2]
    report = "\n".join(
        [
            f"`framesift.select({path.name}, question, 8, model=<random CLIP-B/32, export-onnx int8>, ocr=False, "
            f"embed_budget=...)`, {minutes} min video, both in one process (auto first).",
            "",
            *table,
            "",
            f"auto: budget {auto_e['embed_budget']} from {auto_e.get('images_per_s')} img/s measured and "
            f"{auto_e.get('spans_found')} spans; stopped: {auto_e['stopped']}; rounds {len(auto_e['rounds'])}.",
            "",
            *lines,
            f"- load after: `{after}`",
        ]
    )
    print(report)
    write_result(
        f"bench_coarse_to_fine_select_{minutes}min.md",
        "Whole select(): embed_budget auto vs all",
        f"python benchmarks/bench_coarse_to_fine.py --select --select-minutes {minutes}",
        report,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
