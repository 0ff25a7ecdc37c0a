"""Decode once, ask many times: repeated questions on an indexed 60-minute video vs the cold run.

One run, one process for the main figures:

1. cold: ``framesift.select(video, q0, budget=16, cache=store)`` on an empty store, which is what a
   user's first question costs (probe, decode, events, OCR, text embedding, selection) plus
   writing the index entry (reported separately, so the cold figure without it is there too);
2. warm: ``select`` with the same store for ``--queries`` other questions, each new (so only the
   query is embedded), with ``fetch=False`` (the selection itself) and ``fetch=True`` (plus
   decoding the 16 chosen frames at full resolution). Ratio = cold / warm median.

Then, in fresh processes: the same warm question from a new process (imports, MiniLM load, index
load: what a CLI call costs) and the peak RSS of indexing ``--library`` short videos one after
another (memory must stay flat: the peak after the last video against the peak after the first).

The 60-minute video (640x360, 24 fps, sidecar subtitles) is generated with
``framesift.bench.needle_video`` into ``--data`` on first use; videos are never committed.

    python benchmarks/bench_index.py [--data /work/bench-data/i5] [--queries 8] [--library 6]
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
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUESTIONS = [
    "What is the vault code?",
    "What does the speaker say about the budget?",
    "When is the deadline mentioned?",
    "What is written on the slide about results?",
    "Who is the presenter?",
    "What happens at the end?",
    "Which city is mentioned?",
    "What is the main conclusion?",
    "How many people attended?",
    "What is the wifi password?",
]


def ensure_long(data: Path) -> Path:
    from framesift.bench.needle_video import Needle, make_video

    path = data / "long60.mp4"
    if path.with_suffix(".truth.json").exists():  # written last: the encode finished
        return path
    data.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_video(
            path,
            duration=3600.0,
            fps=24,
            width=640,
            height=360,
            gop=250,
            seed=11,
            needles=(
                Needle(
                    "subtitle", 1800.0, 1802.5, "The vault code is nine three seven one.", "What is the vault code?"
                ),
            ),
        )
    return path


_FRESH = r"""
import json, sys, time
t0 = time.perf_counter()
import framesift
t1 = time.perf_counter()
sel = framesift.select(sys.argv[1], sys.argv[2], 16, cache=sys.argv[3], fetch=False)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "select": t2 - t1, "timings": sel.timings}))
"""

_LIBRARY = r"""
import json, resource, sys
import framesift
from framesift.library import index_video
out = []
for p in sys.argv[2:]:
    index_video(p, cache=sys.argv[1], ocr="auto")
    out.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "framesift-bench-index")
    ap.add_argument("--queries", type=int, default=8)
    ap.add_argument("--library", type=int, default=6, help="short videos for the memory check (0: skip)")
    args = ap.parse_args()

    import framesift
    from framesift.index import IndexStore

    video = ensure_long(args.data)
    load = os.getloadavg()[0]
    cache = Path(tempfile.mkdtemp(prefix="fs-bench-index-"))
    store = IndexStore(cache)
    t0 = time.perf_counter()
    cold_sel = framesift.select(video, QUESTIONS[0], 16, cache=store, fetch=False)
    cold = time.perf_counter() - t0
    write = cold_sel.timings.get("index_write", 0.0)
    first_idx = cold_sel.indices

    warm_nofetch, warm_fetch, loads = [], [], []
    for q in QUESTIONS[1 : 1 + args.queries]:
        t0 = time.perf_counter()
        sel = framesift.select(video, q, 16, cache=store, fetch=False)
        warm_nofetch.append(time.perf_counter() - t0)
        loads.append(sel.timings["index_load"])
    for q in QUESTIONS[1 : 1 + args.queries]:
        t0 = time.perf_counter()
        framesift.select(video, q, 16, cache=store, fetch=True)
        warm_fetch.append(time.perf_counter() - t0)
    again = framesift.select(video, QUESTIONS[0], 16, cache=store, fetch=False)
    assert again.indices == first_idx, "warm selection differs from the cold one"

    fresh = json.loads(
        subprocess.run(
            [sys.executable, "-c", _FRESH, str(video), QUESTIONS[2], str(cache)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    med_nf, med_f = statistics.median(warm_nofetch), statistics.median(warm_fetch)
    entry_mb = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 1e6
    lines = [
        f"Video: {video.name}, 60 min 640x360 24 fps, {cold_sel.num_candidates} candidates, "
        f"{cold_sel.signals['subtitle']['lines']} subtitle cues; budget 16; load {load:.2f} at start",
        "",
        "| run | seconds | cold / this |",
        "|---|---|---|",
        f"| cold select (no index yet; includes writing the entry) | {cold:.2f} | 1.0x |",
        f"| of which writing the index entry | {write:.2f} | |",
        f"| warm select, selection only (fetch=False), median of {len(warm_nofetch)} new questions | {med_nf:.3f} | {cold / med_nf:.0f}x |",
        f"| of which loading the entry (median) | {statistics.median(loads):.3f} | |",
        f"| warm select + fetch of the 16 frames at full resolution (median) | {med_f:.3f} | {cold / med_f:.0f}x |",
        f"| new process: import + select on the index (MiniLM load included) | {fresh['import'] + fresh['select']:.2f} | "
        f"{cold / (fresh['import'] + fresh['select']):.0f}x |",
        "",
        f"Target: >= 50x and < 0.5 s for the selection itself -> {cold / med_nf:.0f}x, {med_nf:.3f} s. "
        f"Entry on disk: {entry_mb:.1f} MB. Same frames warm as cold: yes.",
        f"Warm timings of one question: {json.dumps(sel.timings)}",
        f"Fresh-process timings: {json.dumps(fresh['timings'])}",
    ]
    if args.library:
        from framesift.bench.needle_video import make_video

        lib = args.data / "library"
        paths = []
        for k in range(args.library):
            p = lib / f"clip{k:02d}.mp4"
            if not p.with_suffix(".truth.json").exists():
                lib.mkdir(parents=True, exist_ok=True)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    make_video(p, duration=120.0, fps=24, width=640, height=360, gop=250, seed=100 + k)
            paths.append(str(p))
        lib_cache = tempfile.mkdtemp(prefix="fs-bench-lib-")
        rss = json.loads(
            subprocess.run(
                [sys.executable, "-c", _LIBRARY, lib_cache, *paths], capture_output=True, text=True, check=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        lines += [
            "",
            f"Indexing {args.library} two-minute videos in one process, peak RSS (MB) after each: "
            + ", ".join(f"{r:.0f}" for r in rss)
            + f" (last / first video: {rss[-1] / rss[0]:.2f}x)",
        ]
    lines.append(f"load at end: {os.getloadavg()[0]:.2f}")
    report = "\n".join(lines)
    print(report)
    from _report import write_result

    write_result(
        "bench_index.md",
        "Index: repeated questions on an indexed 60-minute video",
        "python benchmarks/bench_index.py " + " ".join(sys.argv[1:]),
        report,
    )


if __name__ == "__main__":
    main()
