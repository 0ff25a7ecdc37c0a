"""Candidate decoding at 1 fps: framesift against the usual ways of doing it, in one run.

Each contender runs in its own subprocess (so memory and caches do not leak between them) and
returns its wall time, peak RSS and the original frame indices it produced; the contenders run
round-robin (``--rounds``) and the median is reported. Videos: 10 minutes of 720p and 60 minutes
of 360p H.264 (x264 veryfast, B-frames, keyframe every 250 frames; see _videos.py).

Contenders:
* ``framesift events`` - ``extract_candidates(..., events=True)``: the default; 64 px thumbnails
  of the 1 fps frames plus the dense change scan of every frame (momentary events).
* ``framesift grid`` - the same with ``events=False`` (1 fps thumbnails only).
* ``pyav naive`` - decode every frame and convert every frame to RGB, keep the 1 fps ones.
* ``pyav sequential`` - decode every frame, convert only the 1 fps ones (full resolution).
* ``opencv grab/retrieve`` - ``grab()`` every frame, ``retrieve()`` only the 1 fps ones.
* ``decord``, ``torchcodec`` - ``get_batch`` / ``get_frames_at`` for the 1 fps indices, when
  installed (neither is a framesift dependency: torchcodec 0.13 needs system FFmpeg libraries).

Frame indices are checked against framesift's frame table (presentation order from packet pts):
a contender that returns other frames than asked is reported.

    python benchmarks/bench_decode.py [--quick] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CONTENDERS = [
    "framesift events",
    "framesift grid",
    "pyav naive",
    "pyav sequential",
    "opencv grab/retrieve",
    "decord",
    "torchcodec",
]

_CHILD = r"""
import json, resource, sys, time
import numpy as np
name, path = sys.argv[1], sys.argv[2]
from framesift.video import probe
from framesift.video.candidates import grid_targets
info, table = probe(path)
targets = grid_targets(info, table, 1.0)
want = set(int(t) for t in targets)
t0 = time.perf_counter()
got = []
if name.startswith("framesift"):
    from framesift.video.candidates import extract_candidates
    c = extract_candidates(path, info, table, fps=1.0, events=(name == "framesift events"))
    got = [int(i) for i, s in zip(c.index, c.source) if s == "grid" or int(i) in want]
elif name == "pyav naive":
    import av
    with av.open(path) as cont:
        s = cont.streams.video[0]; s.thread_type = "AUTO"
        for k, f in enumerate(cont.decode(s)):
            arr = f.to_ndarray(format="rgb24")
            if k in want: got.append(k)
elif name == "pyav sequential":
    import av
    with av.open(path) as cont:
        s = cont.streams.video[0]; s.thread_type = "AUTO"
        for k, f in enumerate(cont.decode(s)):
            if k in want:
                arr = f.to_ndarray(format="rgb24"); got.append(k)
elif name == "opencv grab/retrieve":
    import cv2
    cap = cv2.VideoCapture(path); k = 0
    while cap.grab():
        if k in want:
            ok, arr = cap.retrieve(); got.append(k)
        k += 1
elif name == "decord":
    import decord
    vr = decord.VideoReader(path, num_threads=0)
    idx = sorted(want)
    for a in range(0, len(idx), 64):
        arr = vr.get_batch(idx[a:a + 64]).asnumpy(); got.extend(idx[a:a + 64])
elif name == "torchcodec":
    from torchcodec.decoders import VideoDecoder
    dec = VideoDecoder(path, num_ffmpeg_threads=0, seek_mode="exact")
    idx = sorted(want)
    for a in range(0, len(idx), 64):
        b = dec.get_frames_at(idx[a:a + 64]); got.extend(idx[a:a + 64])
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "frames": len(got), "wrong": len(set(got) ^ want), "duration": info.duration}))
"""


def available(name: str) -> bool:
    mod = {"decord": "decord", "torchcodec": "torchcodec.decoders", "opencv grab/retrieve": "cv2"}.get(name)
    if mod is None:
        return True
    r = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True)
    return r.returncode == 0


def run_one(name: str, path: Path) -> dict | None:
    r = subprocess.run([sys.executable, "-c", _CHILD, name, str(path)], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        print(
            f"  {name}: failed: {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode}",
            file=sys.stderr,
        )
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> int:
    from _report import write_result
    from _videos import ensure_video

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the 10-minute 360p video only, one round")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    videos = ["360p_10min"] if args.quick else ["720p_10min", "360p_60min"]
    rounds = 1 if args.quick else args.rounds
    names = [n for n in CONTENDERS if available(n)]
    skipped = [n for n in CONTENDERS if n not in names]

    out = []
    for v in videos:
        path = ensure_video(v)
        results: dict[str, list[dict]] = {n: [] for n in names}
        for r in range(rounds):
            for n in names:
                res = run_one(n, path)
                if res:
                    results[n].append(res)
                    print(f"  {v} round {r + 1} {n}: {res['seconds']:.1f}s", file=sys.stderr)
        med = {n: statistics.median(x["seconds"] for x in rs) for n, rs in results.items() if rs}
        alternatives = {n: s for n, s in med.items() if not n.startswith("framesift")}
        fastest_alt = min(alternatives, key=alternatives.get)
        out.append(f"\n### {v} ({path.name})\n")
        out.append(
            "| contender | seconds (median) | x real time | vs fastest alternative | peak RSS MB | frames | wrong frames |"
        )
        out.append("|---|---|---|---|---|---|---|")
        for n, s in sorted(med.items(), key=lambda kv: kv[1]):
            rs = results[n]
            dur = rs[0]["duration"]
            out.append(
                f"| {n} | {s:.1f} | {dur / s:.0f}x | {alternatives[fastest_alt] / s:.2f}x | "
                f"{max(x['rss_mb'] for x in rs):.0f} | {rs[0]['frames']} | {rs[0]['wrong']} |"
            )
        out.append(f"\nFastest alternative: {fastest_alt}. Ratios > 1 are faster than it.")
    if skipped:
        out.append(f"\nNot installed, skipped: {', '.join(skipped)}.")
    report = "\n".join(out)
    print(report)
    cmd = "python benchmarks/bench_decode.py" + (" --quick" if args.quick else f" --rounds {rounds}")
    write_result("bench_decode_quick.md" if args.quick else "bench_decode.md", "Candidate decode at 1 fps", cmd, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
