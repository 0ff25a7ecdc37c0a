"""The bad-input battery: every odd or hostile input through ``select`` and ``index`` ends in
exit 0 with a true manifest, or exit 2 (3: ``index`` partly done) with one line, no traceback,
nothing half-written, and an index that is still valid afterwards (issue 12).

Full and read-only disks are real: small tmpfs mounts (``mount -t tmpfs``, needs root; the
tests skip where mounting is not permitted). FIFOs and ``/dev/zero`` run in a subprocess with
a timeout, so a regression fails the test instead of hanging the run.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from framesift.bench.fuzz import check_manifest
from framesift.cli import main
from framesift.limits import MAX_QUERY_CHARS, MAX_SUBTITLE_BYTES

SRC = str(Path(__file__).resolve().parents[2] / "src")


# -- helpers ------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, list[str]]:
    """``framesift ARGS`` in-process: exit code, stdout, the non-empty stderr lines."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, [ln for ln in err.splitlines() if ln.strip()]


def run_subprocess(*args: object, timeout: float = 120) -> tuple[int, str, list[str]]:
    """The same in a fresh process (for inputs that would block a reader if a check regressed)."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "framesift.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, [ln for ln in proc.stderr.splitlines() if ln.strip()]


def one_line(code: int, lines: list[str], *words: str, exit_code: int = 2) -> str:
    assert code == exit_code, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("framesift: error: "), lines
    assert "Errno" not in lines[0]
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def true_manifest(out: str, duration: float) -> dict:
    m = json.loads(out)
    assert check_manifest(m, max_duration=duration + 0.5) == "", m["video"]
    return m


def no_leftovers(folder: Path) -> None:
    """Nothing half-written: no temporary folder or file of an interrupted write."""
    left = [p for p in folder.rglob("*") if ".partial" in p.name or p.name.startswith(".tmp-")]
    assert not left, left


def index_valid(capsys: pytest.CaptureFixture[str], cache: Path) -> None:
    """The index still opens and every entry in it is complete (or absent)."""
    code, out, lines = run(capsys, "cache", "ls", "--cache", cache, "--json")
    assert code == 0, lines
    entries = json.loads(out)["entries"]
    assert all(e["valid"] for e in entries if e["candidates"] is not None), entries


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def _mount(target: Path, options: str) -> bool:
    target.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    return r.returncode == 0


@pytest.fixture
def disk(tmp_path: Path) -> Iterator:
    """``disk(name, size_kb, read_only=False)``: a real small tmpfs (skips where mount is not allowed)."""
    mounted: list[Path] = []

    def make(name: str, size_kb: int = 256, read_only: bool = False) -> Path:
        target = tmp_path / name
        opts = f"size={size_kb}k" + (",ro" if read_only else "")
        if os.geteuid() != 0 or not _mount(target, opts):
            pytest.skip("needs root and permission to mount a tmpfs")
        mounted.append(target)
        return target

    yield make
    for m in mounted:
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def fill(folder: Path, leave_kb: int = 4) -> None:
    """Fill a file system until ``leave_kb`` are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave_kb * 1024))


# -- the video argument -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, words",
    [
        ("empty", ["file is empty"]),
        ("not_video", ["not a readable video (Invalid data found when processing input)"]),
        ("audio_only", ["no video stream (streams: audio)"]),
    ],
)
def test_files_that_are_no_video_are_one_line(capsys, odd_video, cache, kind, words):
    v = odd_video(kind).path
    code, out, lines = run(capsys, "select", v, "-q", "x", "--cache", cache, "--ocr", "off")
    one_line(code, lines, str(v), *words)
    assert out == ""
    index_valid(capsys, cache)


def test_missing_file_and_directory(capsys, tmp_path, cache):
    code, _, lines = run(capsys, "select", tmp_path / "nope.mp4", "--cache", cache)
    one_line(code, lines, "nope.mp4: no such file")
    code, _, lines = run(capsys, "select", tmp_path, "--cache", cache)
    one_line(code, lines, "is a directory")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_fifo_and_device_are_refused_before_any_read(tmp_path, special):
    if special == "fifo":
        path = tmp_path / "pipe.mp4"
        os.mkfifo(path)  # no writer: opening it for reading would block forever
        assert stat.S_ISFIFO(os.stat(path).st_mode)
        want = "is a FIFO (named pipe)"
    else:
        path, want = Path(special), "is a device"
    code, out, lines = run_subprocess("select", path, "-q", "x", "--cache", tmp_path / "c", timeout=120)
    one_line(code, lines, want, "must be a regular file")
    assert out == ""


@pytest.mark.parametrize("kind", ["cfr", "faststart", "vfr", "rotated", "one_frame", "corrupt", "truncated"])
def test_odd_but_readable_videos_give_a_true_manifest(capsys, odd_video, cache, kind):
    """moov at the end (cfr) and at the start (faststart), VFR, rotated, one frame, damaged
    payloads, a fragmented file cut short: exit 0 and a manifest inside the video."""
    v = odd_video(kind)
    code, out, lines = run(capsys, "select", v.path, "-q", "x", "-b", "4", "--json", "--quiet", "--cache", cache)
    assert code == 0, lines
    m = true_manifest(out, 3.0)
    if kind == "one_frame":
        assert [f["index"] for f in m["frames"]] == [0]
    if kind == "rotated":
        assert m["video"]["rotation"] == 90
    index_valid(capsys, cache)


def test_cfr_fixture_has_moov_at_the_end_and_faststart_at_the_start(odd_video):
    def order(p: Path) -> list[bytes]:
        data, pos, atoms = p.read_bytes(), 0, []
        while pos + 8 <= len(data):
            size = int.from_bytes(data[pos : pos + 4], "big")
            atoms.append(data[pos + 4 : pos + 8])
            pos += size if size >= 8 else len(data)
        return atoms

    cfr, fast = order(odd_video("cfr").path), order(odd_video("faststart").path)
    assert cfr.index(b"moov") > cfr.index(b"mdat")
    assert fast.index(b"moov") < fast.index(b"mdat")


@pytest.mark.parametrize("kind", ["cfr", "faststart"])
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_at_several_points(capsys, odd_video, tmp_path, cache, kind, fraction):
    """Cut short anywhere: moov at the end is lost (exit 2, one line); moov first keeps a head."""
    src = odd_video(kind).path
    data = src.read_bytes()
    v = tmp_path / f"{kind}_{int(fraction * 100)}.mp4"
    v.write_bytes(data[: int(len(data) * fraction)])
    code, out, lines = run(capsys, "select", v, "-q", "x", "-b", "3", "--json", "--quiet", "--cache", cache)
    if code == 0:
        true_manifest(out, 3.0)
    else:
        one_line(code, lines, str(v))
    if kind == "cfr":  # no moov, no video: must be refused, not guessed
        assert code == 2
    index_valid(capsys, cache)


# -- the question -----------------------------------------------------------------------------


def test_huge_question_is_refused_at_once(capsys, odd_video, cache):
    q = "what happens " * (MAX_QUERY_CHARS // 10)
    code, out, lines = run(capsys, "select", odd_video("cfr").path, "-q", q, "--cache", cache)
    one_line(code, lines, "--query is", "the limit is")


def test_long_question_under_the_limit_is_fast_enough_to_answer(capsys, odd_video, cache):
    """A question just under the cap still parses (the parser is linear: no hang)."""
    q = ("based on the video what happens near the red door " * 400)[: MAX_QUERY_CHARS - 1]
    code, out, lines = run(
        capsys, "select", odd_video("cfr").path, "-q", q, "-b", "2", "--json", "--quiet", "--cache", cache
    )
    assert code == 0, lines
    true_manifest(out, 3.0)


def test_question_that_is_not_utf8(capsys, odd_video, cache):
    bad = os.fsdecode(b"where is the caf\xe9?")  # what Python makes of Latin-1 bytes in argv
    code, _, lines = run(capsys, "select", odd_video("cfr").path, "-q", bad, "--cache", cache)
    one_line(code, lines, "--query is not valid UTF-8")


def test_question_of_punctuation_only_with_a_model(capsys, odd_video, cache, tiny_models):
    """The README's coarse-to-fine example with ``-q "..."``: the visual channel is left out."""
    code, out, lines = run(
        capsys,
        "select",
        odd_video("cfr").path,
        "-q",
        "...",
        "--model",
        tiny_models["clip"],
        "-b",
        "2",
        "--json",
        "--quiet",
        "--cache",
        cache,
        "--ocr",
        "off",
    )
    assert code == 0, lines
    true_manifest(out, 3.0)


# -- subtitles --------------------------------------------------------------------------------


def _srt(path: Path, cues: list[tuple[str, str, str]]) -> Path:
    path.write_text("".join(f"{k}\n{a} --> {b}\n{t}\n\n" for k, (a, b, t) in enumerate(cues, 1)), encoding="utf-8")
    return path


def _ts(s: float) -> str:
    h, rem = divmod(int(s * 1000), 3_600_000)
    m, rem = divmod(rem, 60_000)
    return f"{h:02d}:{m:02d}:{rem // 1000:02d},{rem % 1000:03d}"


def test_subtitle_file_over_the_size_cap(capsys, odd_video, tmp_path, cache):
    big = _srt(tmp_path / "big.srt", [("00:00:00,000", "00:00:01,000", "hello")])
    with open(big, "r+b") as f:
        f.truncate(MAX_SUBTITLE_BYTES + 1)  # sparse: costs no disk
    code, _, lines = run(capsys, "select", odd_video("cfr").path, "--subtitles", big, "--cache", cache)
    one_line(code, lines, "big.srt: subtitle file is", "the limit is")


def test_cues_after_the_end_are_dropped_with_a_note(capsys, odd_video, tmp_path, cache):
    cues = [(_ts(0.5), _ts(1.5), "the door opens")]
    cues += [(_ts(10 + k), _ts(10.5 + k), f"cue {k} long after the end") for k in range(3000)]
    subs = _srt(tmp_path / "late.srt", cues)
    code, out, lines = run(
        capsys,
        "select",
        odd_video("cfr").path,
        "-q",
        "door",
        "--subtitles",
        subs,
        "--json",
        "--quiet",
        "--cache",
        cache,
    )
    assert code == 0, lines
    m = true_manifest(out, 3.0)
    assert any("3000 subtitle cues start after the video ends" in n for n in m["notes"]), m["notes"]


def test_negative_cue_times_are_warned_about(capsys, odd_video, tmp_path, cache):
    subs = _srt(tmp_path / "neg.srt", [("-00:00:01,000", "00:00:01,000", "before zero"), (_ts(2), _ts(2.5), "ok")])
    code, out, lines = run(
        capsys, "select", odd_video("cfr").path, "--subtitles", subs, "--json", "--quiet", "--cache", cache
    )
    assert code == 0, lines
    m = true_manifest(out, 3.0)
    assert any("negative" in n for n in m["notes"]), m["notes"]


def test_subtitle_fifo_is_refused(tmp_path, odd_video):
    pipe = tmp_path / "subs.srt"
    os.mkfifo(pipe)
    code, _, lines = run_subprocess("select", odd_video("cfr").path, "--subtitles", pipe, "--cache", tmp_path / "c")
    one_line(code, lines, "is a FIFO")


# -- outputs and the cache on bad disks ---------------------------------------------------------


def test_out_folder_gets_the_usual_mode_and_json_names_the_files(capsys, odd_video, tmp_path, cache):
    out_dir = tmp_path / "sel"
    old = os.umask(0o022)
    try:
        code, out, lines = run(
            capsys, "select", odd_video("cfr").path, "-q", "x", "-b", "2", "--out", out_dir, "--json", "--quiet",
            "--cache", cache,
        )  # fmt: skip
    finally:
        os.umask(old)
    assert code == 0, lines
    assert stat.S_IMODE(out_dir.stat().st_mode) == 0o755
    printed = json.loads(out)
    written = json.loads((out_dir / "manifest.json").read_text())
    assert [f["file"] for f in printed["frames"]] == [f["file"] for f in written["frames"]]
    assert all((out_dir / f["file"]).is_file() for f in printed["frames"])


def test_format_file_is_written_inside_the_atomic_folder(capsys, odd_video, tmp_path, cache):
    out_dir = tmp_path / "sel"
    code, out, lines = run(
        capsys, "select", odd_video("cfr").path, "-q", "x", "-b", "2", "--out", out_dir, "--format", "openai",
        "--quiet", "--cache", cache,
    )  # fmt: skip
    assert code == 0, lines
    assert json.loads((out_dir / "openai.json").read_text()) == json.loads(out)


def test_out_under_a_regular_file(capsys, odd_video, tmp_path, cache):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, out, lines = run(
        capsys, "select", odd_video("cfr").path, "-b", "2", "--out", blocker / "sel", "--cache", cache, "--quiet"
    )
    one_line(code, lines, "--out", "file.txt is a file, not a folder")
    assert out == ""
    no_leftovers(tmp_path)


def test_out_on_a_read_only_disk(capsys, odd_video, disk, cache):
    ro = disk("ro", read_only=True)
    code, _, lines = run(capsys, "select", odd_video("cfr").path, "-b", "2", "--out", ro / "sel", "--cache", cache)
    one_line(code, lines, "--out", "Read-only file system")
    assert list(ro.iterdir()) == []


def test_out_on_a_full_disk_leaves_nothing(capsys, odd_video, disk, cache):
    full = disk("full", 128)
    fill(full, leave_kb=8)
    code, _, lines = run(capsys, "select", odd_video("cfr").path, "-b", "4", "--out", full / "sel", "--cache", cache)
    one_line(code, lines, "--out", "No space left on device")
    assert sorted(p.name for p in full.iterdir()) == ["filler"]


def test_read_only_cache_costs_the_cache_not_the_answer(capsys, odd_video, disk):
    ro = disk("ro", read_only=True)
    code, out, lines = run(capsys, "select", odd_video("cfr").path, "-q", "x", "--json", "--quiet", "--cache", ro)
    assert code == 0, lines
    m = true_manifest(out, 3.0)
    assert any("cannot be written (Read-only file system)" in n for n in m["notes"]), m["notes"]


def test_read_only_cache_from_the_environment(capsys, odd_video, disk, monkeypatch):
    ro = disk("ro", read_only=True)
    monkeypatch.setenv("FRAMESIFT_CACHE", str(ro / "framesift"))
    code, out, lines = run(capsys, "select", odd_video("cfr").path, "-q", "x", "--json", "--quiet")
    assert code == 0, lines
    assert any("cannot be written" in n for n in json.loads(out)["notes"])


def test_full_cache_costs_the_cache_and_the_index_stays_valid(capsys, odd_video, disk):
    full = disk("full", 128)
    fill(full, leave_kb=8)
    code, out, lines = run(capsys, "select", odd_video("cfr").path, "-q", "x", "--json", "--quiet", "--cache", full)
    assert code == 0, lines
    m = true_manifest(out, 3.0)
    assert any("No space left on device" in n for n in m["notes"]), m["notes"]
    no_leftovers(full)
    index_valid(capsys, full)
    (full / "filler").unlink()  # space again: the next run stores the entry
    code, out, lines = run(capsys, "select", odd_video("cfr").path, "-q", "x", "--json", "--quiet", "--cache", full)
    assert code == 0 and not any("cannot be written" in n for n in json.loads(out)["notes"])
    index_valid(capsys, full)


def test_cache_under_a_regular_file(capsys, odd_video, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, out, lines = run(
        capsys, "select", odd_video("cfr").path, "-q", "x", "--json", "--quiet", "--cache", blocker / "c"
    )
    assert code == 0, lines
    assert any("cannot be written" in n for n in json.loads(out)["notes"])


# -- index over a library with bad files ------------------------------------------------------


def test_index_dir_indexes_what_it_can_and_reports_the_rest(capsys, odd_video, tmp_path, cache):
    lib = tmp_path / "lib"
    lib.mkdir()
    for kind in ("cfr", "not_video", "audio_only", "one_frame"):
        (lib / f"{kind}.mp4").write_bytes(odd_video(kind).path.read_bytes())
    code, out, lines = run(capsys, "index", lib, "--json", "--quiet", "--cache", cache, "--ocr", "off")
    assert code == 3, lines
    report = json.loads(out)
    status = {Path(v["video"]).stem: v["status"] for v in report["videos"]}
    assert status == {"audio_only": "failed", "cfr": "indexed", "not_video": "failed", "one_frame": "indexed"}
    assert report["indexed"] == 2 and report["failed"] == 2
    assert all(v["error"] for v in report["videos"] if v["status"] == "failed")
    index_valid(capsys, cache)


def test_index_of_nothing_indexable_is_one_line(capsys, odd_video, tmp_path, cache):
    lib = tmp_path / "lib"
    lib.mkdir()
    for kind in ("not_video", "audio_only"):
        (lib / f"{kind}.mp4").write_bytes(odd_video(kind).path.read_bytes())
    code, out, lines = run(capsys, "index", lib, "--quiet", "--cache", cache)
    one_line(code, lines, "none of the 2 videos could be indexed")
    code, out, lines = run(capsys, "index", lib / "not_video.mp4", "--quiet", "--cache", cache)
    one_line(code, lines, "not_video.mp4: not a readable video")


def test_index_into_a_read_only_cache_is_one_line(capsys, odd_video, disk):
    ro = disk("ro", read_only=True)
    code, out, lines = run(capsys, "index", odd_video("cfr").path, "--quiet", "--cache", ro, "--ocr", "off")
    one_line(code, lines, "index cannot be written (Read-only file system)")
