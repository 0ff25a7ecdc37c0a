"""Dynamic int8 image embeddings with full-range (8-bit) and reduced-range (7-bit) weights.

ONNX Runtime's int8 MatMul on x86 multiplies u8 activations by s8 weights; without VNNI (AVX2
only) the kernel adds pairs of products in saturating 16-bit lanes, which full-range weights can
overflow. ``framesift export-onnx --int8`` therefore quantises with ``reduce_range`` (7-bit
weights, ``export_onnx(..., reduce_range=True)``). This exports the same random-weight
models both ways, in one run, and prints each one's cosine agreement with torch fp32 on real
frames and its speed, with the CPU's int8 instruction sets (which kernel ran).

Models: the tiny test checkpoints (``framesift.bench.random_models``, what the test suite
exports) and, unless ``--tiny-only``, the published CLIP ViT-B/32 architecture with random
weights. Random weights make the cosine a proxy: trained weights have other value ranges.

    python benchmarks/bench_int8_range.py [--tiny-only] [--images 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_result  # noqa: E402
from bench_embedders import frames  # noqa: E402
from framesift.bench.random_models import save_random_model  # noqa: E402
from framesift.signals.embedders import load_embedder  # noqa: E402
from framesift.signals.embedders.onnx import export_onnx  # noqa: E402


def _cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return ", ".join(f for f in wanted if f in flags) or "none of " + ", ".join(wanted)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny-only", action="store_true", help="only the tiny test models (seconds, not minutes)")
    ap.add_argument("--images", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    images, _ = frames(args.images)  # as the decode pass keeps candidates (bench_embedders)
    models = [("siglip", True), ("siglip2", True), ("clip", True)] + ([] if args.tiny_only else [("clip", False)])
    rows = [
        f"CPU int8 instruction sets: {_cpu_flags()}; {len(images)} frames of bigbuckbunny; speed: median of {args.rounds} rounds, settings alternating",
        "",
        "| model | weights | cosine vs torch fp32 (min) | cosine (mean) | images/s | vs 8-bit |",
        "|---|---|---|---|---|---|",
    ]
    root = Path(tempfile.mkdtemp())
    for arch, tiny in models:
        name = f"{arch} {'tiny (tests)' if tiny else 'B/32 (published size)'}"
        src = save_random_model(arch, root / f"{arch}-{tiny}", tiny=tiny)
        torch_emb = load_embedder(str(src))
        ref = torch_emb.encode_images(images)
        embs = {}
        for reduce in (False, True):
            out = export_onnx(torch_emb, root / f"{arch}-{tiny}-{reduce}", int8=True, reduce_range=reduce)
            embs[reduce] = load_embedder(str(out))
        times: dict[bool, list[float]] = {False: [], True: []}
        cos = {}
        for k in range(args.rounds):
            for reduce in (False, True) if k % 2 == 0 else (True, False):
                t0 = time.perf_counter()
                got = embs[reduce].encode_images(images)
                times[reduce].append(time.perf_counter() - t0)
                cos[reduce] = (got * ref).sum(1)
        speed = {r: len(images) / float(np.median(times[r])) for r in times}
        for reduce in (False, True):
            rows.append(
                f"| {name} | {'7-bit (reduce_range, framesift)' if reduce else '8-bit'} | {cos[reduce].min():.4f} | "
                f"{cos[reduce].mean():.4f} | {speed[reduce]:.1f} | {speed[reduce] / speed[False]:.2f}x |"
            )
    rows += ["", f"Load average {load0:.1f} -> {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."]
    text = "\n".join(rows)
    print(text)
    write_result(
        "int8_range.md",
        "Dynamic int8: 8-bit against 7-bit (reduce_range) weights",
        "python benchmarks/bench_int8_range.py" + (" --tiny-only" if args.tiny_only else ""),
        text,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
