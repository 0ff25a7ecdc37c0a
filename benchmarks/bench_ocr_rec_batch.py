"""OCR reading: rapidocr's recogniser batches (6 lines padded to the widest) vs one line per run.

Reads the frames the OCR pool keeps on the 10-minute benchmark video (pool kept, then read here;
mmap threshold pinned as in a select) through framesift's read engine with rapidocr's default
``rec_batch_num=6`` and with framesift's ``1``, alternating per frame so load changes hit both
alike. Reports ms per frame, frames with identical text, and every line that changed, with
those that differ only in spaces or bullet glyphs counted apart.

    python benchmarks/bench_ocr_rec_batch.py [--frames 44]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _norm(line: str) -> str:
    return re.sub(r"[\s·•●]", "", line)  # spaces and bullet glyphs


def main() -> int:
    from rapidocr_onnxruntime import RapidOCR

    from _ocr_engines import engine_rows, kept_frames, race, texts
    from _report import publish
    from framesift.signals.ocr import _tuned_sessions, get_ocr_engine

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1000)
    args = ap.parse_args()
    frames = kept_frames(args.frames)

    with _tuned_sessions():  # framesift's read engine as it was: same sessions, default batching
        batched = RapidOCR(
            det_limit_side_len=2000, det_limit_type="max", intra_op_num_threads=1, use_cls=False, rec_batch_num=6
        )
    engines = {
        "before: 6 lines a run, padded to the widest": batched,
        "framesift: one line a run": get_ocr_engine("read"),
    }
    load0 = os.getloadavg()[0]
    spent, same = race(engines, frames)
    changed: Counter[tuple[str, str]] = Counter()
    n_lines = [0, 0]
    for f in frames:
        a, b = texts(batched(f)[0]), texts(engines["framesift: one line a run"](f)[0])
        n_lines[0] += len(a)
        n_lines[1] += len(b)
        changed.update((x, y) for x, y in zip(a, b) if x != y)
    not_spacing = sum(n for (x, y), n in changed.items() if _norm(x) != _norm(y))
    lines = [
        f"{len(frames)} frames the OCR pool keeps ({frames[0].shape[1]}x{frames[0].shape[0]}), mmap threshold "
        f"pinned as in a select, load average {load0:.1f} -> {os.getloadavg()[0]:.1f} (2 cores)",
        "",
        *engine_rows(spent, same, len(frames), next(iter(engines)), against="before"),
        "",
        f"lines read: {n_lines[0]} before, {n_lines[1]} now; {sum(changed.values())} changed, "
        f"{not_spacing} of them in more than spaces or bullet glyphs:",
        "",
        *(f"- {n}x `{x}` -> `{y}`" for (x, y), n in changed.most_common()),
    ]
    publish("ocr_rec_batch.md", "OCR reading: recogniser batches vs one line per run", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
