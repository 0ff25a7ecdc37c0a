"""The command line, run as a real process: exit codes, one-line errors, and the --json / --out contract."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from _cli import run_cli
from framesift.selectors import list_strategies

FPS = 10
SECONDS = 3
W, H = 160, 120
N_FRAMES = FPS * SECONDS


def _colour(i: int) -> tuple[int, int, int]:
    """Frame i's flat colour: the red channel counts frames, so a decoded picture names its index."""
    return (8 * i, 255 - 8 * i, 128)


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """3 s, 160x120, 10 fps H.264; frame i is a flat colour _colour(i)."""
    path = tmp_path_factory.mktemp("cli") / "colours.mp4"
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "10", "preset": "ultrafast"}
        for i in range(N_FRAMES):
            arr = np.empty((H, W, 3), np.uint8)
            arr[:] = _colour(i)
            for pkt in s.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    for n in needles:
        assert n in line, (n, line)
    assert proc.stdout.strip() == ""
    return line


# --------------------------------------------------------------------------- bad input: exit 2, one line


def test_missing_video(tmp_path):
    p = tmp_path / "missing.mp4"
    line = _one_line_error(run_cli("select", p, "-q", "x", "--ocr", "off"), "missing.mp4")
    assert "no such file" in line


def test_empty_video(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    line = _one_line_error(run_cli("select", p, "--ocr", "off"), "empty.mp4")
    assert "empty" in line


def test_text_file_named_mp4(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("these are my notes, not a video\n" * 20)
    line = _one_line_error(run_cli("select", p, "--ocr", "off"), "notes.mp4")
    assert "video" in line


def test_directory_as_video(tmp_path):
    p = tmp_path / "folder.mp4"
    p.mkdir()
    line = _one_line_error(run_cli("select", p, "--ocr", "off"), "folder.mp4")
    assert "directory" in line


@pytest.mark.parametrize("budget", ["0", "-3"])
def test_budget_below_one(video, budget):
    line = _one_line_error(run_cli("select", video, "-b", budget, "--ocr", "off"), "budget")
    assert "at least 1" in line


def test_budget_not_a_number(video):
    """A usage error (the docstring of framesift.cli: exit 2, one line), not an 'internal error'."""
    line = _one_line_error(run_cli("select", video, "-b", "many", "--ocr", "off"), "budget")
    assert "internal error" not in line


@pytest.mark.parametrize(
    "args, needle",
    [
        (["select", "VIDEO", "--no-such-option"], "--no-such-option"),
        (["select"], "video"),
        (["frobnicate"], "frobnicate"),
        (["select", "VIDEO", "--fps", "fast"], "fps"),
    ],
)
def test_usage_errors(video, args, needle):
    proc = run_cli(*[video if a == "VIDEO" else a for a in args])
    line = _one_line_error(proc)
    assert needle.lower() in line.lower() and "internal error" not in line


def test_unknown_strategy(video):
    line = _one_line_error(run_cli("select", video, "-s", "clever", "--ocr", "off"), "clever")
    for s in list_strategies():
        assert s.name in line


def test_unreadable_subtitles_file(video, tmp_path):
    subs = tmp_path / "broken.srt"
    subs.write_bytes(bytes(range(256)) * 10)
    line = _one_line_error(run_cli("select", video, "--subtitles", subs, "-q", "x", "--ocr", "off"), "broken.srt")
    assert "subtitle" in line


def test_missing_subtitles_file(video, tmp_path):
    _one_line_error(run_cli("select", video, "--subtitles", tmp_path / "nope.srt", "--ocr", "off"), "nope.srt")


def test_unknown_param(video):
    line = _one_line_error(run_cli("select", video, "-s", "tass", "-p", "gapp=3", "--ocr", "off"), "gapp")
    assert "pool_factor" in line  # the parameters that do exist


@pytest.mark.parametrize("fps", ["0", "-1", "nan", "inf"])
def test_candidate_fps_must_be_a_positive_number(video, fps):
    """'--fps nan' is a typo-level mistake: exit 2 naming --fps, not an internal error (exit 1)."""
    line = _one_line_error(run_cli("select", video, "--fps", fps, "--ocr", "off"), "fps")
    assert "internal error" not in line


def test_strategy_param_that_is_not_a_finite_number(video):
    line = _one_line_error(run_cli("select", video, "-s", "fps", "-p", "rate=nan", "--ocr", "off"), "rate")
    assert "internal error" not in line


def test_param_without_value(video):
    _one_line_error(run_cli("select", video, "-p", "gap", "--ocr", "off"), "--param")


def test_bad_ocr_option(video):
    _one_line_error(run_cli("select", video, "--ocr", "sometimes"), "--ocr")


def test_long_path_error_stays_on_one_line(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    p = deep / ("a_rather_long_video_file_name_" * 3 + ".mp4")
    p.write_bytes(b"")
    _one_line_error(run_cli("select", p, "--ocr", "off"), p.name)


def test_debug_shows_the_traceback(tmp_path):
    p = tmp_path / "missing.mp4"
    proc = run_cli("select", p, "--ocr", "off", "--debug")
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    assert "missing.mp4" in proc.stderr.splitlines()[-1]


# --------------------------------------------------------------------------- strategies / version


def test_strategies_lists_every_registered_strategy_one_per_line():
    proc = run_cli("strategies")
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    names = [s.name for s in list_strategies()]
    assert [ln.split()[0] for ln in lines] == names
    for ln, s in zip(lines, list_strategies()):
        assert s.summary in ln


def test_version():
    import framesift

    proc = run_cli("version")
    assert proc.returncode == 0 and proc.stdout.strip() == framesift.__version__


# --------------------------------------------------------------------------- a real video


def _decoded_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as c:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def test_fixture_video_is_what_it_claims(video):
    frames = _decoded_frames(video)
    assert len(frames) == N_FRAMES
    for i, (t, arr) in enumerate(frames):
        assert t == pytest.approx(i / FPS, abs=1e-3)
        assert abs(float(arr[..., 0].mean()) - _colour(i)[0]) < 4


def _check_manifest(m: dict, budget: int) -> None:
    for key in ("schema_version", "video", "query", "strategy", "budget", "frames", "signals", "timings"):
        assert key in m, key
    v = m["video"]
    assert (v["width"], v["height"], v["num_frames"]) == (W, H, N_FRAMES)
    assert v["fps"] == pytest.approx(FPS, rel=1e-3)
    assert v["duration"] == pytest.approx(SECONDS, abs=0.11)
    frames = m["frames"]
    assert 1 <= len(frames) <= budget
    times = [f["time"] for f in frames]
    assert times == sorted(times)
    assert len({f["index"] for f in frames}) == len(frames)
    for f in frames:
        assert 0 <= f["index"] < N_FRAMES
        assert f["time"] == pytest.approx(f["index"] / FPS, abs=1e-3)  # index and time agree with 10 fps
        assert isinstance(f["reason"], str) and f["reason"]


def test_select_json_prints_exactly_one_object(video):
    proc = run_cli("select", video, "-q", "what colour is it?", "-b", "3", "--json", "--ocr", "off")
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)  # the whole of stdout: nothing else may be printed there
    assert isinstance(m, dict)
    assert proc.stdout.count("\n") == 1 and proc.stdout.endswith("\n")
    assert m["query"] == "what colour is it?" and m["strategy"] == "auto"
    assert m["budget"]["frames"] == 3
    _check_manifest(m, 3)
    assert len(m["frames"]) == 3
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("strategy", [s.name for s in list_strategies()])
def test_select_json_for_every_strategy(video, strategy):
    proc = run_cli("select", video, "-b", "2", "-s", strategy, "--json", "--ocr", "off", "--quiet", "--no-events")
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)
    assert m["strategy"] == strategy
    _check_manifest(m, 2)


def test_select_out_writes_the_frames_it_names(video, tmp_path):
    out = tmp_path / "sel"
    proc = run_cli("select", video, "-b", "3", "--out", out, "--ocr", "off", "--quiet", "--json")
    assert proc.returncode == 0, proc.stderr
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    printed = json.loads(proc.stdout)["frames"]
    assert m["frames"] == printed  # --json with --out names the files too (issue 12)
    _check_manifest(m, 3)
    assert (out / "contact_sheet.png").is_file()
    jpgs = sorted(out.glob("*.jpg"))
    assert len(jpgs) == len(m["frames"])
    for f in m["frames"]:
        with Image.open(out / f["file"]) as im:
            assert im.size == (W, H)
            red = float(np.asarray(im.convert("RGB"))[..., 0].mean())
        # the saved picture is the frame the manifest names (red channel = 8 * index)
        assert abs(red - _colour(f["index"])[0]) < 6, (f["index"], red)


def test_budget_above_candidates_returns_all_with_a_note(video):
    proc = run_cli("select", video, "-b", "64", "--json", "--ocr", "off", "--quiet")
    assert proc.returncode == 0, proc.stderr
    m = json.loads(proc.stdout)
    _check_manifest(m, 64)
    assert len(m["frames"]) == m["num_candidates"] < 64
    assert m["budget"]["spent"] == m["num_candidates"]
    assert any("all candidates" in n for n in m["notes"]), m["notes"]


def test_summary_goes_to_stdout_without_json(video):
    proc = run_cli("select", video, "-b", "2", "--ocr", "off")
    assert proc.returncode == 0, proc.stderr
    assert "frames of" in proc.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)
