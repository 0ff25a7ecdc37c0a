"""Long seeded container fuzz: thousands of damaged copies of small fixture videos through
``framesift select`` (issue 12). Prints the counts by outcome and by mutation, and every finding.

    PYTHONPATH=src:tests python benchmarks/fuzz_containers.py --cases 500 --text-cases 100 --seed 0

Every case must end ``ok`` (exit 0, a true manifest) or ``bad_input`` (exit 2, one line); the
baseline is the undamaged seeds, run first in the same process (all must be ``ok``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _odd_videos import make_odd_video  # noqa: E402
from framesift.bench.fuzz import run_fuzz  # noqa: E402

SEEDS = (("cfr", ".mp4"), ("faststart", ".mp4"), ("text", ".mp4"), ("vfr", ".mp4"), ("with_subs", ".mkv"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=500, help="damaged copies per seed video")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text-cases", type=int, default=100, help="damaged copies of the on-screen-text video (OCR on)")
    a = ap.parse_args()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["FRAMESIFT_CACHE"] = str(root / "cache")
        seeds = [(make_odd_video(root / f"{k}{ext}", k).path, 3.0) for k, ext in SEEDS]
        args = ["-q", "gate code", "-b", "3"]
        work = root / "work"
        work.mkdir()
        t0 = time.perf_counter()
        from framesift.cli import main as cli

        for path, _d in seeds:  # baseline: the undamaged seeds, same arguments
            copy = work / f"seed{path.suffix}"
            copy.write_bytes(path.read_bytes())
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli(["select", str(copy), "--json", "--quiet", *args, "--ocr", "auto"])
            print(f"baseline {path.name}: exit {code}", file=sys.stderr)
            if code != 0:
                raise SystemExit(f"undamaged seed {path.name} ended {code}")
        base_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        done = [0]

        def tick(o):
            done[0] += 1
            if done[0] % 100 == 0:
                print(f"  {done[0]} cases, {time.perf_counter() - t1:.0f} s", file=sys.stderr)

        # The plain seeds without OCR (fast), the on-screen-text seed with OCR and the text model.
        report = run_fuzz(
            [sd for sd, (k, _) in zip(seeds, SEEDS) if k != "text"],
            a.cases,
            work,
            base_seed=a.seed,
            args=[*args, "--ocr", "off"],
            on_case=tick,
            main=cli,
        )
        text = run_fuzz(
            [sd for sd, (k, _) in zip(seeds, SEEDS) if k == "text"],
            a.text_cases,
            work,
            base_seed=a.seed,
            args=[*args, "--ocr", "auto"],
            on_case=tick,
            main=cli,
        )
        report.outcomes.extend(text.outcomes)
        wall = time.perf_counter() - t1
    n = len(report.outcomes)
    print(
        f"{n} cases over {len(seeds)} seeds in {wall:.0f} s ({wall / max(n, 1):.2f} s/case; "
        f"an undamaged seed: {base_s / len(seeds):.2f} s, ratio {wall / max(n, 1) / (base_s / len(seeds)):.2f})"
    )
    print("outcomes:", dict(report.counts()))
    for m, c in sorted(report.by_mutation().items()):
        print(f"  {m:10s} {dict(c)}")
    for o in report.findings():
        print(f"FINDING {o.case.seed_path.name} {o.case.mutation} seed={o.case.seed}: {o.kind} {o.detail}")
    return 1 if report.findings() else 0


if __name__ == "__main__":
    sys.exit(main())
