"""Speed of the token-aware strategies (qframe, clips, codec) and of the token planner.

3,600 candidates (one hour at 1 fps) with a noisy relevance curve and shot-structured 64-d
features, the issue's target size. Each strategy runs at a frame budget (8, 32, 64) and at token
budgets for Qwen2.5-VL and Qwen3-VL on a 1280x720 video; reported is the median of ``--repeats``
calls through ``run_strategy`` (validation included) and its ratio to ``uniform`` and ``topk``
measured in the same run on the same inputs. The planner rows time ``plan_frames``,
``frames_for_tokens`` and ``TokenBudget.cost`` of a 300-frame mixed plan. Target: < 20 ms.

    python benchmarks/bench_token_strategies.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

N = 3600


def inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, N), 120, replace=False))
    shot = np.searchsorted(cuts, np.arange(N), side="right")
    base = rng.normal(size=(len(cuts) + 1, 64))
    f = base[shot] + 0.3 * rng.normal(size=(N, 64))
    f = (f / np.linalg.norm(f, axis=1, keepdims=True)).astype(np.float32)
    scores = 0.2 + 0.05 * rng.normal(size=N)
    for c in rng.choice(N, 4, replace=False):  # a few relevant moments
        scores[max(0, c - 5) : c + 5] += 0.3
    return scores, f, np.arange(N, dtype=np.float64)


def median_ms(fn, repeats: int) -> float:
    fn()  # warm: first-call imports and caches are not what a long-running process pays
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def main() -> int:
    from _report import write_result
    from framesift.budget import TokenBudget, frames_for_tokens, plan_frames
    from framesift.selectors import run_strategy

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    scores, feats, times = inputs()
    native = (1280, 720)
    settings = [
        ("8 frames", 8, None),
        ("32 frames", 32, None),
        ("64 frames", 64, None),
        ("qwen2.5-vl 5,760 tok", N, TokenBudget.of(5760, "qwen2.5-vl", native)),
        ("qwen2.5-vl 23,040 tok", N, TokenBudget.of(23040, "qwen2.5-vl", native)),
        ("qwen3-vl 16,384 tok", N, TokenBudget.of(16384, "qwen3-vl", native)),
    ]
    lines = [
        "| budget | strategy | frames | tokens spent | median ms | / uniform | / topk |",
        "|---|---|---|---|---|---|---|",
    ]
    worst = 0.0
    for label, budget, tb in settings:

        def call(name):
            return lambda: run_strategy(name, scores, feats, times, budget, tokens=tb)

        base = {name: median_ms(call(name), args.repeats) for name in ("uniform", "topk")}
        for name in ("uniform", "topk", "qframe", "clips", "codec"):
            ms = base.get(name) or median_ms(call(name), args.repeats)
            picks = call(name)()
            spent = tb.cost(picks.scales) if tb is not None else "-"
            if name not in base:
                worst = max(worst, ms)
            lines.append(
                f"| {label} | {name} | {len(picks.indices)} | {spent} | {ms:.2f} | {ms / base['uniform']:.1f}x | "
                f"{ms / base['topk']:.1f}x |"
            )
    tb = TokenBudget.of(16384, "qwen3-vl", native)
    mixed = [1.0] * 20 + [0.5] * 80 + [0.25] * 200
    plan_rows = [
        ("plan_frames(16384, qwen3-vl)", lambda: plan_frames(16384, "qwen3-vl", native)),
        ("plan_frames(16384, qwen3-vl, num_frames=64)", lambda: plan_frames(16384, "qwen3-vl", native, 64)),
        ("frames_for_tokens(16384, qwen2.5-vl)", lambda: frames_for_tokens(16384, "qwen2.5-vl", native)),
        ("TokenBudget.cost(300 mixed frames)", lambda: tb.cost(mixed)),
    ]
    uni = median_ms(lambda: run_strategy("uniform", scores, feats, times, 32), args.repeats)
    lines += ["", "| planner call | median ms | / uniform@32 |", "|---|---|---|"]
    for label, fn in plan_rows:
        ms = median_ms(fn, args.repeats)
        lines.append(f"| {label} | {ms:.3f} | {ms / uni:.2f}x |")
    load = os.getloadavg()
    lines.append(
        f"\nSlowest token-aware strategy call: {worst:.1f} ms (target < 20 ms). "
        f"Load average during the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared 2-core machine)."
    )
    report = "\n".join(lines)
    print(report)
    path = write_result(
        "bench_token_strategies.md",
        "Token-aware strategies and planner: speed at 3,600 candidates",
        "python benchmarks/bench_token_strategies.py --repeats " + str(args.repeats),
        report,
    )
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
