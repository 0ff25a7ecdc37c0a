"""``framesift.index_videos(..., ray=True)`` on a real local Ray cluster (2 CPUs).

One test, because a Ray cluster takes tens of seconds to start on this machine: the same three
videos are indexed serially and on Ray (one task per video), with a copy of one video under
another name (same content: two workers on one index entry) and with the fault hook killing
each video's first worker process mid-decode (Ray re-runs the task). The Ray index must hold
exactly the serial index's entries, each loadable and equal in content.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from framesift.bench.needle_video import make_video

    d = tmp_path_factory.mktemp("corpus")
    for k in range(2):
        make_video(d / f"clip{k}.mp4", duration=6, fps=12, width=256, height=144, seed=k, footage=False)
    # same content (video and subtitle sidecar): the same index entry under another name
    shutil.copy(d / "clip0.mp4", d / "clip0-copy.mp4")
    shutil.copy(d / "clip0.srt", d / "clip0-copy.srt")
    return d


def _entries(root: Path) -> dict[str, Path]:
    base = root / "framesift-index-v1" / "entries"
    return {f"{p.parent.name}/{p.name}": p for p in base.glob("*/*") if (p / "analysis" / "meta.json").is_file()}


def _content(store, video: Path):
    entry = store.entry(video, fps=1.0, events=True, ocr="auto", subtitles=None)
    a = entry.load_analysis(video)
    assert a is not None, f"{video.name}: entry missing or damaged"
    return (
        a.candidates.index.tolist(),
        np.round(a.candidates.time, 6).tolist(),
        [ln.text for ln in (a.subtitles.lines if a.subtitles else ())],
        [r.lines for r in a.ocr_reads],
        np.asarray(a.features).round(5).tolist(),
    )


@pytest.mark.slow
def test_ray_matches_serial_survives_a_killed_worker_and_keeps_the_index_consistent(corpus, tmp_path, monkeypatch):
    import framesift
    from framesift.index import IndexStore
    from framesift.index.ray_index import FAULT_ENV

    videos = sorted(corpus.glob("*.mp4"))
    serial_root, ray_root, faults = tmp_path / "serial", tmp_path / "ray", tmp_path / "faults"
    faults.mkdir()
    serial = framesift.index_videos(videos, cache=serial_root)
    assert [r.status for r in serial] == ["indexed", "cached", "indexed"]  # the copy shares clip0's entry

    monkeypatch.setenv(FAULT_ENV, str(faults))
    monkeypatch.setenv("FRAMESIFT_RAY_NUM_CPUS", "2")
    got = framesift.index_videos(videos, cache=ray_root, ray=True, ray_cpus=1)
    assert not ray.is_initialized()  # the cluster it started is shut down again

    # every video's first worker was killed mid-decode, and its task ran again to the end
    killed = sorted(p.name for p in faults.iterdir())
    assert killed == sorted(v.name + ".killed" for v in videos)
    assert [Path(r.video).name for r in got] == [v.name for v in videos]
    # two workers on one entry: exactly one built it, the other found it
    statuses = {Path(r.video).name: r.status for r in got}
    assert sorted([statuses["clip0.mp4"], statuses["clip0-copy.mp4"]]) == ["cached", "indexed"]
    assert statuses["clip1.mp4"] == "indexed"

    # the same entries as the serial path, each complete and equal in content; no leftovers
    assert sorted(_entries(ray_root)) == sorted(_entries(serial_root))
    for p in _entries(ray_root).values():
        assert not [c.name for c in p.iterdir() if c.name.startswith(".tmp-")]
    s_store, r_store = IndexStore(serial_root), IndexStore(ray_root)
    for v in videos:
        assert _content(r_store, v) == _content(s_store, v)


def test_ray_needs_a_model_spec_string(corpus, tmp_path):
    import framesift
    from framesift.errors import InputError

    class NotASpec:
        pass

    with pytest.raises(InputError, match="spec string"):
        framesift.index_videos([corpus / "clip1.mp4"], cache=tmp_path, ray=True, model=NotASpec())
