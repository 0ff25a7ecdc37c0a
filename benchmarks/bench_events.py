"""Momentary events: the decoded change scan against a compressed-domain detector, one run.

The issue behind this: a caption on screen for a second or a flash of a few frames falls between
1 fps samples. Two cheap ways to notice them:

* **packets** (compressed domain): a frame that differs from its reference costs more bits, so
  a packet much larger than its neighbours marks a change. Packet sizes come free with the
  probe's demux pass. Detector: robust z-score of each packet's size against the median and MAD
  of the surrounding 2 s (same frame type only, keyframes excluded), z >= ``--z``.
* **decoded scan** (framesift's choice): block-wise luma+chroma differences of consecutive
  decoded frames against the shot's own level of motion (``extract_candidates(events=True)``).

Ground truth: the planted momentary needles of the needle videos (``bench-data/needles``, built
by ``bench_needles.py``): on-screen captions (~1 s) and flashes (2-4 frames). An event is found
when a detection falls inside its span. Also reported: detections per minute (cuts and motion
trigger both detectors; fewer detections means a shorter list for the selector) and cost.

    python benchmarks/bench_events.py [--minutes 10,20,30]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from framesift.video import probe
from framesift.video.candidates import extract_candidates

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from _report import write_result  # noqa: E402

DATA = ROOT / "bench-data" / "needles"


def packet_events(table, fps: float, z: float) -> np.ndarray:
    """Indices of frames whose packet is an outlier in size (see module docstring)."""
    size = table.size.astype(np.float64)
    n = len(size)
    half = max(3, int(fps))
    out = []
    for i in range(n):
        if table.keyframe[i]:
            continue
        lo, hi = max(0, i - half), min(n, i + half + 1)
        window = size[lo:hi][~table.keyframe[lo:hi]]
        med = np.median(window)
        mad = np.median(np.abs(window - med)) * 1.4826 + 1.0
        if (size[i] - med) / mad >= z:
            out.append(i)
    return np.asarray(out, dtype=np.int64)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", default="10,20,30")
    ap.add_argument("--z", type=float, default=6.0, help="packet-size outlier threshold (robust z)")
    args = ap.parse_args()
    stats = {m: {"found": 0, "det": 0, "sec": 0.0} for m in ("packets", "decoded scan")}
    by_kind: dict[tuple[str, str], list[bool]] = {}
    total_min = 0.0
    base_decode = 0.0
    for minutes in args.minutes.split(","):
        path = DATA / f"needles_{minutes}min_seed0.mp4"
        if not path.exists():
            print(f"{path} missing: run benchmarks/bench_needles.py first", file=sys.stderr)
            return 2
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        events = [nd for nd in truth["needles"] if nd["kind"] in ("text", "flash")]
        t0 = time.perf_counter()
        info, table = probe(path)
        t_probe = time.perf_counter() - t0
        t0 = time.perf_counter()
        pk = packet_events(table, info.fps, args.z)
        t_packets = t_probe + time.perf_counter() - t0
        t0 = time.perf_counter()
        extract_candidates(path, info, table, events=False)
        t_grid = time.perf_counter() - t0
        t0 = time.perf_counter()
        c = extract_candidates(path, info, table, events=True)
        t_scan = time.perf_counter() - t0
        scan = c.index[c.change > 0]
        total_min += info.duration / 60.0
        base_decode += t_grid
        for name, det_idx, cost in (("packets", pk, t_packets), ("decoded scan", scan, t_scan - t_grid)):
            det_t = table.time[det_idx]
            stats[name]["det"] += len(det_idx)
            stats[name]["sec"] += cost
            for nd in events:
                hit = bool(((det_t >= nd["start"]) & (det_t < nd["end"])).any())
                stats[name]["found"] += hit
                by_kind.setdefault((name, nd["kind"]), []).append(hit)
        print(f"  {path.name}: packets {len(pk)}, scan {len(scan)} detections", file=sys.stderr)

    lines = [
        "| detector | captions found | flashes found | detections / minute | extra cost s (all videos) | cost vs 1 fps decode |",
        "|---|---|---|---|---|---|",
    ]
    for name, st in stats.items():
        cap = by_kind.get((name, "text"), [])
        fl = by_kind.get((name, "flash"), [])
        lines.append(
            f"| {name} | {sum(cap)}/{len(cap)} | {sum(fl)}/{len(fl)} | {st['det'] / total_min:.1f} | "
            f"{st['sec']:.1f} | {st['sec'] / base_decode:.2f}x |"
        )
    lines.append(
        f"\n1 fps candidate decode of the same videos (the baseline both add to): {base_decode:.1f} s "
        f"for {total_min:.0f} minutes of video."
    )
    report = "\n".join(lines)
    print(report)
    write_result(
        "bench_events.md",
        "Momentary events: packets vs decoded scan",
        f"python benchmarks/bench_events.py --minutes {args.minutes} --z {args.z:g}",
        report,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
