"""The visual channel end to end: candidate images kept by the decode pass, lazy partial
embeddings, fusion with the other channels, the manifest, and the CLI ``--model``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import framesift
from _colour import ColourEmbedder
from _encode import encode_rgb
from framesift.cli import main
from framesift.signals.embedders import load_embedder
from framesift.signals.visual import VisualEmbeddings
from framesift.video.images import CandidateImages

RED_FROM, RED_TO = 6.0, 7.0


@pytest.fixture(scope="module")
def red_video(tmp_path_factory) -> Path:
    """12 s, 10 fps, 320x180 H.264: grey noise, fully red from 6.0 s to 7.0 s."""
    path = tmp_path_factory.mktemp("visual") / "red.mp4"
    rng = np.random.default_rng(3)

    def frames():
        for i in range(120):
            t = i / 10
            img = np.full((180, 320, 3), 110, np.uint8) + rng.integers(0, 20, (180, 320, 3), dtype=np.uint8)
            if RED_FROM <= t < RED_TO:
                img[:] = (220, 20, 20)
            yield img

    return encode_rgb(path, frames(), fps=10)


def test_candidate_images_are_model_size_and_roundtrip(red_video, tiny_models):
    a = framesift.analyze(red_video, ocr=False, model=str(tiny_models["siglip"]))
    vis = a.visual
    assert isinstance(vis, VisualEmbeddings) and len(vis) == len(a.candidates)
    assert vis.images.frame_index == a.candidates.index.tolist()
    imgs = vis.images.get([0, len(vis) - 1])
    assert min(imgs[0].shape[:2]) >= 32 and min(imgs[0].shape[:2]) <= 34  # shorter side = model image size
    assert abs(imgs[0].shape[1] / imgs[0].shape[0] - 16 / 9) < 0.1  # aspect ratio kept
    data, offsets, index = vis.images.to_buffers()
    back = CandidateImages.from_buffers(data, offsets, index, vis.images.side)
    assert np.array_equal(back.get([3])[0], vis.images.get([3])[0])
    assert back.frame_index == vis.images.frame_index


def test_visual_embeddings_are_lazy_and_partial(red_video, tiny_models):
    emb = load_embedder(str(tiny_models["clip"]))
    a = framesift.analyze(red_video, ocr=False, model=emb)
    vis = a.visual
    assert vis.embedded == 0 and vis.model_id == emb.model_id
    got = vis.ensure([4, 1])
    assert got.shape == (2, emb.dim) and vis.embedded == 2 and vis.mask[[1, 4]].all()
    assert np.isnan(vis.similarity(emb.encode_texts(["a"]))[0]).all()
    assert list(vis.missing([0, 1, 2])) == [0, 2]
    full = vis.ensure()
    assert vis.embedded == len(vis)
    ref = emb.encode_images(vis.images.get(range(len(vis))))
    np.testing.assert_allclose(full, ref, atol=1e-5)
    # rows from elsewhere (the index) can be set without a model
    cold = VisualEmbeddings(
        embedder=None,
        images=vis.images,
        model_id=vis.model_id,
        vectors=np.zeros_like(vis.vectors),
        mask=np.zeros(len(vis), bool),
    )
    cold.set([0, 2], full[[0, 2]])
    with pytest.raises(RuntimeError, match="not embedded"):
        cold.ensure([1])
    assert np.array_equal(cold.ensure([2, 0]), full[[2, 0]])


def test_visual_channel_finds_the_frame_and_reports_it(red_video):
    colour = ColourEmbedder()
    a = framesift.analyze(red_video, ocr=False, model=colour)
    sel = framesift.select_from(a, "When does the screen turn red?", 4, fetch=False)
    rel = [f for f in sel.frames if f.role == "relevance"]
    assert rel and all(RED_FROM <= f.time < RED_TO for f in rel)
    assert "image matches the question" in rel[0].reason
    assert rel[0].scores["visual"] == rel[0].scores["fused"] == 1.0
    vm = sel.signals["visual_model"]
    assert vm["available"] and vm["used"] and vm["model"] == colour.model_id
    assert vm["embedded"] == vm["candidates"] == len(a.candidates)
    assert vm["query"]["groups"]["question"][0] == "the screen turn red"
    # image embeddings are computed once per candidate, not per question
    seen = colour.images_seen
    framesift.select_from(a, "Is anything green?", 4, fetch=False)
    assert colour.images_seen == seen
    manifest = sel.to_manifest()
    assert all("visual" in f["scores"] and "fused" in f["scores"] for f in manifest["frames"])


def test_without_a_model_the_manifest_says_so(red_video):
    sel = framesift.select(red_video, "When does the screen turn red?", 4, ocr=False, fetch=False)
    assert sel.signals["visual_model"]["available"] is False
    assert all("visual" not in f.scores for f in sel.frames)


def test_cli_select_with_model_dirs(red_video, tiny_models, tiny_onnx, capsys):
    for spec in (tiny_models["siglip2"], tiny_onnx("clip")):
        assert (
            main(
                [
                    "select",
                    str(red_video),
                    "-q",
                    "Question: what happens? (A) red (B) blue",
                    "-b",
                    "3",
                    "--ocr",
                    "off",
                    "--model",
                    str(spec),
                    "--json",
                    "--quiet",
                ]
            )
            == 0
        )
        m = json.loads(capsys.readouterr().out)
        vm = m["signals"]["visual_model"]
        assert vm["available"] and vm["used"] is not None and vm["embedded"] == m["num_candidates"]
        assert vm["backend"] == ("onnxruntime" if "onnx" in str(spec) else "transformers")
        assert vm["query"]["options"] == ["red", "blue"]
        assert all("visual_cosine" in f["scores"] for f in m["frames"])
    assert main(["select", str(red_video), "-q", "x", "--model", "./no/such/dir"]) == 2
    assert "no/such/dir" in capsys.readouterr().err
