"""The whole ``framesift.select`` cold, split by stage, and its peak memory against video length.

Each run is a fresh subprocess (cold: imports, model loads, page cache aside), on a 10-minute
and a 60-minute 360p H.264 video with a subtitle sidecar (see _videos.py). Reported per video:
seconds per stage from ``Selection.timings``, the wall time of the process, x real time, and
peak RSS. The claim checked: peak memory does not grow with video length (ratio of the 60-minute
to the 10-minute peak RSS). Baseline in the same run: what pipelines do today, 8 uniformly
spaced frames read straight from the file with PyAV (framesift's seeking reader, no scoring).

    python benchmarks/bench_select.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
mode, path = sys.argv[1], sys.argv[2]
if mode == "framesift":
    import framesift
    sel = framesift.select(path, "What does the speaker say about the budget?", budget=8)
    timings, dur, n = sel.timings, sel.video.duration, len(sel.frames)
else:
    import numpy as np
    from PIL import Image
    from framesift.video import iter_decoded, probe, to_rgb
    info, table = probe(path)
    idx = np.round(np.linspace(0, info.num_frames - 1, 8)).astype(int)
    imgs = [Image.fromarray(to_rgb(f, info)) for _, f in iter_decoded(path, table, idx)]
    timings, dur, n = {}, info.duration, len(imgs)
print(json.dumps({"wall": time.perf_counter() - t0, "timings": timings, "duration": dur, "frames": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


STAGES = ["probe", "subtitles", "decode", "features", "ocr", "text_embed", "score", "select", "fetch"]


def run(mode: str, path: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], capture_output=True, text=True, timeout=3000)
    if r.returncode != 0:
        raise SystemExit(f"{mode} on {path.name} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    from _report import write_result
    from _videos import ensure_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the 10-minute video only")
    args = ap.parse_args()
    names = ["360p_10min"] if args.quick else ["360p_10min", "360p_60min"]
    rows = []
    for name in names:
        path = ensure_video(name)
        fs = run("framesift", path)
        base = run("uniform", path)
        rows.append((name, fs, base))
        print(f"  {name}: framesift {fs['wall']:.1f}s, uniform baseline {base['wall']:.1f}s", file=sys.stderr)
    seen = {k for _, fs, _ in rows for k in fs["timings"]}
    stages = [s for s in STAGES if s in seen] + sorted(seen - set(STAGES))
    lines = [
        "| video | "
        + " | ".join(stages)
        + " | process wall s | x real time | peak RSS MB | uniform-8 baseline wall s | "
        "framesift / baseline |",
        "|---|" + "---|" * (len(stages) + 5),
    ]
    for name, fs, base in rows:
        cells = [f"{fs['timings'].get(s, 0):.2f}" for s in stages]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {fs['wall']:.1f} | {fs['duration'] / fs['wall']:.0f}x | "
            f"{fs['rss_mb']:.0f} | {base['wall']:.1f} | {fs['wall'] / base['wall']:.1f}x |"
        )
    if len(rows) == 2:
        r10, r60 = rows[0][1]["rss_mb"], rows[1][1]["rss_mb"]
        lines.append(f"\nPeak RSS, 60 min / 10 min: {r60:.0f} / {r10:.0f} MB = {r60 / r10:.2f}x for 6x the video.")
    report = "\n".join(lines)
    print(report)
    cmd = "python benchmarks/bench_select.py" + (" --quick" if args.quick else "")
    write_result("bench_select_quick.md" if args.quick else "bench_select.md", "Whole select, cold", cmd, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
