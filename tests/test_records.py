"""The records at the bottom are checked on creation, and the options name the parameter at fault."""

from __future__ import annotations

import math
import threading

import pytest

from framesift._atomic import install_dir
from framesift.analysis import AnalysisOptions
from framesift.errors import InputError
from framesift.frame import SelectedFrame, TokenSpend


def _frame(**kw):
    base = dict(index=3, time=0.125, source="grid", role="coverage", scores={}, reason="r", width=64, height=36)
    return SelectedFrame(**(base | kw))


def test_selected_frame_refuses_impossible_values():
    with pytest.raises(ValueError, match="index"):
        _frame(index=-1)
    with pytest.raises(ValueError, match="time"):
        _frame(time=math.nan)
    with pytest.raises(ValueError, match="scale"):
        _frame(scale=0.0)
    assert _frame(scale=0.5).to_dict()["scale"] == 0.5


def test_token_spend_gives_the_manifest_keys_and_reads_like_the_old_dict():
    spend = TokenSpend(limit=2000, spent=1196, model_family="qwen2.5-vl", overhead_estimate=40)
    assert spend.to_dict() == {
        "tokens": 2000,
        "tokens_spent": 1196,
        "model_family": "qwen2.5-vl",
        "overhead_tokens_estimate": 40,
    }
    assert spend["tokens_spent"] == 1196
    with pytest.raises(ValueError):
        TokenSpend(limit=0, spent=0, model_family="qwen3-vl")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"fps": 0}, "fps"),
        ({"fps": math.inf}, "fps"),
        ({"fps": "x"}, "fps"),
        ({"ocr": -2}, "ocr"),
        ({"ocr": "yes"}, "ocr"),
    ],
)
def test_analysis_options_name_the_python_parameter(kwargs, param):
    with pytest.raises(InputError) as info:
        AnalysisOptions.of(**kwargs)
    assert info.value.param == param
    assert "--" not in str(info.value)  # the library speaks Python; the CLI adds the flag


def test_analysis_options_ocr_frames():
    assert AnalysisOptions.of(ocr=False).ocr_frames(600) == 0
    assert AnalysisOptions.of(ocr=7).ocr_frames(600) == 7
    assert AnalysisOptions.of().ocr_frames(3600) == AnalysisOptions.of(ocr=True).ocr_frames(3600) > 0


def test_install_dir_never_leaves_a_moment_without_a_complete_folder(tmp_path):
    """A reader polling the target during 200 swaps always finds a complete version."""
    target = tmp_path / "analysis"
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "meta.json").write_text("0")
    install_dir(legacy, target)
    seen_missing: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                text = (target / "meta.json").read_text()
            except OSError as exc:  # the folder or its file was absent: the bug this guards against
                seen_missing.append(repr(exc))
                continue
            if not text:
                seen_missing.append("empty meta.json")

    t = threading.Thread(target=reader)
    t.start()
    try:
        for k in range(1, 201):
            new = tmp_path / f"build-{k}"
            new.mkdir()
            (new / "meta.json").write_text(str(k))
            install_dir(new, target)
    finally:
        stop.set()
        t.join()
    assert seen_missing == []
    assert (target / "meta.json").read_text() == "200"
    versions = [p.name for p in tmp_path.iterdir() if p.name.startswith("analysis@")]
    assert len(versions) == 2  # the current version and the one it replaced; older ones are removed


def test_install_dir_replaces_a_plain_folder_left_by_an_older_version(tmp_path):
    target = tmp_path / "analysis"
    target.mkdir()
    (target / "old.txt").write_text("old")
    new = tmp_path / "new"
    new.mkdir()
    (new / "meta.json").write_text("new")
    install_dir(new, target)
    assert target.is_symlink() and (target / "meta.json").read_text() == "new"
    assert not (target / "old.txt").exists()
