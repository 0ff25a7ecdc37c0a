"""OCR reading: the detector at the frame's own size vs a smaller detector input.

A read is detection, then recognition of each line cut from the *full-size* frame. rapidocr
resizes only the detector's input (``det_limit_side_len``) and maps the boxes back, so a smaller
detector pass costs fewer pixels (the DB net is linear in them) while the recogniser still sees
full-resolution crops; what can change is the boxes' precision, hence the crops and the text.

Reads the frames the OCR pool keeps on the 10-minute benchmark video with framesift's read engine
(detector at the frame's own size) and with the detector limited to each ``--sides`` value,
alternating per frame so load changes hit all alike. Reports ms per frame, frames with identical
text, lines gained or lost, and every changed line, digits apart (a clock or a figure misread is
what a needle question would miss).

    python benchmarks/bench_ocr_read_det.py [--sides 512,480] [--frames 44]
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


def _digits(line: str) -> str:
    return re.sub(r"\D", "", line)


def main() -> int:
    from rapidocr_onnxruntime import RapidOCR
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    from _ocr_engines import engine_rows, kept_frames, race, texts
    from _report import publish
    from framesift.signals.ocr import _tuned_sessions, get_ocr_engine

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sides", default="512,480", help="detector input sizes (longer side, px) to compare")
    ap.add_argument("--frames", type=int, default=1000)
    args = ap.parse_args()
    frames = kept_frames(args.frames)
    base = "framesift: detector at the frame's size"
    engines = {base: get_ocr_engine("read")}
    for side in (int(s) for s in args.sides.split(",")):
        with _tuned_sessions():
            eng = RapidOCR(det_limit_type="max", intra_op_num_threads=1, use_cls=False, rec_batch_num=1)
        det = eng.text_det
        # rapidocr's "max" mode picks the detector size from the image (960 px and up, never
        # smaller); pin it to ``side`` instead
        det.get_preprocess = lambda _wh, s=side, d=det: DetPreProcess(s, "max", d.mean, d.std)
        engines[f"detector at {side} px"] = eng
    load0 = os.getloadavg()[0]
    spent, same = race(engines, frames)
    ref = [texts(engines[base](f)[0]) for f in frames]
    rows = [
        f"{len(frames)} frames the OCR pool keeps ({frames[0].shape[1]}x{frames[0].shape[0]}), engines alternating per frame",
        "",
        *engine_rows(spent, same, len(frames), base, against="the frame's size"),
        "",
    ]
    for name, eng in engines.items():
        if name == base:
            continue
        got = [texts(eng(f)[0]) for f in frames]
        lost: Counter[str] = Counter()
        gained: Counter[str] = Counter()
        for a, b in zip(ref, got):
            lost.update((Counter(a) - Counter(b)).elements())
            gained.update((Counter(b) - Counter(a)).elements())
        digit_changes = sum(1 for x in lost if _digits(x) and _digits(x) not in {_digits(y) for y in gained})
        rows += [
            f"**{name}**: lines {sum(map(len, ref))} -> {sum(map(len, got))}; {sum(lost.values())} lines of the "
            f"full-size read not read the same, {sum(gained.values())} new; lines with digits read differently: {digit_changes}",
            "",
            "| full-size read | this read |",
            "|---|---|",
        ]
        for a, b in zip(ref, got):
            if a != b:
                rows.append(
                    f"| {' / '.join(x for x in a if x not in b) or '-'} | {' / '.join(y for y in b if y not in a) or '-'} |"
                )
        rows.append("")
    rows.append(f"Load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    publish("ocr_read_det.md", "OCR reading: the detector at the frame's size vs smaller", "\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
