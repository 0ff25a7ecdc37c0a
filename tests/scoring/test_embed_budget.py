"""``select(..., embed_budget=...)``: the visual channel scored coarse-to-fine end to end (issue 7).

Real video (encoded here), real decoder, real models (tiny random CLIP of the real architecture,
through the same loader users get with ``--model DIR``). :class:`Counting` wraps the real
embedder only to count the images it is given, so the manifest's accounting can be checked
against what the model actually did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import framesift
from _colour import ColourEmbedder
from _encode import encode_rgb
from framesift.cli import main
from framesift.errors import InputError
from framesift.scoring.embed_budget import auto_embed_budget, question_budget
from framesift.scoring.query import plan_query
from framesift.scoring.visual_relevance import visual_channel_budgeted
from framesift.signals.embedders import load_embedder

# 60 s, 5 fps: six 10 s shots of distinct colours (with noise, so frames within a shot differ).
SHOTS = [(110, 110, 110), (30, 40, 200), (220, 20, 20), (20, 200, 40), (120, 120, 120), (210, 200, 30)]
RED_SHOT = (20.0, 30.0)
QUESTION = "When is the screen red?"


@pytest.fixture(scope="module")
def shots_video(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("embed_budget") / "shots.mp4"
    rng = np.random.default_rng(5)

    def frames():
        for i in range(300):
            base = np.array(SHOTS[i // 50], np.int16)
            yield np.clip(base + rng.integers(-25, 25, (96, 160, 3)), 0, 255).astype(np.uint8)

    return encode_rgb(path, frames(), fps=5)


class Counting:
    """A real embedder, counting the images it embeds (the manifest must agree with this count)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.model_id, self.dim, self.image_size = inner.model_id, inner.dim, inner.image_size
        self.images = 0

    def encode_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        self.images += len(images)
        return self.inner.encode_images(images)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_texts(texts)


@pytest.fixture
def clip(tiny_models) -> Counting:
    return Counting(load_embedder(str(tiny_models["clip"])))


def _position(a: framesift.Analysis, frame_index: int) -> int:
    return int(np.flatnonzero(a.candidates.index == frame_index)[0])


def test_budget_caps_new_embeddings_and_the_manifest_tells_the_truth(shots_video, clip):
    a = framesift.analyze(shots_video, ocr=False, model=clip)
    n = len(a.candidates)
    assert n > 40  # the budget below must be well short of dense
    sel = framesift.select_from(a, QUESTION, 6, embed_budget=10, fetch=False)
    e = sel.signals["visual_model"]["embedding"]
    assert clip.images == e["frames_embedded"] <= 10
    assert e["frames_embedded"] >= 6  # the first pass looked at every part of the video
    assert e["method"] == "coarse-to-fine" and e["embed_budget"] == 10
    assert e["frames_reused_from_cache"] == 0 and e["candidates"] == n
    assert a.visual is not None and a.visual.embedded == e["frames_embedded"]
    assert e["frames_estimated"] == n - e["frames_embedded"]
    # the rows kept in the analysis are the model's embeddings of those candidates' images
    pos = np.flatnonzero(a.visual.mask)
    direct = clip.inner.encode_images(a.visual.images.get(pos))
    assert np.allclose(a.visual.vectors[pos], direct, atol=1e-5)
    # every frame says whether its visual score was embedded or estimated, as a JSON boolean
    manifest = json.loads(json.dumps(sel.to_manifest()))
    assert manifest["signals"]["visual_model"]["embedding"]["frames_embedded"] == e["frames_embedded"]
    for f, mf in zip(sel.frames, manifest["frames"]):
        embedded = bool(a.visual.mask[_position(a, f.index)])
        assert mf["scores"]["visual_estimated"] is (not embedded)
        assert ("visual_cosine" in mf["scores"]) is embedded


def test_a_second_question_reuses_rows_and_costs_less(shots_video, clip):
    a = framesift.analyze(shots_video, ocr=False, model=clip)
    first = framesift.select_from(a, QUESTION, 6, embed_budget=12, fetch=False).signals["visual_model"]["embedding"]
    kept = a.visual.embedded
    assert kept == first["frames_embedded"] == clip.images and kept > 3
    again = framesift.select_from(a, QUESTION, 6, embed_budget=12, fetch=False).signals["visual_model"]["embedding"]
    assert again["frames_reused_from_cache"] == kept
    # cached rows stand in for the first pass (80% of the budget): at most 12 - 9 new ones
    assert clip.images - kept == again["frames_embedded"] <= 3
    assert a.visual.embedded == kept + again["frames_embedded"]
    other = framesift.select_from(a, "a man walks a dog", 6, embed_budget=12, fetch=False)
    e = other.signals["visual_model"]["embedding"]
    assert e["frames_reused_from_cache"] == kept + again["frames_embedded"] and e["frames_embedded"] <= 3
    assert clip.images == a.visual.embedded  # nothing embedded twice, nothing outside analysis.visual


def test_all_is_dense(shots_video, clip):
    sel = framesift.select(shots_video, QUESTION, 6, model=clip, embed_budget="all", ocr=False, fetch=False)
    e = sel.signals["visual_model"]["embedding"]
    assert clip.images == e["frames_embedded"] == sel.num_candidates
    assert e["method"] == "dense" and e["frames_estimated"] == 0
    assert all(f.scores["visual_estimated"] is False and "visual_cosine" in f.scores for f in sel.frames)


def test_estimates_count_but_an_embedded_frame_wins(shots_video):
    colour = ColourEmbedder()
    a = framesift.analyze(shots_video, ocr=False, model=colour)
    vs, e = visual_channel_budgeted(
        a.visual,
        plan_query(QUESTION),
        colour,
        a.candidates.time,
        a.features,
        duration_s=a.info.duration,
        embed_budget=8,
        events=a.candidates.change,
        transient=a.candidates.transient,
    )
    assert colour.images_seen == e["frames_embedded"] <= 8
    t = a.candidates.time
    red = (t >= RED_SHOT[0]) & (t < RED_SHOT[1])
    best = int(np.argmax(vs.score))
    assert red[best] and not vs.estimated[best] and vs.score[best] > 0
    # the red shot's other frames were not embedded, yet they score (estimated from the shot's
    # representative): below the embedded one, above every frame of the other shots
    est_red = red & vs.estimated
    assert est_red.sum() >= 5
    assert np.all(vs.score[est_red] < vs.score[best]) and vs.score[est_red].min() > vs.score[~red].max()
    assert np.isnan(vs.cosine[vs.estimated]).all() and (vs.which[vs.estimated] == -1).all()
    # through select: the top pick is the embedded red frame; an estimated one says so in its reason
    sel = framesift.select_from(a, QUESTION, 3, strategy="topk", embed_budget=8, fetch=False)
    top = max(sel.frames, key=lambda f: f.scores["visual"])
    assert RED_SHOT[0] <= top.time < RED_SHOT[1] and top.scores["visual_estimated"] is False
    estimated = [f for f in sel.frames if f.scores["visual_estimated"]]
    assert estimated and "estimated from embedded frames" in estimated[0].reason


def test_bad_embed_budget_is_one_line_and_exit_2(shots_video, tiny_models, capsys):
    for bad in ("lots", "-3", "1.5"):
        assert (
            main(
                [
                    "select",
                    str(shots_video),
                    "-q",
                    "x",
                    "--model",
                    str(tiny_models["clip"]),
                    "--embed-budget",
                    bad,
                    "--quiet",
                ]
            )
            == 2
        )
        err = capsys.readouterr().err.strip()
        assert "--embed-budget" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    with pytest.raises(InputError, match="embed_budget"):  # the library names the Python parameter
        framesift.select(shots_video, "x", 4, model=str(tiny_models["clip"]), embed_budget="many", ocr=False)


def test_cli_embed_budget_reaches_the_manifest(shots_video, tiny_onnx, capsys):
    assert (
        main(
            [
                "select",
                str(shots_video),
                "-q",
                QUESTION,
                "-b",
                "4",
                "--ocr",
                "off",
                "--quiet",
                "--json",
                "--model",
                str(tiny_onnx("clip", True)),
                "--embed-budget",
                "7",
            ]
        )
        == 0
    )
    m = json.loads(capsys.readouterr().out)
    e = m["signals"]["visual_model"]["embedding"]
    assert e["embed_budget"] == 7 and 0 < e["frames_embedded"] <= 7
    assert e["frames_embedded"] + e["frames_estimated"] == m["num_candidates"]
    assert sum(not f["scores"]["visual_estimated"] for f in m["frames"]) <= e["frames_embedded"]


def test_auto_budget_has_a_span_floor():
    # the loaded-machine case of BENCHMARKS.md: 5.9 img/s gave 106 embeddings for an hour
    assert auto_embed_budget(6126, 3600.0, 5.9) == 106
    assert auto_embed_budget(6126, 3600.0, 5.9, spans=764) == 360  # one per span, capped at one per 10 s
    assert auto_embed_budget(6126, 3600.0, 5.9, spans=200) == 250  # spans / first-pass share (0.8)
    assert auto_embed_budget(6126, 3600.0, 40.0, spans=200) == 720  # a fast model keeps its time budget
    assert auto_embed_budget(100, 100.0, 20.0, spans=20) == 32  # short video: the minimum
    assert auto_embed_budget(20, 20.0, 1.0, spans=20) == 20  # never more than the candidates


def test_question_budget_credits_cached_rows_up_to_the_first_pass():
    assert question_budget(100, 0) == 100
    assert question_budget(100, 30) == 70
    assert question_budget(100, 500) == 20  # never below the refinement share
    assert question_budget(0, 10) == 0


def test_budget_zero_embeds_nothing_and_selects_anyway(shots_video, clip):
    sel = framesift.select(shots_video, QUESTION, 4, model=clip, embed_budget=0, ocr=False, fetch=False)
    e = sel.signals["visual_model"]["embedding"]
    assert clip.images == e["frames_embedded"] == 0 and len(sel.frames) == 4
    assert sel.signals["visual_model"]["used"] is False
