"""Seeded container fuzzing in the default run (issue 12): damaged copies of small fixtures,
one of them with on-screen text so OCR and the text model read damaged frames, must each end
in exit 0 with a true manifest or exit 2 with one line. The long run is
``benchmarks/fuzz_containers.py`` (counts in BENCHMARKS.md)."""

from __future__ import annotations

import random

import pytest

from framesift.bench.fuzz import MUTATIONS, check_manifest, mutate, run_fuzz
from framesift.cli import main

#: Cases per seed: the two plain fixtures without OCR (about 0.3 s a case), the text fixture
#: with OCR and the text model on (a few seconds a case): about 90 s on a loaded 2-core box.
PLAIN_CASES, TEXT_CASES = 32, 12


def test_mutations_change_the_bytes_as_named():
    data = bytes(range(256)) * 64
    rng = random.Random(3)
    flipped = mutate(data, "flip", rng)
    assert len(flipped) == len(data) and flipped != data
    assert len(mutate(data, "delete", rng)) < len(data)
    assert len(mutate(data, "duplicate", rng)) > len(data)
    cut = mutate(data, "truncate", rng)
    assert 0 < len(cut) < len(data) and data.startswith(cut)
    with pytest.raises(ValueError):
        mutate(data, "shuffle", rng)


def test_check_manifest_catches_lies():
    good = {
        "video": {"duration": 3.0, "start_time": 0.0, "num_frames": 90},
        "frames": [{"time": 0.0, "index": 0}, {"time": 1.0, "index": 30}],
    }
    assert check_manifest(good, max_duration=7) == ""
    assert "duration" in check_manifest({**good, "video": {**good["video"], "duration": 86400.0}}, max_duration=7)
    assert "start_time" in check_manifest({**good, "video": {**good["video"], "start_time": -132435.0}}, max_duration=7)
    unsorted = {**good, "frames": good["frames"][::-1]}
    assert "sorted" in check_manifest(unsorted, max_duration=7)
    dup = {**good, "frames": [{"time": 0.0, "index": 0}, {"time": 1.0, "index": 0}]}
    assert "duplicate" in check_manifest(dup, max_duration=7)
    outside = {**good, "frames": [{"time": 5.0, "index": 10}]}
    assert "outside" in check_manifest(outside, max_duration=7)


def test_seeded_fuzz_of_small_videos_ends_in_0_or_2(odd_video, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    common = ["-q", "gate code", "-b", "3", "--cache", str(tmp_path / "c")]
    plain = run_fuzz(
        [(odd_video("cfr").path, 3.0), (odd_video("faststart").path, 3.0)],
        PLAIN_CASES,
        work,
        base_seed=12,
        args=[*common, "--ocr", "off"],
        main=main,
    )
    text = run_fuzz(
        [(odd_video("text").path, 3.0)], TEXT_CASES, work, base_seed=12, args=[*common, "--ocr", "auto"], main=main
    )
    outcomes = plain.outcomes + text.outcomes
    assert len(outcomes) == 2 * PLAIN_CASES + TEXT_CASES
    assert {o.case.mutation for o in text.outcomes} == set(MUTATIONS)
    findings = [
        (o.case.seed_path.name, o.case.mutation, o.case.seed, o.kind, o.detail) for o in outcomes if not o.passed
    ]
    assert findings == []
    kinds = [o.kind for o in outcomes]
    # Both ends must occur, or the damage is too mild (or too harsh) to test anything.
    assert "ok" in kinds and "bad_input" in kinds, kinds
    # OCR really ran on damaged frames of the text fixture in some case that ended well.
    assert any(o.kind == "ok" for o in text.outcomes)
