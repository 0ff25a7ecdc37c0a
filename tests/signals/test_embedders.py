"""Embedders on tiny random SigLIP / SigLIP2 / CLIP checkpoints (real architectures, real loaders).

Reference outputs come from the real ``transformers`` processors and models called the documented
way, so a preprocessing or tokenisation mismatch in framesift fails here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from framesift.cli import main
from framesift.errors import InputError
from framesift.signals.embedders import Embedder, list_models, load_embedder, local_model_id
from framesift.signals.embedders.text import tokenize

ARCHS = ["siglip", "siglip2", "clip"]


def _images(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [(36, 64), (64, 36), (50, 50), (240, 320), (33, 47), (31, 90)]
    imgs = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in shapes]
    # smooth content too: random noise hides resampling differences less than gradients do
    y, x = np.mgrid[0:120, 0:200]
    imgs.append(np.stack([x * 255 // 200, y * 255 // 120, (x + y) % 256], axis=-1).astype(np.uint8))
    return imgs


@pytest.mark.parametrize("arch", ARCHS)
def test_preprocessing_matches_transformers_processor(tiny_models, arch):
    from transformers import AutoImageProcessor

    emb = load_embedder(str(tiny_models[arch]))
    ref = AutoImageProcessor.from_pretrained(tiny_models[arch])(images=_images(), return_tensors="np")["pixel_values"]
    mine = emb.prep(_images())
    assert mine.shape == ref.shape
    np.testing.assert_allclose(mine, ref, atol=1e-5)


def test_preprocessing_modes_differ_as_documented(tiny_models):
    """SigLIP squashes the whole frame; CLIP crops the centre: a left-edge-only mark survives only in SigLIP."""
    img = np.zeros((64, 128, 3), np.uint8)
    img[:, :16] = 255
    sig = load_embedder(str(tiny_models["siglip"])).prep.pixels(img)
    clip = load_embedder(str(tiny_models["clip"])).prep.pixels(img)
    assert sig.shape == clip.shape == (32, 32, 3)
    assert sig[:, 0].mean() > 200 and clip[:, 0].mean() < 10


@pytest.mark.parametrize("arch", ARCHS)
def test_embeddings_match_transformers_model(tiny_models, arch):
    from transformers import AutoModel, AutoProcessor

    path = tiny_models[arch]
    emb = load_embedder(str(path))
    assert isinstance(emb, Embedder)
    model = AutoModel.from_pretrained(path).eval()
    proc = AutoProcessor.from_pretrained(path)
    texts = ["a photo of a cat", "When is the goal scored?"]
    if arch == "clip":
        enc = proc.tokenizer(texts, padding=True, return_tensors="pt")
    else:  # SigLIP: pad to the full context, no attention mask (transformers' documented usage)
        enc = proc.tokenizer(texts, padding="max_length", max_length=64, return_tensors="pt")
        enc.pop("attention_mask", None)
    pix = proc.image_processor(images=_images(), return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        t_ref = model.get_text_features(**enc).pooler_output.numpy()
        i_ref = model.get_image_features(pixel_values=pix).pooler_output.numpy()
    t_ref /= np.linalg.norm(t_ref, axis=1, keepdims=True)
    i_ref /= np.linalg.norm(i_ref, axis=1, keepdims=True)
    t, i = emb.encode_texts(texts), emb.encode_images(_images())
    assert t.shape == (2, emb.dim) and i.shape == (len(_images()), emb.dim)
    np.testing.assert_allclose(t, t_ref, atol=1e-5)
    np.testing.assert_allclose(i, i_ref, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(i, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("arch", ARCHS)
def test_onnx_fp32_agrees_with_torch(tiny_models, tiny_onnx, arch):
    torch_emb = load_embedder(str(tiny_models[arch]))
    onnx_emb = load_embedder(str(tiny_onnx(arch)))
    assert onnx_emb.backend == "onnxruntime" and onnx_emb.model_id.endswith("|onnx-fp32")
    assert onnx_emb.model_id.split("|")[0] == torch_emb.model_id.split("|")[0]
    long = " ".join(["the red car turns left at the crossing"] * 12)
    texts = ["a dog running on grass", long]
    cos_t = (onnx_emb.encode_texts(texts) * torch_emb.encode_texts(texts)).sum(1)
    cos_i = (onnx_emb.encode_images(_images()) * torch_emb.encode_images(_images())).sum(1)
    assert cos_t.min() > 0.9999 and cos_i.min() > 0.9999


def test_onnx_int8_runs_and_stays_close(tiny_models, tiny_onnx):
    torch_emb = load_embedder(str(tiny_models["siglip"]))
    q = load_embedder(str(tiny_onnx("siglip", int8=True)))
    assert q.model_id.endswith("|onnx-int8") and q.model_id != torch_emb.model_id
    cos = (q.encode_images(_images()) * torch_emb.encode_images(_images())).sum(1)
    # Tiny random models quantise worse than trained B/16 ones (BENCHMARKS.md has those figures).
    assert cos.min() > 0.9


@pytest.mark.parametrize("arch", ["siglip", "clip"])
def test_long_text_is_chunked_not_truncated(tiny_models, arch):
    emb = load_embedder(str(tiny_models[arch]))
    head = "a photo of a cat sitting on a sofa"
    tail = "and then a dog running on green grass near the red car"
    long = " ".join([head] * 8 + [tail])
    batch = tokenize(emb.tokenizer, [long], emb.text_spec)
    assert len(batch.owner) >= 2, "the text should not fit one context"
    # the pooled embedding depends on the tail, which truncation would drop
    other = " ".join([head] * 8 + ["and a man writes on a whiteboard in a stadium"])
    a, b = emb.encode_texts([long, other])
    assert float(a @ b) < 0.99999
    # and it is the renormalised mean of the chunk embeddings, each chunk a run of whole words
    from framesift.signals.embedders.text import _chunks

    parts = _chunks(emb.tokenizer, long, emb.text_spec.context)
    assert len(parts) == len(batch.owner) and " ".join(parts) == long
    each = emb.encode_texts(parts)
    mean = each.mean(0)
    np.testing.assert_allclose(a, mean / np.linalg.norm(mean), atol=1e-5)


def test_local_model_id_follows_the_weights(tiny_models, tmp_path):
    import shutil

    copy = tmp_path / "tiny-siglip"
    shutil.copytree(tiny_models["siglip"], copy)
    assert local_model_id(copy) == local_model_id(tiny_models["siglip"])
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert local_model_id(copy) != local_model_id(tiny_models["siglip"])


def test_naflex_and_foreign_models_are_refused(tmp_path):
    d = tmp_path / "naflex"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"model_type": "siglip2"}))
    with pytest.raises(InputError, match="NaFlex"):
        load_embedder(str(d))
    e = tmp_path / "bert"
    e.mkdir()
    (e / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(InputError, match="not a supported dual encoder"):
        load_embedder(str(e))
    with pytest.raises(InputError, match="neither"):
        load_embedder(str(tmp_path))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_uncached_hub_id_offline_is_one_clear_line(tmp_path):
    """A hub id that is not cached, with the hub unreachable (a closed loopback port as endpoint)."""
    env = dict(
        os.environ,
        HF_HOME=str(tmp_path / "hf"),
        HF_ENDPOINT=f"http://127.0.0.1:{_closed_port()}",
        PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"),
    )
    env.pop("HF_HUB_OFFLINE", None)
    run = "import sys; from framesift.cli import main; sys.exit(main(sys.argv[1:]))"
    r = subprocess.run([sys.executable, "-c", run, "models", "--json"], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and not any(m["local"] for m in json.loads(r.stdout)["models"])
    r = subprocess.run(
        [sys.executable, "-c", run, "export-onnx", "google/siglip-base-patch16-224", "--out", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--model DIR" in lines[0] and "google/siglip-base-patch16-224" in lines[0]
    assert "Traceback" not in r.stderr and not (tmp_path / "out").exists()


def test_cli_models_and_export(tiny_models, tmp_path, capsys):
    out = tmp_path / "exp"
    assert main(["export-onnx", str(tiny_models["clip"]), "--out", str(out)]) == 0
    assert (out / "framesift-onnx.json").is_file() and not list(tmp_path.glob(".exp.*"))
    assert main(["export-onnx", str(tiny_models["clip"]), "--out", str(out)]) == 2  # not empty
    capsys.readouterr()
    assert main(["models", str(tmp_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    mine = [m for m in listed if m["path"] == str(out)]
    assert mine and mine[0]["backend"] == "onnxruntime" and mine[0]["local"]
    assert any(m["spec"] == "google/siglip2-base-patch16-224" for m in listed)
    entries = list_models([tiny_models["siglip"].parent])
    assert {str(tiny_models[a]) for a in ARCHS} <= {e.path for e in entries}


@pytest.mark.consumers  # open_clip needs torchvision: CI's second environment
def test_open_clip_backend():
    from framesift.signals.embedders.openclip import OpenClipEmbedder

    emb = OpenClipEmbedder("open_clip:ViT-B-32")  # architecture only, random weights (no download)
    v = emb.encode_images(_images()[:2])
    assert v.shape == (2, emb.dim)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    t = emb.encode_texts(["a red square", "a blue circle"])
    assert t.shape == (2, emb.dim)


def test_open_clip_spec_without_open_clip_is_input_error():
    try:
        import open_clip  # noqa: F401

        pytest.skip("open_clip imports here")
    except Exception:  # noqa: BLE001
        pass
    with pytest.raises(InputError, match="open_clip"):
        load_embedder("open_clip:ViT-B-32/laion2b_s34b_b79k")
