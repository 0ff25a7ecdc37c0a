"""``select --budget-tokens N --model-family NAME`` end to end on a real encoded video."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PIL import Image

import framesift
from framesift.budget import TokenBudget, get_family


def _cli(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="80", PYTHONWARNINGS="ignore")
    return subprocess.run(
        [sys.executable, "-m", "framesift.cli", *map(str, args)], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture(scope="module")
def analysis(cfr_video):
    return framesift.analyze(cfr_video.path, ocr=False, fps=8.0)


@pytest.mark.parametrize("strategy", ["qframe", "clips", "codec", "uniform"])
@pytest.mark.parametrize("family", ["qwen2.5-vl", "qwen3-vl", "internvl"])
def test_selection_spends_at_most_the_tokens_and_records_sizes(analysis, strategy, family):
    sel = framesift.select_from(analysis, "", strategy=strategy, budget_tokens=1500, model_family=family, fetch=True)
    m = sel.to_manifest()
    tb = TokenBudget.of(1500, family, (analysis.info.width, analysis.info.height))
    assert m["budget"]["tokens"] == 1500 and m["budget"]["model_family"] == get_family(family).name
    sizes = [tuple(f["resolution"]) for f in m["frames"]]
    assert m["budget"]["tokens_spent"] == get_family(family).count(sizes) <= 1500
    assert m["budget"]["spent"] == len(sizes) > 0
    for f, frame in zip(m["frames"], sel.frames):
        assert tuple(f["resolution"]) == tb.size(f["scale"])
        assert frame.image.size == tuple(f["resolution"])  # fetched at the size the model sees


def test_frame_budget_still_caps_a_token_selection(analysis):
    sel = framesift.select_from(analysis, "", 3, strategy="qframe", budget_tokens=100_000, fetch=False)
    assert len(sel.frames) == 3
    plain = framesift.select_from(analysis, "", 3, fetch=False).to_manifest()
    assert "tokens" not in plain["budget"] and all("scale" not in f for f in plain["frames"])


def test_cli_token_budget_writes_frames_at_their_size(cfr_video, tmp_path):
    out = tmp_path / "picks"
    r = _cli(
        "select",
        cfr_video.path,
        "--budget-tokens",
        "900",
        "--model-family",
        "qwen3-vl",
        "-s",
        "qframe",
        "--ocr",
        "off",
        "--fps",
        "8",
        "--json",
        "--quiet",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert m["budget"]["tokens_spent"] <= 900
    on_disk = json.loads((out / "manifest.json").read_text())
    for f in on_disk["frames"]:
        assert Image.open(out / f["file"]).size == tuple(f["resolution"])


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--budget-tokens", "0"], "--budget-tokens must be at least 1"),
        (["--budget-tokens", "500", "--model-family", "gpt-9"], "unknown model family 'gpt-9'"),
        (["--budget-tokens", "10", "--model-family", "qwen2.5-vl"], "less than one frame costs"),
    ],
)
def test_cli_bad_token_budgets_are_one_line_exit_2(cfr_video, args, needle):
    r = _cli("select", cfr_video.path, "--ocr", "off", *args)
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
