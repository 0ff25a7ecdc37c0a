"""Write the demo video that ships in ``examples/``: ``demo.mp4``, ``demo.srt``, ``demo.truth.json``.

84 s of 640x360 at 24 fps -- real footage and rendered scenes with distractor text and a filler
transcript -- with three needles: a caption on screen for one second, one subtitle line, and a
three-frame flash. Deterministic: running it again rewrites the same video.

    python scripts/make_demo.py            # writes examples/demo.*
    python scripts/make_demo.py --out DIR  # somewhere else
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from framesift.bench.synth import Needle, make_video

ROOT = Path(__file__).resolve().parents[1]

# Fixed needles (not needle_suite) so the README's example question keeps its answer.
DEMO_NEEDLES = (
    Needle("text", 31.0, 32.0, "Wi-Fi password: tulip-4417", "What is the wifi password?"),
    Needle(
        "subtitle", 52.3, 54.8, "The bridge was finished in 1932, two years late.", "When was the bridge completed?"
    ),
    Needle("flash", 67.5, 67.5 + 3 / 24, "A red circle pops up for a split second", "When does a red circle appear?"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "examples", help="output folder (default: examples/)")
    args = ap.parse_args(argv)
    path = args.out / "demo.mp4"
    t0 = time.perf_counter()
    # veryfast + crf 30: a third of ultrafast's size, so the demo stays small in the repository.
    sv = make_video(
        path,
        duration=84.0,
        fps=24,
        width=640,
        height=360,
        gop=250,
        needles=DEMO_NEEDLES,
        seed=2024,
        crf=30,
        preset="veryfast",
    )
    took = time.perf_counter() - t0
    files = [sv.path, path.with_suffix(".truth.json")] + ([sv.subtitles] if sv.subtitles else [])
    total = sum(f.stat().st_size for f in files)
    print(f"wrote {', '.join(str(f) for f in files)} ({total / 1e6:.2f} MB) in {took:.1f} s")
    print("shots: " + ", ".join(f"{s:.1f}-{e:.1f} {k}" for s, e, k in sv.shots))
    try:  # a path relative to where the script was run from reads better in the suggestions
        shown = path.resolve().relative_to(Path.cwd())
    except ValueError:
        shown = path
    print("needles and suggested queries:")
    for n in sv.needles:
        print(f"  {n.kind:8s} {n.start:6.2f}-{n.end:6.2f} s  {n.content!r}")
        print(f"           framesift select {shown} --query {n.question!r} --budget 6")
    if total >= 5_000_000:
        print("error: the demo is over 5 MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
