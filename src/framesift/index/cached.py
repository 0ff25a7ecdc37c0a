"""The cache policy of the analysis: load it from the index, or build it once under the entry lock.

A second process asking for the same video while the first is still analysing waits on the
entry's lock and then loads what the first wrote, instead of decoding the video twice.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack

from ..analysis import Analysis, AnalysisOptions, run_analysis
from ..errors import os_reason
from ..progress import ProgressFn
from ..signals.embedders import Embedder, load_embedder
from .store import IndexStore
from .visual import attach_visual

__all__ = ["CACHE_ERROR", "cached_analysis"]

#: ``Analysis.memo`` key: why the index could not store this analysis (absent when it did).
CACHE_ERROR = "index_write_error"


def _unstored(analysis: Analysis, store: IndexStore, exc: OSError) -> Analysis:
    """Record that the index could not take this analysis: the answer stands, the cache is lost."""
    analysis.notes.append(
        f"the index at {store.root} cannot be written ({os_reason(exc)}); this analysis was not stored"
    )
    analysis.memo[CACHE_ERROR] = f"{store.root}: index cannot be written ({os_reason(exc)})"
    analysis.entry = None
    return analysis


def cached_analysis(
    video: str | os.PathLike,
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

    A cache that cannot be written (read-only, full, a lock that cannot be created) costs the
    cache, never the answer: the analysis is computed as without a cache, ``entry`` stays None,
    a note says so and ``memo[CACHE_ERROR]`` holds the one-line reason (``framesift index``
    turns it into its error, since storing is all it is asked to do).
    """
    t0 = time.perf_counter()
    embedder = load_embedder(model, device=device) if model is not None else None  # a bad --model fails before any work
    entry = store.entry(video, **options.key_args())
    analysis = entry.load_analysis(video)
    if analysis is None:
        with ExitStack() as stack:
            # Another process may be building this very entry: wait for it instead of doing it twice.
            try:
                stack.enter_context(entry.lock())
            except OSError as exc:  # no lock file can be made: the cache is not writable
                return _unstored(run_analysis(video, options, model=embedder, progress=progress), store, exc)
            analysis = entry.load_analysis(video)
            if analysis is None:
                miss = entry.last_miss
                analysis = run_analysis(video, options, model=embedder, progress=progress, device=device)
                t1 = time.perf_counter()
                try:
                    entry.put_analysis(analysis)
                except OSError as exc:  # full or read-only: nothing half-written stays (temp + rename)
                    return _unstored(analysis, store, exc)
                if analysis.visual is not None and embedder is not None:  # keep the model-size images
                    try:
                        attach_visual(analysis, entry, embedder, decoded=analysis.visual.images)
                    except OSError as exc:  # the analysis is stored; the images are not (decoded again later)
                        analysis.notes.append(f"could not store the model-size images in the index ({os_reason(exc)})")
                analysis.timings["index_write"] = round(time.perf_counter() - t1, 4)
                if miss and miss != "absent":
                    analysis.notes.append(f"index entry rebuilt ({miss})")
                analysis.entry = entry
                return analysis
    analysis.timings = {"index_load": round(time.perf_counter() - t0, 4)}
    analysis.notes.append("analysis loaded from the index (decoded earlier)")
    analysis.entry = entry
    analysis.from_index = True
    if embedder is not None:
        t1 = time.perf_counter()
        images = attach_visual(analysis, entry, embedder, progress=progress).images
        analysis.timings["index_visual"] = round(time.perf_counter() - t1, 4)
        decoded = getattr(images, "decoded", 0)
        if getattr(images, "unstored", False):
            analysis.notes.append(
                f"decoded {decoded} candidates at {images.side} px for the visual model "
                "(the index cannot be written: not stored)"
            )
        elif decoded:
            analysis.notes.append(
                f"decoded {decoded} candidates at {images.side} px for the visual model (stored in the index)"
            )
    return analysis
