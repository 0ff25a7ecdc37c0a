"""The HTML report, opened in real headless Chromium: made in Python, by ``select --report`` and by
``framesift report MANIFEST`` (the service's report is checked in tests/serve/test_app.py)."""

from __future__ import annotations

import json
import re

import pytest

from _browser import check_report_page, chromium_page
from conftest import NEEDLE_VIDEO_NEEDLES
from framesift.cli import main

pytestmark = pytest.mark.slow

TEXT_NEEDLE = NEEDLE_VIDEO_NEEDLES[0]  # "Wi-Fi password: tulip-4417" on screen for 1 s
FLASH = NEEDLE_VIDEO_NEEDLES[2]


@pytest.fixture(scope="module")
def selection(needle_video):
    import framesift

    return framesift.select(needle_video.path, TEXT_NEEDLE.question, 6, cache=True)


def test_manifest_keeps_its_keys_and_adds_the_curves(selection):
    m = selection.to_manifest()
    for key in ("schema_version", "video", "query", "strategy", "budget", "frames", "signals", "timings", "notes"):
        assert key in m
    r = m["report"]
    n = selection.num_candidates
    assert len(r["candidates"]["time"]) == len(r["candidates"]["source"]) == n
    assert set(r["channels"]) >= {"subtitle", "ocr", "fused"}
    assert all(len(v) == n for v in r["channels"].values())
    # fused is the channel maximum, as in select_from
    assert r["channels"]["fused"] == [max(a, b) for a, b in zip(r["channels"]["subtitle"], r["channels"]["ocr"])]
    assert r["spans"] and r["spans"][0][0] == r["candidates"]["time"][0]
    assert any(e["transient"] for e in r["events"])  # the 3-frame white flash
    # the words of the pick on the on-screen answer include what OCR read there
    hit = [w for w in r["words"] if TEXT_NEEDLE.start <= w["time"] <= TEXT_NEEDLE.end]
    assert hit and any("tulip-4417" in o["text"] for o in hit[0]["ocr"])
    json.dumps(m, allow_nan=False)


def test_report_from_python_in_chromium(selection, tmp_path):
    from framesift.export.report import write_report

    m = selection.to_manifest()
    out = write_report(tmp_path / "report.html", m, [f.image for f in selection.frames])
    page_text = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?https?:""", page_text)  # nothing to fetch
    with chromium_page() as (page, problems, requests):
        page.goto(out.as_uri())
        check_report_page(page, problems, m, "report-python.png")
        assert requests == [out.as_uri()], requests  # no fetch besides the page itself
        # the pick on the one-second caption shows the words read on it
        k = next(i for i, f in enumerate(m["frames"]) if TEXT_NEEDLE.start <= f["time"] <= TEXT_NEEDLE.end)
        page.locator(f"#pick-{k}").click()
        assert "tulip-4417" in page.locator("#detail-text").inner_text()


def test_report_with_a_visual_model(needle_video, tiny_models, tmp_path):
    """With a (tiny, randomly initialised CLIP) model the visual curve and the embedded frames show."""
    import framesift
    from framesift.export.report import write_report

    sel = framesift.select(
        needle_video.path, FLASH.question, 4, model=str(tiny_models["clip"]), embed_budget=12, cache=True
    )
    m = sel.to_manifest()
    assert "visual" in m["report"]["channels"] and len(m["report"]["visual_embedded"]) >= 1
    out = write_report(tmp_path / "v.html", m, [f.image for f in sel.frames])
    with chromium_page() as (page, problems, _):
        page.goto(out.as_uri())
        check_report_page(page, problems, m, "report-visual.png")


def test_report_escapes_user_text(needle_video, tmp_path):
    """A query with markup is shown as text: no element is created from it, the script still runs."""
    import framesift
    from framesift.export.report import write_report

    q = "</script><img src=x onerror=\"document.title='pwned'\"> wifi password?"
    sel = framesift.select(needle_video.path, q, 3, cache=True)
    out = write_report(tmp_path / "r.html", sel.to_manifest(), [f.image for f in sel.frames])
    with chromium_page() as (page, problems, _):
        page.goto(out.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        assert problems == []
        assert page.title() != "pwned"
        assert q in page.locator("#head").inner_text()


def test_select_report_flag_and_report_command(needle_video, tmp_path):
    """``select --report`` and ``framesift report`` (from the --out folder, and from a --json manifest
    whose frames are decoded from the video) write pages that render the same picks."""
    page1 = tmp_path / "sel.html"
    out = tmp_path / "picks"
    rc = main(
        [
            "select",
            str(needle_video.path),
            "-q",
            TEXT_NEEDLE.question,
            "-b",
            "5",
            "--out",
            str(out),
            "--report",
            str(page1),
            "--quiet",
        ]
    )
    assert rc == 0 and page1.is_file()
    m = json.loads((out / "manifest.json").read_text())
    assert m["schema_version"] == "1.4" and "report" in m
    assert main(["report", str(out), "--quiet"]) == 0
    page2 = out / "report.html"
    # a manifest alone (no frame files): the frames are decoded from the video it names
    bare = {k: v for k, v in m.items()}
    bare["frames"] = [{k: v for k, v in f.items() if k != "file"} for f in m["frames"]]
    (tmp_path / "bare.json").write_text(json.dumps(bare))
    page3 = tmp_path / "bare.html"
    assert main(["report", str(tmp_path / "bare.json"), "-o", str(page3), "--quiet"]) == 0
    with chromium_page() as (page, problems, _):
        for name, p in (
            ("report-cli-select.png", page1),
            ("report-cli-report.png", page2),
            ("report-cli-bare.png", page3),
        ):
            problems.clear()
            page.goto(p.as_uri())
            check_report_page(page, problems, m, name)


@pytest.mark.parametrize(
    "content, message",
    [(None, "no such file"), ("{not json", "not valid JSON"), ('{"a": 1}', "not a framesift manifest")],
)
def test_report_command_bad_input(tmp_path, capsys, content, message):
    path = tmp_path / "m.json"
    if content is not None:
        path.write_text(content)
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()
