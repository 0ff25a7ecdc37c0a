"""The whole cold ``framesift.select`` (OCR on) as a ratio to one decode pass: OpenCV's grab() loop at 1 fps.

On long-GOP H.264 any 1 fps sample decodes every frame, so OpenCV ``grab()`` on every frame
with ``retrieve()`` on one per second is the floor a frame picker can approach. In one run,
alternating, each in a fresh process: the floor, then framesift's cold select (empty index, OCR
``auto``, event scan on), per stage from ``Selection.timings`` plus the process's own start
(interpreter, imports). ``--ocr-spin`` adds a cold select whose OCR sessions spin-wait (rapidocr's
default) to show what the no-spin sessions of framesift.signals.ocr buy under the load of the run.

    python benchmarks/bench_cold_floor.py [--videos 360p_10min,360p_60min] [--ocr-spin]
"""

from __future__ import annotations

import argparse
import json
import os
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
print(json.dumps({"import": t_import, "timings": sel.timings, "frames": sel.indices,
                  "ocr_read": sel.signals["ocr"]["frames_read"], "wall_inside": time.perf_counter() - t0}))
"""

STAGES = ["probe", "subtitles", "decode", "features", "ocr", "text_embed", "index_write", "score", "select", "fetch"]


def _run(code: str, *args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=7200)
    if r.returncode != 0:
        raise SystemExit(r.stderr[-3000:])
    return time.perf_counter() - t0, r.stdout.strip().splitlines()[-1]


def main() -> int:
    from _report import write_result
    from _videos import ensure_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--videos", default="360p_10min")
    ap.add_argument("--ocr-spin", action="store_true")
    args = ap.parse_args()
    rows = []
    for name in args.videos.split(","):
        path = ensure_video(name)
        load0 = os.getloadavg()[0]
        floor_wall, out = _run(_FLOOR, str(path))
        modes = ["nospin", "spin"] if args.ocr_spin else ["nospin"]
        sels = {}
        for mode in modes:
            with tempfile.TemporaryDirectory() as tmp:
                wall, out_s = _run(_SELECT, str(path), str(Path(tmp) / "index"), mode)
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
            "| run | process wall s | " + " | ".join(["start+import", *STAGES]) + " | / OpenCV grab floor |",
            "|---|---|" + "---|" * (len(STAGES) + 2),
            f"| OpenCV grab() all, retrieve() 1 fps | {floor_wall:.1f} | "
            + " | ".join([""] * (len(STAGES) + 1))
            + " | 1.0x |",
        ]
        for mode, (wall, d) in sels.items():
            t = d["timings"]
            label = "framesift select, cold, OCR auto" + (
                " (OCR sessions spin, rapidocr default)" if mode == "spin" else ""
            )
            cells = [f"{d['import']:.1f}"] + [f"{t.get(s, 0):.1f}" for s in STAGES]
            lines.append(f"| {label} | {wall:.1f} | " + " | ".join(cells) + f" | **{wall / floor_wall:.2f}x** |")
        lines.append("")
        lines.append(f"OCR frames read: {next(iter(sels.values()))[1]['ocr_read']}")
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
