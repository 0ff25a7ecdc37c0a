"""select(..., plan/layout/crops) end to end on a real video: the plan, its pixels, the manifest."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys

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
    with pytest.raises(InputError):
        sel.to_vllm_request(text.question)  # one video per size cannot carry crops: a clear error


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
