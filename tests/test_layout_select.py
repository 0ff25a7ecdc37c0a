"""select(..., plan/layout/crops) end to end on a real video: the plan, its pixels, the manifest."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from framesift import api
from framesift.errors import InputError


@pytest.fixture(scope="module")
def analysis(needle_video):
    return api.analyze(needle_video.path)


def test_slowfast_with_crops_sends_exactly_the_planned_pixels(analysis, needle_video):
    text = next(n for n in needle_video.needles if n.kind == "text")
    sel = api.select_from(
        analysis, text.question, 8, budget_tokens=2000, model_family="qwen2.5-vl", plan="slowfast", crops="auto"
    )
    vp = sel.layout
    assert vp is not None and vp.tokens <= 2000 and sel.tokens.spent == vp.tokens
    crops = [im for im in vp.images if im.kind == "crop"]
    assert crops, "the caption's OCR box should be cropped"
    times = {f.index: f.time for f in sel.frames}
    for c in crops:
        x0, y0, x1, y1 = c.box
        assert 0 <= x0 < x1 <= 640 and 0 <= y0 < y1 <= 360
        assert c.times[0] == pytest.approx(float(analysis.table.time[c.indices[0]]))
        assert c.indices[0] in times
    assert any(text.start <= c.times[0] < text.end for c in crops), "a crop shows the answer caption"
    msgs = sel.to_openai_messages(text.question)
    urls = [p["image_url"]["url"] for p in msgs[0]["content"] if p["type"] == "image_url"]
    assert len(urls) == len(vp.images)
    for url, im in zip(urls, vp.images):
        img = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
        assert img.size == im.size
    gem = sel.to_gemini_contents(text.question)
    assert sum("inline_data" in p for p in gem[0]["parts"]) == len(vp.images)
    m = sel.to_manifest()
    assert m["schema_version"] == "1.4"
    assert m["layout"]["tokens_spent"] == vp.tokens and len(m["layout"]["images"]) == len(vp.images)
    _every_adapter_sends_the_same_pixels_and_times(sel, text.question)


def _decode(url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def _every_adapter_sends_the_same_pixels_and_times(sel, question: str) -> None:
    """OpenAI, Gemini, vLLM and Qwen carry the plan's images: same sizes, same pixels (up to JPEG,
    which all encode at one quality) and the same times; whole frames go as one video in vLLM
    and Qwen (what the plan priced), padded to pairs with the last frame."""
    vp = sel.layout
    rendered = [np.asarray(im.image.convert("RGB")) for im in sel.layout_images]
    msgs = sel.to_openai_messages(question)
    openai = [_decode(p["image_url"]["url"]) for p in msgs[0]["content"] if p["type"] == "image_url"]
    gem = sel.to_gemini_contents(question)
    gemini = [_decode("x," + p["inline_data"]["data"]) for p in gem[0]["parts"] if "inline_data" in p]
    body = sel.to_vllm_request(question)
    vparts = body["messages"][0]["content"]
    vl_images = [_decode(p["image_url"]["url"]) for p in vparts if p["type"] == "image_url"]
    vl_videos = [p["video_url"]["url"].split(",", 1)[1].split(",") for p in vparts if p["type"] == "video_url"]
    qwen = sel.to_format("qwen", question)
    qparts = qwen["messages"][0]["content"]
    q_images = [_decode(p["image"]) for p in qparts if p["type"] == "image"]
    q_videos = [[_decode(u) for u in p["video"]] for p in qparts if p["type"] == "video"]
    frames = [k for k, im in enumerate(vp.images) if im.kind == "frame"]
    others = [k for k, im in enumerate(vp.images) if im.kind != "frame"]
    assert len(openai) == len(gemini) == len(vp.images)
    assert len(vl_images) == len(q_images) == len(others)
    assert len(vl_videos) == len(q_videos) == (1 if frames else 0)
    for k, a in enumerate(openai):
        assert a.shape[:2] == rendered[k].shape[:2] == (vp.images[k].size[1], vp.images[k].size[0])
        assert np.abs(a.astype(int) - rendered[k]).mean() < 4  # JPEG of the rendered pixels
        assert np.array_equal(a, gemini[k])
    for j, k in enumerate(others):
        assert np.array_equal(vl_images[j], openai[k]) and np.array_equal(q_images[j], openai[k])
    if frames:
        vl_frames = [_decode("x," + u) for u in vl_videos[0]]
        assert len(vl_frames) == len(q_videos[0]) == len(frames) + len(frames) % 2
        for j, k in enumerate(frames):
            assert np.array_equal(vl_frames[j], openai[k]) and np.array_equal(q_videos[0][j], openai[k])
        idx = [vp.images[k].indices[0] for k in frames]
        vk = body["media_io_kwargs"]["video"]
        assert vk["frames_indices"][: len(idx)] == idx and vk["fps"] == pytest.approx(sel.video.fps)
        assert qwen["video_metadata"][0]["frames_indices"][: len(idx)] == idx
    # the same times everywhere: the captions of the images (the manifest lists the plan's)
    want = [t for im in vp.images for t in im.times]
    assert [t for e in body["framesift"]["images"] for t in e["times"]] == pytest.approx(want)
    assert [t for e in qwen["framesift"]["images"] for t in e["times"]] == pytest.approx(want)
    caps = lambda parts, key: [p[key] for p in parts if key in p and p.get("type", "text") == "text"]  # noqa: E731
    assert caps(vparts, "text") == caps(qparts, "text")


def test_storyboard_packs_the_picks(analysis):
    sel = api.select_from(analysis, "wifi password", 8, budget_tokens=4000, layout="grid:2x2", fetch=False)
    grids = [im for im in sel.layout.images if im.kind == "grid"]
    assert len(grids) == 2 and sel.layout.tokens <= 4000
    assert sorted(t for g in grids for t in g.times) == sorted(f.time for f in sel.frames)


def test_plan_options_are_checked_once_and_need_tokens(analysis):
    with pytest.raises(InputError) as e:
        api.select_from(analysis, "q", 8, plan="slowfast")
    assert e.value.param == "plan"
    with pytest.raises(InputError) as e:
        api.select_from(analysis, "q", 8, budget_tokens=2000, layout="grid:0x3")
    assert e.value.param == "layout"


def test_cli_bad_layout_is_one_line_exit_2(needle_video):
    env = dict(os.environ, COLUMNS="80", PYTHONWARNINGS="ignore")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "framesift.cli",
            "select",
            str(needle_video.path),
            "-q",
            "x",
            "--budget-tokens",
            "2000",
            "--layout",
            "grid:9",
            "--no-cache",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 2
    assert "--layout" in r.stderr and "Traceback" not in r.stderr
