"""The whole cold ``framesift.select`` (OCR on) as a ratio to one decode pass: OpenCV's grab() loop at 1 fps.

On long-GOP H.264 any 1 fps sample decodes every frame, so OpenCV ``grab()`` on every frame
with ``retrieve()`` on one per second is the floor a frame picker can approach. In one run,
alternating, each in a fresh process: the floor, then framesift's cold select (empty index, OCR
``auto``, event scan on), per stage from ``Selection.timings`` plus the process's own start
(interpreter, imports), and each process's peak RSS. ``--baseline SRC`` adds the same cold select
run from another checkout's ``src`` (e.g. main before a change), in the same run, alternating.
``--ocr-spin`` adds a cold select whose OCR sessions spin-wait (rapidocr's
default) to show what the no-spin sessions of framesift.signals.ocr buy under the load of the run.
``--rounds N`` repeats the floor and the selects N times, the selects' order reversed every other
round, and gives the medians.

    python benchmarks/bench_cold_floor.py [--videos 360p_10min,360p_60min] [--baseline /work/main/src] [--ocr-spin] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

_FLOOR = r"""
import sys, time
t0 = time.perf_counter()
import cv2
cap = cv2.VideoCapture(sys.argv[1])
fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
k = kept = 0
nxt = 0.0
while cap.grab():
    if k >= nxt:
        ok, arr = cap.retrieve(); kept += 1; nxt += fps
    k += 1
print(time.perf_counter() - t0, k, kept)
"""

_SELECT = r"""
import json, sys, time
t0 = time.perf_counter()
if sys.argv[3] == "spin":  # rapidocr's own session options (spinning threads), for comparison
    import framesift.signals.ocr as o
    from contextlib import nullcontext
    o._tuned_sessions = nullcontext
import framesift
from framesift import api  # noqa: F401
t_import = time.perf_counter() - t0
sel = framesift.select(sys.argv[1], "What does the slide say about the quarterly results?", budget=8, cache=sys.argv[2])
import resource
print(json.dumps({"import": t_import, "timings": sel.timings, "frames": sel.indices, "times": sel.times,
                  "ocr_read": sel.signals["ocr"]["frames_read"], "wall_inside": time.perf_counter() - t0,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STAGES = ["probe", "subtitles", "decode", "features", "ocr", "text_embed", "index_write", "score", "select", "fetch"]


def _run(code: str, *args: str, src: str | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=7200, env=env)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return time.perf_counter() - t0, r.stdout.strip().splitlines()[-1]


def main() -> int:
    from _report import write_result
    from _videos import ensure_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", default="360p_10min")
    ap.add_argument("--ocr-spin", action="store_true")
    ap.add_argument("--baseline", default=None, help="another checkout's src/ to run the same cold select from")
    ap.add_argument(
        "--rounds", type=int, default=1, help="repeat floor and selects this many times, alternating (a noisy VM)"
    )
    args = ap.parse_args()
    rows = []
    rounds = max(1, args.rounds)
    for k, name in enumerate([v for v in args.videos.split(",") for _ in range(rounds)]):
        path = ensure_video(name)
        load0 = os.getloadavg()[0]
        floor_wall, out = _run(_FLOOR, str(path))
        modes = (["baseline"] if args.baseline else []) + ["nospin"] + (["spin"] if args.ocr_spin else [])
        if (k % rounds) % 2:
            # every other round in the opposite order: a VM that throttles as a round goes on
            # would otherwise always slow down the same code
            modes = modes[::-1]
        sels = {}
        for mode in modes:
            with tempfile.TemporaryDirectory() as tmp:
                src = args.baseline if mode == "baseline" else None
                wall, out_s = _run(_SELECT, str(path), str(Path(tmp) / "index"), mode, src=src)
                sels[mode] = (wall, json.loads(out_s))
        rows.append((name, load0, os.getloadavg()[0], floor_wall, sels))
        print(
            f"{name}: floor {floor_wall:.1f}s, " + ", ".join(f"{m} {w:.1f}s" for m, (w, _) in sels.items()),
            file=sys.stderr,
        )
    lines = []
    for name, l0, l1, floor_wall, sels in rows:
        lines += [
            f"### {name} (load average {l0:.1f} -> {l1:.1f} on 2 cores)",
            "",
            "| run | process wall s | "
            + " | ".join(["start+import", *STAGES])
            + " | peak RSS MB | OCR frames read | / OpenCV grab floor |",
            "|---|---|" + "---|" * (len(STAGES) + 4),
            f"| OpenCV grab() all, retrieve() 1 fps | {floor_wall:.1f} | "
            + " | ".join([""] * (len(STAGES) + 3))
            + " | 1.0x |",
        ]
        for mode, (wall, d) in sels.items():
            t = d["timings"]
            label = (
                "framesift select, cold, OCR auto"
                + {
                    "spin": " (rapidocr's own session options)",
                    "baseline": f" (baseline: {args.baseline})",
                    "nospin": "",
                }[mode]
            )
            cells = [f"{d['import']:.1f}"] + [f"{t.get(s, 0):.1f}" for s in STAGES]
            cells += [f"{d.get('maxrss_mb', 0):.0f}", str(d["ocr_read"])]
            lines.append(f"| {label} | {wall:.1f} | " + " | ".join(cells) + f" | **{wall / floor_wall:.2f}x** |")
        if "baseline" in sels:
            b, n = sels["baseline"][0], sels["nospin"][0]
            same = sels["baseline"][1]["frames"] == sels["nospin"][1]["frames"]
            lines.append("")
            lines.append(f"This checkout against the baseline: **{b / n:.2f}x** faster; same frames selected: {same}")
            if not same:
                for mode, who in (("baseline", "baseline"), ("nospin", "this checkout")):
                    lines.append(f"- {who} picks (s): " + ", ".join(f"{t:.1f}" for t in sels[mode][1]["times"]))
        lines.append("")
    if args.baseline and rounds > 1:
        for name in dict.fromkeys(r[0] for r in rows):
            runs = [r[4] for r in rows if r[0] == name]
            base = [sels["baseline"][0] for sels in runs]
            now = [sels["nospin"][0] for sels in runs]
            lines.append(
                f"{name}, {len(runs)} rounds: baseline median {statistics.median(base):.1f} s, this checkout "
                f"median {statistics.median(now):.1f} s: **{statistics.median(base) / statistics.median(now):.2f}x** "
                f"faster (per round: {', '.join(f'{b / n:.2f}x' for b, n in zip(base, now))})"
            )
            lines.append("")
    report = "\n".join(lines)
    print(report)
    write_result(
        "cold_floor.md",
        "Cold select vs the OpenCV grab() floor",
        "python benchmarks/bench_cold_floor.py " + " ".join(sys.argv[1:]),
        report,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
