"""Export: Selection.save() writes JPEGs, manifest.json and contact_sheet.png atomically."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from framesift.api import SelectedFrame, Selection
from framesift.errors import InputError
from framesift.export import SCHEMA_VERSION
from framesift.export.files import format_time
from framesift.video.probe import VideoInfo

COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220), (230, 230, 40), (200, 40, 200)]
W, H = 160, 120


def _info(path="/videos/clip.mp4") -> VideoInfo:
    return VideoInfo(
        path=path,
        duration=12.0,
        fps=25.0,
        width=W,
        height=H,
        num_frames=300,
        start_time=0.0,
        rotation=0,
        sample_aspect_ratio=Fraction(1, 1),
        coded_width=W,
        coded_height=H,
        codec="h264",
        is_vfr=False,
        keyframes=3,
        has_audio=False,
    )


def _selection(n=5, *, with_images=True) -> Selection:
    frames = []
    for k in range(n):
        index = 10 + 50 * k
        frames.append(
            SelectedFrame(
                index=index,
                time=index / 25.0,
                source="grid",
                role="coverage",
                scores={"subtitle": 0.1 * k, "fused": 0.1 * k},
                reason=f"reason {k}",
                width=W,
                height=H,
                image=Image.new("RGB", (W, H), COLOURS[k % len(COLOURS)]) if with_images else None,
            )
        )
    return Selection(
        video=_info(),
        query="what colour is the screen?",
        strategy="auto",
        params={"moment_s": "3"},
        budget=8,
        frames=frames,
        signals={"subtitle": {"available": False, "used": False}},
        timings={"probe": 0.01, "select": 0.002},
        notes=["a note"],
        num_candidates=12,
    )


def _listing(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): (p.read_bytes() if p.is_file() else b"<dir>") for p in sorted(path.rglob("*"))}


def _leftovers(parent: Path, name: str) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name != name and name in p.name]


# --------------------------------------------------------------------------- save()


def test_save_writes_images_manifest_and_contact_sheet(tmp_path):
    sel = _selection()
    out = tmp_path / "out"
    assert sel.save(out) == out
    jpgs = sorted(out.glob("*.jpg"))
    assert len(jpgs) == len(sel.frames)
    for f, p in zip(sel.frames, jpgs):
        with Image.open(p) as im:
            assert im.format == "JPEG"
            assert im.size == (W, H)
            r, g, b = im.convert("RGB").getpixel((W // 2, H // 2))
        # the file holds this frame's picture (JPEG is lossy: a few levels of error)
        er, eg, eb = f.image.getpixel((0, 0))
        assert max(abs(r - er), abs(g - eg), abs(b - eb)) <= 12
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in jpgs] + ["manifest.json", "contact_sheet.png"]
    )
    assert _leftovers(tmp_path, "out") == []


def test_manifest_contents(tmp_path):
    sel = _selection()
    out = sel.save(tmp_path / "out")

    def no_nan(name):
        raise AssertionError(f"manifest holds {name}: not valid JSON")

    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"), parse_constant=no_nan)
    for key in ("schema_version", "video", "query", "strategy", "budget", "frames", "signals", "timings"):
        assert key in m, key
    assert m["schema_version"] == SCHEMA_VERSION
    major, minor = m["schema_version"].split(".")[:2]
    assert major.isdigit() and minor.isdigit()
    v = m["video"]
    assert v["path"] == "/videos/clip.mp4"
    assert v["duration"] == pytest.approx(12.0) and v["fps"] == pytest.approx(25.0)
    assert (v["width"], v["height"], v["num_frames"]) == (W, H, 300)
    assert m["query"] == "what colour is the screen?"
    assert m["strategy"] == "auto"
    assert m["budget"]["frames"] == 8 and m["budget"]["spent"] == 5
    assert m["timings"] == {"probe": 0.01, "select": 0.002}
    assert m["signals"] == {"subtitle": {"available": False, "used": False}}
    times = [f["time"] for f in m["frames"]]
    assert times == sorted(times)
    for f, src in zip(m["frames"], sel.frames):
        assert {"index", "time", "scores", "reason"} <= set(f)
        assert f["index"] == src.index
        assert f["time"] == pytest.approx(src.index / 25.0)
        assert f["reason"] == src.reason
        assert f["scores"]["fused"] == pytest.approx(src.scores["fused"], abs=1e-4)
        assert (out / f["file"]).is_file()  # each frame names its image file
    assert len({f["file"] for f in m["frames"]}) == len(m["frames"])
    assert m == sel.to_manifest() | {"frames": m["frames"]}  # the same manifest as in memory, plus file names


def test_contact_sheet_shows_every_frame(tmp_path):
    sel = _selection(5)
    out = sel.save(tmp_path / "out")
    with Image.open(out / "contact_sheet.png") as im:
        sheet = im.convert("RGB")
    # big enough to see the frames, not absurdly large
    assert 320 <= sheet.width <= 4000 and 100 <= sheet.height <= 4000
    assert sheet.width >= sheet.height  # 5 landscape frames in a grid, not a column
    pixels = np.unique(np.asarray(sheet).reshape(-1, 3), axis=0).astype(int)
    for c in COLOURS:
        # each frame's colour is on the sheet, over a tile's worth of pixels
        close = np.abs(np.asarray(sheet).astype(int) - np.array(c)).max(axis=2) <= 3
        assert close.sum() >= 0.5 * W * H, c
    assert len(pixels) > len(COLOURS)  # and there is more than the frames: labels / background


def test_save_without_images_is_refused(tmp_path):
    sel = _selection(with_images=False)
    with pytest.raises(ValueError):
        sel.save(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_save_of_an_empty_selection(tmp_path):
    sel = _selection(0)
    out = sel.save(tmp_path / "out")
    assert json.loads((out / "manifest.json").read_text())["frames"] == []
    assert (out / "contact_sheet.png").is_file()


def test_save_creates_missing_parents(tmp_path):
    out = _selection(2).save(tmp_path / "a" / "b" / "out")
    assert (out / "manifest.json").is_file()


# --------------------------------------------------------------------------- refusing foreign directories


def test_non_empty_foreign_directory_is_refused_and_untouched(tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"precious")
    (out / "sub").mkdir()
    (out / "sub" / "notes.txt").write_text("keep me")
    before = _listing(out)
    with pytest.raises(InputError) as ei:
        _selection().save(out)
    assert "photos" in str(ei.value)
    assert _listing(out) == before
    assert _leftovers(tmp_path, "photos") == []


def test_directory_with_someone_elses_manifest_is_refused(tmp_path):
    """A web app or browser extension folder has its own manifest.json: it was not written by framesift,
    and 'replacing' it would delete the user's project."""
    out = tmp_path / "my-extension"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"manifest_version": 3, "name": "My extension"}))
    (out / "background.js").write_text("console.log('hi')")
    before = _listing(out)
    with pytest.raises(InputError):
        _selection().save(out)
    assert _listing(out) == before


def test_existing_file_as_target_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file")
    with pytest.raises(InputError):
        _selection().save(out)
    assert out.read_text() == "a file"


def test_empty_existing_directory_is_used(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    _selection(3).save(out)
    assert len(list(out.glob("*.jpg"))) == 3


# --------------------------------------------------------------------------- atomicity


def _fail_on_nth_save(monkeypatch, n):
    calls = {"n": 0}
    real_save = Image.Image.save

    def save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError("disk full (simulated)")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    return calls


def test_failure_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = _fail_on_nth_save(monkeypatch, 3)
    # The write error becomes one InputError line naming the folder (issue 12: exit 2, not 1).
    with pytest.raises(InputError, match=r"out: cannot write the output folder \(disk full"):
        _selection(5).save(tmp_path / "out")
    assert calls["n"] == 3
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # no .partial (or any other) directory
    assert not any(p.name.endswith(".partial") for p in tmp_path.rglob("*"))


def test_failure_while_replacing_keeps_the_previous_output(tmp_path, monkeypatch):
    out = _selection(2).save(tmp_path / "out")
    before = _listing(out)
    _fail_on_nth_save(monkeypatch, 3)
    with pytest.raises(InputError, match="disk full"):
        _selection(5).save(out)
    assert _listing(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_rerun_into_framesift_output_replaces_it(tmp_path):
    out = _selection(5).save(tmp_path / "out")
    (out / "stale.jpg").write_bytes(b"old")  # anything from the previous run goes
    second = _selection(2)
    second.query = "second question"
    second.save(out)
    assert len(list(out.glob("*.jpg"))) == 2
    assert not (out / "stale.jpg").exists()
    m = json.loads((out / "manifest.json").read_text())
    assert m["query"] == "second question" and len(m["frames"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .old / .partial left


# --------------------------------------------------------------------------- format_time


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0.0, "00:00.00"),
        (0.5, "00:00.50"),
        (9.99, "00:09.99"),
        (75.25, "01:15.25"),
        (600.0, "10:00.00"),
        (3599.5, "59:59.50"),
        (3600.0, "1:00:00.00"),
        (3723.0, "1:02:03.00"),
        (36000.0 + 61.0, "10:01:01.00"),
        (-1.5, "-00:01.50"),
    ],
)
def test_format_time(seconds, text):
    assert format_time(seconds) == text


@pytest.mark.parametrize(
    "seconds, text",
    [
        (59.999, "01:00.00"),
        (119.996, "02:00.00"),
        (3599.999, "1:00:00.00"),
    ],
)
def test_format_time_rounds_into_the_next_minute(seconds, text):
    """Rounding to hundredths must carry: '00:60.00' is not a time."""
    assert format_time(seconds) == text


def test_format_time_is_monotone_and_well_formed():
    import re

    prev = None
    for k in range(0, 400000, 997):
        s = k / 100.0 + 0.004
        t = format_time(s)
        assert re.fullmatch(r"(\d+:)?[0-5]\d:[0-5]\d\.\d\d", t), t
        parts = [float(x) for x in t.split(":")]
        value = sum(p * 60**i for i, p in enumerate(reversed(parts)))
        assert abs(value - s) <= 0.006
        if prev is not None:
            assert value >= prev
        prev = value
