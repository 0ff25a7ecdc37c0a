"""Which per-video normalisation suits coarse-to-fine scores: statistics over every candidate
(estimates included) or over the embedded rows only?

The visual channel maps raw cosines to ``clip(robust_z / 6, 0, 1)`` within the video
(:func:`framesift.scoring.visual_relevance.normalise_per_video`); dense scoring takes the median
and MAD over every candidate. Under an embedding budget only some candidates have exact scores.
This compares, for the simulated questions of ``bench_coarse_to_fine.py`` (same videos, same
simulated CLIP-like relevance, budget 360 = a tenth of the hour's 1 fps grid), how far each
choice's channel scores are from dense scoring's on the embedded rows, and on the best evidence
frame (what fusion with the subtitle / OCR channels compares). No model runs: relevance is
simulated, so this is quick.

    python benchmarks/bench_c2f_normalisation.py [--minutes 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_coarse_to_fine as B  # noqa: E402
from _report import write_result  # noqa: E402
from framesift.scoring.coarse_to_fine import coarse_to_fine  # noqa: E402
from framesift.scoring.visual_relevance import normalise_per_video  # noqa: E402
from framesift.signals.lowlevel import visual_features  # noqa: E402
from framesift.video.candidates import extract_candidates  # noqa: E402
from framesift.video.probe import probe  # noqa: E402


def arrays(minutes: int):
    path, truth = B.video_for(minutes)
    cache = B.DATA / f"arrays_{minutes}.npz"
    if not cache.exists():
        info, table = probe(path)
        c = extract_candidates(path, info, table)
        np.savez(cache, time=c.time, feat=visual_features(c.thumbs), change=c.change, tr=c.transient, src=c.source)
    d = np.load(cache)
    return d["time"], d["feat"], d["change"], d["tr"], truth


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--budget", type=int, default=360)
    args = ap.parse_args()
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    times, feats, change, tr, truth = arrays(args.minutes)
    shot_start = np.array([s["start"] for s in truth["shots"]])
    shot_of = np.clip(np.searchsorted(shot_start, times, side="right") - 1, 0, len(shot_start) - 1)
    qs = B.questions(truth, times, 6 * args.minutes // 10, seed=args.minutes)
    err = {"all": [], "embedded": []}
    top = {"all": [], "embedded": []}
    for q in qs:
        s = B.simulated_scores(q, truth, times, shot_of, seed=args.minutes)
        dense = normalise_per_video(s.astype(np.float32))
        r = coarse_to_fine(
            times, feats, B.QUERY, lambda p, s=s: B.unit_rows(s, p), args.budget, events=change, transient=tr
        )
        ex = r.embedded
        norm = {
            "all": normalise_per_video(r.scores),
            "embedded": normalise_per_video(np.where(ex, r.scores, np.nan).astype(np.float32)),
        }
        evid = np.zeros(len(times), bool)
        for a, b in q["spans"]:
            evid |= (times >= a) & (times < b)
        for k, v in norm.items():
            err[k].append(float(np.abs(v[ex] - dense[ex]).mean()))
            if (evid & ex).any():
                top[k].append(float(v[evid & ex].max() - dense[evid & ex].max()))
    lines = [
        f"{len(qs)} questions, {args.minutes} min video, embedding budget {args.budget}; load: `{load}`",
        "",
        "| median/MAD over | mean abs diff to dense on embedded rows | best evidence frame: mean diff to dense | "
        "mean abs diff |",
        "|---|---|---|---|",
    ]
    for k in ("all", "embedded"):
        lines.append(
            f"| {'every candidate (estimates included)' if k == 'all' else 'embedded rows only'} | "
            f"{np.mean(err[k]):.4f} | {np.mean(top[k]):+.4f} | {np.mean(np.abs(top[k])):.4f} |"
        )
    lines.append(
        f"\nratio (embedded-only / every candidate), mean abs diff on embedded rows: "
        f"{np.mean(err['embedded']) / np.mean(err['all']):.2f}x"
    )
    report = "\n".join(lines)
    print(report)
    write_result(
        "bench_c2f_normalisation.md",
        "Coarse-to-fine: per-video normalisation of estimated scores",
        f"python benchmarks/bench_c2f_normalisation.py --minutes {args.minutes} --budget {args.budget}",
        report,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
