"""Fusion, search's text channel and the per-analysis spans of scoring/relevance.py."""

from __future__ import annotations

import numpy as np

import framesift
import framesift.scoring.relevance as relevance
from framesift.scoring.relevance import analysis_spans, best_text_channel, fuse


def test_fuse_takes_the_best_channel_per_candidate():
    channels = {"subtitle": np.array([0.1, 0.9, 0.0], np.float32), "ocr": np.array([0.5, 0.2, 0.0], np.float32)}
    assert fuse(channels, 3).tolist() == [np.float32(0.5), np.float32(0.9), 0.0]
    assert fuse({}, 4).tolist() == [0.0] * 4


def test_best_text_channel_ignores_the_visual_channel():
    channels = {"visual": np.array([1.0, 1.0], np.float32), "ocr": np.array([0.25, 0.0], np.float32)}
    assert best_text_channel(channels, 2).tolist() == [0.25, 0.0]
    assert best_text_channel({"visual": np.ones(2, np.float32)}, 2).tolist() == [0.0, 0.0]


def test_spans_are_computed_once_per_analysis(cfr_video, monkeypatch):
    analysis = framesift.analyze(cfr_video.path, ocr=False)
    calls = {"n": 0}
    real = relevance.find_spans

    def counting(*a, **k):
        calls["n"] += 1
        return real(*a, **k)

    monkeypatch.setattr(relevance, "find_spans", counting)
    first = analysis_spans(analysis)
    second = analysis_spans(analysis)
    assert calls["n"] == 1 and second is first
    assert len(first) == len(analysis.candidates)
    assert np.all(np.diff(first) >= 0) and first[0] == 0  # span ids in time order, 0-based
