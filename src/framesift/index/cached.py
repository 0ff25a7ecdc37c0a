"""The cache policy of the analysis: load it from the index, or build it once under the entry lock.

A second process asking for the same video while the first is still analysing waits on the
entry's lock and then loads what the first wrote, instead of decoding the video twice.
"""

from __future__ import annotations

import os
import time

from ..analysis import Analysis, AnalysisOptions, run_analysis
from ..progress import ProgressFn
from ..signals.embedders import Embedder, load_embedder
from .store import IndexStore
from .visual import attach_visual

__all__ = ["cached_analysis"]


def cached_analysis(
    video: str | os.PathLike[str],
    store: IndexStore,
    options: AnalysisOptions,
    *,
    model: str | Embedder | None = None,
    progress: ProgressFn | None = None,
    device: str = "auto",
) -> Analysis:
    """The analysis of ``video`` from ``store`` when it holds one for this content and ``options``, else built and stored.

    With ``model``, the analysis's ``visual`` gets every row of this model stored in the entry
    and the stored model-size images (decoded once if the entry has none at this size).
    """
    t0 = time.perf_counter()
    embedder = load_embedder(model, device=device) if model is not None else None  # a bad --model fails before any work
    entry = store.entry(video, **options.key_args())
    analysis = entry.load_analysis(video)
    if analysis is None:
        # Another process may be building this very entry: wait for it instead of doing it twice.
        with entry.lock():
            analysis = entry.load_analysis(video)
            if analysis is None:
                miss = entry.last_miss
                analysis = run_analysis(video, options, model=embedder, progress=progress, device=device)
                t1 = time.perf_counter()
                entry.put_analysis(analysis)
                if analysis.visual is not None and embedder is not None:  # keep the model-size images
                    attach_visual(analysis, entry, embedder, decoded=analysis.visual.images)
                analysis.timings["index_write"] = round(time.perf_counter() - t1, 4)
                if miss and miss != "absent":
                    analysis.notes.append(f"index entry rebuilt ({miss})")
                analysis.entry = entry
                return analysis
    analysis.timings = {"index_load": round(time.perf_counter() - t0, 4)}
    analysis.notes.append("analysis loaded from the index (decoded earlier)")
    analysis.entry = entry
    if embedder is not None:
        t1 = time.perf_counter()
        images = attach_visual(analysis, entry, embedder, progress=progress).images
        analysis.timings["index_visual"] = round(time.perf_counter() - t1, 4)
        decoded = getattr(images, "decoded", 0)
        if decoded:
            analysis.notes.append(
                f"decoded {decoded} candidates at {images.side} px for the visual model (stored in the index)"
            )
    return analysis
