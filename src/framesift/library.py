"""Index a library of videos and search it for moments (the task-level side of the index).

:func:`index_video` makes sure a video's analysis (and, with an embedder, the visual embeddings
of all its candidates) is in the store; :func:`search` ranks moments across every given or
indexed video for a text query.

Search channels: the subtitle and on-screen-text channels are exactly :func:`framesift.select`'s
(MiniLM similarity plus keyword overlap, with the text vectors read from the index so only the
query is embedded); the visual channel is the dot product of each candidate's stored embedding
with the query's text embedding, found with one DuckDB query over the Parquet files of every
video (:meth:`IndexStore.vector_search`). The two scales are not comparable (a good CLIP match
scores ~0.3, a good MiniLM match ~0.7), so when both channels exist they are combined by
reciprocal rank fusion, ``sum 1 / (60 + rank)`` (Cormack, Clarke & Buettcher, SIGIR 2009).
Neighbouring candidates showing the same moment are merged by keeping the best one within
``min_gap_s`` seconds (temporal non-maximum suppression).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ._atomic import write_bytes_atomic
from ._imaging import encode_jpeg
from .analysis import Analysis, AnalysisOptions, OcrSetting
from .errors import InputError
from .index.cached import cached_analysis
from .index.store import IndexStore, VideoEntry, open_store
from .index.visual import embed_all
from .progress import ProgressFn
from .scoring.relevance import best_text_channel, score_text
from .signals.embedders import Embedder, load_embedder
from .video.decode import iter_decoded, to_rgb

__all__ = ["IndexResult", "Moment", "VIDEO_SUFFIXES", "index_video", "index_videos", "resolve_videos", "search"]

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv")
_RRF_K = 60


def resolve_videos(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given; directories expanded to the video files under them (recursively, sorted)."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES)
            if not found:
                raise InputError(f"{p}: no video files in this directory")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return list(dict.fromkeys(out))


@dataclass
class IndexResult:
    """What :func:`index_video` did: ``status`` is ``"indexed"`` (analysed now), ``"cached"``
    (found in the store) or ``"rebuilt"`` (an older or damaged entry was replaced)."""

    video: str
    status: str
    candidates: int
    embedded: int = 0
    model_id: str | None = None
    seconds: float = 0.0
    entry: VideoEntry | None = field(default=None, repr=False)
    #: the analysis as loaded or built (dropped by callers that index many videos)
    analysis: Analysis | None = field(default=None, repr=False)
    #: the entry's directory when ``entry`` is not at hand (a Ray worker wrote it)
    entry_dir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "status": self.status,
            "candidates": self.candidates,
            "embedded_now": self.embedded,
            "model_id": self.model_id,
            "seconds": round(self.seconds, 3),
            "entry": str(self.entry.dir) if self.entry else self.entry_dir,
        }


def index_video(
    video: str | os.PathLike,
    *,
    cache: bool | str | os.PathLike[str] | IndexStore = True,
    model: str | Embedder | None = None,
    subtitles: str | os.PathLike[str] | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: OcrSetting = "auto",
    progress: ProgressFn | None = None,
) -> IndexResult:
    """Make sure ``video`` is in the index: its analysis, plus with ``model`` (a spec for
    :func:`~framesift.signals.embedders.load_embedder` or an Embedder) the model-size images and
    the embeddings of *all* candidates, through the same :func:`framesift.analyze` path ``select``
    uses (rows are written as they are computed: a killed run resumes with the missing ones)."""
    t0 = time.perf_counter()
    options = AnalysisOptions.of(fps=fps, events=events, ocr=ocr, subtitles=subtitles)
    store = _store(cache)
    analysis = cached_analysis(video, store, options, model=model, progress=progress)
    entry = analysis.entry
    if "index_write" not in analysis.timings:
        status = "cached"
    elif any(n.startswith("index entry rebuilt") for n in analysis.notes):
        status = "rebuilt"
    else:
        status = "indexed"
    embedded = 0
    if analysis.visual is not None:
        embedded = embed_all(analysis, progress=progress)
        if embedded and status == "cached":
            status = "indexed"
    return IndexResult(
        video=str(video),
        status=status,
        candidates=len(analysis.candidates),
        embedded=embedded,
        model_id=analysis.visual.model_id if analysis.visual is not None else None,
        seconds=time.perf_counter() - t0,
        entry=entry if isinstance(entry, VideoEntry) else None,
        analysis=analysis,
    )


def index_videos(
    videos: Iterable[str | os.PathLike],
    *,
    cache: Any = True,
    model: str | Embedder | None = None,
    fps: float = 1.0,
    events: bool = True,
    ocr: Any = "auto",
    ray: bool | str | None = None,
    ray_cpus: float = 1.0,
    ray_gpus: float = 0.0,
    progress: ProgressFn | None = None,
    on_result: Callable[[IndexResult], None] | None = None,
) -> list[IndexResult]:
    """Index many videos (files, or directories searched recursively) into one store.

    ``ray``: None / False runs them one after another in this process; ``True`` or ``"local"``
    starts a local Ray cluster, any other string is a Ray address (``"auto"``, ``ray://host:port``):
    one Ray Data task per video with ``ray_cpus`` CPUs and ``ray_gpus`` GPUs each, writing into
    the same index (:mod:`framesift.index.ray_index`; ``cache`` must then be a directory every
    worker can reach). ``on_result`` is called per video as it finishes (serial path) or at the end.
    """
    paths = resolve_videos(videos)
    store = open_store(cache if cache is not False else True)
    assert store is not None
    if ray is None or ray is False:
        results = []
        for p in paths:
            r = index_video(p, cache=store, model=model, fps=fps, events=events, ocr=ocr, progress=progress)
            r.analysis = None  # memory stays flat over a large library
            results.append(r)
            if on_result is not None:
                on_result(r)
        return results
    from .index.ray_index import index_videos_ray

    if model is not None and not isinstance(model, str):
        spec = getattr(model, "spec", None)
        if not isinstance(spec, str):
            raise InputError("with ray, model must be a spec string (each worker loads its own copy)", param="model")
        model = spec
    rows = index_videos_ray(
        paths,
        index_video,
        cache_root=store.root,
        address=None if ray is True else str(ray),
        model=model,
        fps=fps,
        events=events,
        ocr=ocr,
        num_cpus=ray_cpus,
        num_gpus=ray_gpus,
    )
    results = [
        IndexResult(
            video=r["video"],
            status=r["status"],
            candidates=int(r["candidates"]),
            embedded=int(r["embedded_now"]),
            model_id=r["model_id"],
            seconds=float(r["seconds"]),
            entry_dir=r["entry"],
        )
        for r in rows
    ]
    if on_result is not None:
        for r in results:
            on_result(r)
    return results


@dataclass
class Moment:
    """One search hit: a video, a time in it (and the candidate's original frame index), its
    scores per channel, the text that matched (if any) and a thumbnail JPEG."""

    video: str
    time: float
    index: int
    score: float
    scores: dict[str, float]
    channel: str
    text: str | None
    thumbnail: str | None
    video_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "time": round(self.time, 3),
            "index": self.index,
            "score": round(self.score, 5),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "channel": self.channel,
            "text": self.text,
            "thumbnail": self.thumbnail,
            "video_hash": self.video_hash,
        }


@dataclass
class _Scored:
    path: str
    entry: VideoEntry
    times: np.ndarray
    index: np.ndarray
    channels: dict[str, np.ndarray]
    evidence: list[str | None]
    #: 1-based rank of each candidate among the library-wide visual hits (inf: not a hit)
    visual_rank: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _ranks(values: np.ndarray) -> np.ndarray:
    """1-based rank of each value among the positive ones (descending); inf where not positive."""
    ranks = np.full(values.shape, np.inf)
    pos = np.flatnonzero(values > 0)
    order = pos[np.argsort(-values[pos], kind="stable")]
    ranks[order] = np.arange(1, order.size + 1)
    return ranks


def _nms(times: np.ndarray, score: np.ndarray, gap: float, limit: int) -> list[int]:
    picks: list[int] = []
    for k in np.argsort(-score, kind="stable"):
        if score[k] <= 0 or len(picks) >= limit:
            break
        if all(abs(times[k] - times[j]) >= gap for j in picks):
            picks.append(int(k))
    return picks


def search(
    videos: str | os.PathLike | Sequence[str | os.PathLike] | None,
    query: str,
    *,
    top: int = 10,
    cache: bool | str | os.PathLike[str] | IndexStore = True,
    model: str | Embedder | None = None,
    index_missing: bool = True,
    fps: float = 1.0,
    events: bool = True,
    ocr: OcrSetting = "auto",
    min_gap_s: float = 5.0,
    thumbs_dir: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
) -> list[Moment]:
    """Rank moments for ``query`` across ``videos`` (files or directories; None = every indexed video).

    Videos not in the index yet are indexed first (``index_missing``) or skipped. With a
    ``model`` (a spec for :func:`~framesift.signals.embedders.load_embedder` or an Embedder), its
    stored candidate embeddings give a visual channel; candidates of the given videos not embedded
    yet are embedded first (unless ``index_missing`` is False). Returns at most ``top`` moments, best first, each with a
    thumbnail JPEG written under ``thumbs_dir`` (default: ``<cache>/thumbs``).
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError("search needs a non-empty query", param="query")
    if top < 1:
        raise InputError(f"top must be at least 1 (got {top})", param="top")
    embedder = load_embedder(model) if model is not None else None
    store = _store(cache)
    targets = _targets(store, videos, fps=fps, events=events, ocr=ocr)
    scored: list[_Scored] = []
    for k, (path, entry) in enumerate(targets):
        if index_missing and path and Path(path).is_file():  # analyses it, or embeds what is missing
            analysis = index_video(path, cache=store, model=embedder, fps=fps, events=events, ocr=ocr).analysis
        else:
            analysis = entry.load_analysis(path or "")
        if analysis is None:
            continue
        channels, ev = score_text(query, analysis)
        evidence = ev.best_text(channels, len(analysis.candidates))
        scored.append(
            _Scored(
                path=str(path),
                entry=entry,
                times=analysis.candidates.time.copy(),
                index=analysis.candidates.index.copy(),
                channels=channels,
                evidence=evidence,
            )
        )
        del analysis  # keep only the per-candidate scores: memory stays flat over a large library
        if progress:
            progress("search", k + 1, len(targets))
    if not scored:
        return []
    if embedder is not None:
        qv = np.asarray(embedder.encode_texts([query]), dtype=np.float32)[0]
        hits = store.vector_search(embedder.model_id, qv, max(top * 50, 200), entries=[s.entry for s in scored])
        by_entry = {(s.entry.video_hash, s.entry.settings_key): s for s in scored}
        for s in scored:
            s.channels["visual"] = np.zeros(len(s.times), np.float32)
            s.visual_rank = np.full(len(s.times), np.inf)
        # Rank by the cosine itself, whatever its sign: CLIP-family cosines of a good match can be
        # negative for some models, and only their order matters for the fusion.
        for rank, (vh, sk, pos, val) in enumerate(hits, 1):
            hit = by_entry.get((vh, sk))
            if hit is not None and pos < len(hit.times):
                hit.channels["visual"][pos] = val
                hit.visual_rank[pos] = rank
    # Library-wide fusion: text = best text channel (as in select); visual fused by rank.
    text = [best_text_channel(s.channels, len(s.times)) for s in scored]
    sizes = [len(s.times) for s in scored]
    flat_text = np.concatenate(text)
    if embedder is not None:
        flat_vis_rank = np.concatenate([s.visual_rank for s in scored])
        fused_flat = 1.0 / (_RRF_K + _ranks(flat_text)) + 1.0 / (_RRF_K + flat_vis_rank)
    else:
        fused_flat = flat_text.astype(np.float64)
    fused = np.split(fused_flat, np.cumsum(sizes)[:-1])
    found: list[tuple[float, _Scored, int]] = []
    for s, f in zip(scored, fused):
        for k in _nms(s.times, f, min_gap_s, top):
            found.append((float(f[k]), s, k))
    found.sort(key=lambda it: -it[0])
    found = found[:top]
    thumbs_root = Path(thumbs_dir) if thumbs_dir is not None else store.root / "thumbs"
    moments = []
    for score, s, k in found:
        scores = {c: float(v[k]) for c, v in s.channels.items()}
        text_scores = {c: v for c, v in scores.items() if c != "visual"}
        if text_scores and max(text_scores.values()) > 0:
            channel = max(text_scores, key=lambda c: text_scores[c])
        else:
            channel = "visual" if np.isfinite(s.visual_rank[k]) else "none"
        moments.append(
            Moment(
                video=s.path,
                time=float(s.times[k]),
                index=int(s.index[k]),
                score=score,
                scores=scores,
                channel=channel,
                text=s.evidence[k],
                thumbnail=None,
                video_hash=s.entry.video_hash,
            )
        )
    _write_thumbnails(moments, found, thumbs_root)
    return moments


def _store(cache: bool | str | os.PathLike[str] | IndexStore) -> IndexStore:
    """The store ``cache`` names; corpus tasks always use one (``False`` means the default)."""
    store = open_store(cache if cache is not False else True)
    assert store is not None
    return store


def _targets(store: IndexStore, videos, *, fps, events, ocr) -> list[tuple[str | None, VideoEntry]]:
    if videos is None or (not isinstance(videos, (str, os.PathLike)) and len(videos) == 0):
        out: list[tuple[str | None, VideoEntry]] = []
        seen: set[str] = set()
        for s in store.entries():
            if s.valid and s.video_hash not in seen:
                seen.add(s.video_hash)
                out.append((s.video or "", VideoEntry(store, s.video_hash, s.settings_key, s.settings)))
        return out
    paths = resolve_videos([videos] if isinstance(videos, (str, os.PathLike)) else videos)
    return [(str(p), store.entry(p, fps=fps, events=events, ocr=ocr)) for p in paths]


def _write_thumbnails(moments: list[Moment], found, root: Path, side: int = 320) -> None:
    """One JPEG per moment (320 px from the video; the stored 64-px thumbnail if the video is gone)."""
    root.mkdir(parents=True, exist_ok=True)
    loaded: dict[int, Any] = {}
    for m, (_, s, k) in zip(moments, found):
        out = root / f"{s.entry.video_hash}-{m.index:08d}.jpg"
        if not out.exists():
            img = None
            if id(s) not in loaded:
                loaded[id(s)] = s.entry.load_analysis(s.path)
            analysis = loaded[id(s)]
            if analysis is not None:
                try:
                    for _, frame in iter_decoded(s.path, analysis.table, np.array([m.index], dtype=np.int64)):
                        img = Image.fromarray(to_rgb(frame, analysis.info, side))
                        break
                except Exception:  # noqa: BLE001 - the video moved or broke: fall back to the stored thumbnail
                    img = None
                if img is None:
                    img = Image.fromarray(analysis.candidates.thumbs[k])
            if img is None:
                continue
            write_bytes_atomic(out, encode_jpeg(img, 88))
        m.thumbnail = str(out)
