"""Analysis <-> files: Arrow tables for the arrays, JSON for the small fields. No pickles.

Only plain types go to disk (numbers, strings, arrays), so a stored entry can never execute code
when read and stays readable by any Parquet reader.
"""

from __future__ import annotations

import dataclasses
import json
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..analysis import Analysis
from ..signals.ocr import OcrPool, OcrText
from ..video.candidates import CandidateSet
from ..video.decode import ReadPlan
from ..video.probe import FrameTable, SubtitleStreamInfo, VideoInfo
from ..video.subtitles import SubtitleLine, Subtitles
from .hearing import hearing_meta, hearing_tables, load_hearing
from .parquet import read_parquet, vectors_column, vectors_of, write_parquet

__all__ = ["write_analysis", "load_analysis", "text_items_of"]


def text_items_of(analysis: Analysis) -> list[str]:
    """Every text the query is compared with (subtitle cues; OCR lines and joined lines), in the
    form :func:`~framesift.scoring.text_relevance.score_ocr` embeds them."""
    texts: list[str] = []
    if analysis.subtitles and analysis.subtitles.lines:
        texts.extend(ln.text for ln in analysis.subtitles.lines)
    hearing = analysis.hearing
    if hearing is not None and hearing.transcript is not None:
        texts.extend(c.text for c in hearing.transcript.cues)
        texts.extend(t for t in hearing.transcript.sure_texts() if t)  # scored too (score_heard)
    for read in analysis.ocr_reads:
        texts.extend(read.lines)
        if len(read.lines) > 1:
            texts.append(" ".join(read.lines))
    return list(dict.fromkeys(texts))


def _info_to_json(info) -> dict[str, Any]:
    d = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    d["sample_aspect_ratio"] = str(Fraction(d["sample_aspect_ratio"]))
    d["subtitle_streams"] = [dataclasses.asdict(s) for s in d["subtitle_streams"]]
    d["warnings"] = list(d["warnings"])
    return d


def _info_from_json(d: dict[str, Any], path: str) -> VideoInfo:
    known = {f.name for f in dataclasses.fields(VideoInfo)}
    d = {k: v for k, v in d.items() if k in known}
    d["path"] = path
    d["sample_aspect_ratio"] = Fraction(d["sample_aspect_ratio"])
    d["subtitle_streams"] = tuple(SubtitleStreamInfo(**s) for s in d["subtitle_streams"])
    d["warnings"] = tuple(d["warnings"])
    return VideoInfo(**d)


def write_analysis(analysis: Analysis, folder: Path, keys: dict[str, Any]) -> None:
    """Write ``analysis`` into the (new, empty) ``folder``; meta.json last, with file checksums."""
    import pyarrow as pa

    cands, table = analysis.candidates, analysis.table
    n = len(cands)
    thumbs = np.ascontiguousarray(cands.thumbs, dtype=np.uint8)
    row_bytes = int(np.prod(thumbs.shape[1:])) if thumbs.ndim == 4 else 0
    tables: dict[str, pa.Table] = {
        "frames.parquet": pa.table(
            {
                "pts": table.pts.astype(np.int64),
                "time": table.time.astype(np.float64),
                "keyframe": table.keyframe.astype(bool),
                "size": table.size.astype(np.int64),
            }
        ),
        "candidates.parquet": pa.table(
            {
                "index": cands.index.astype(np.int64),
                "time": cands.time.astype(np.float64),
                "source": pa.array([str(s) for s in cands.source], type=pa.string()),
                "change": cands.change.astype(np.float32),
                "transient": cands.transient.astype(bool),
                # fixed-size binary straight from the numpy buffer: no per-row Python objects
                "thumb": pa.FixedSizeBinaryArray.from_buffers(
                    pa.binary(max(row_bytes, 1)), n, [None, pa.py_buffer(thumbs)]
                )
                if row_bytes
                else pa.array([b""] * n, type=pa.binary()),
                "features": vectors_column(analysis.features.reshape(n, -1)),
                # the changed region per candidate (x0, y0, x1, y1; NaN when none): event crops
                "region": pa.FixedSizeListArray.from_arrays(
                    pa.array(
                        (cands.region if cands.region is not None else np.full((n, 4), np.nan))
                        .astype(np.float32)
                        .ravel()
                    ),
                    4,
                ),
            }
        ),
    }
    subs = analysis.subtitles
    if subs is not None:
        tables["subtitles.parquet"] = pa.table(
            {
                "start": pa.array([ln.start for ln in subs.lines], type=pa.float64()),
                "end": pa.array([ln.end for ln in subs.lines], type=pa.float64()),
                "text": pa.array([ln.text for ln in subs.lines], type=pa.string()),
            }
        )
    reads = analysis.ocr_reads
    tables["ocr.parquet"] = pa.table(
        {
            "index": pa.array([r.index for r in reads], type=pa.int64()),
            "time": pa.array([r.time for r in reads], type=pa.float64()),
            "lines": pa.array([list(r.lines) for r in reads], type=pa.list_(pa.string())),
            "confidence": pa.array([r.confidence for r in reads], type=pa.float64()),
            # each line's [x0, y0, x1, y1] (region crops); entries written before 0.3 lack the column
            "boxes": pa.array([[list(b) for b in r.boxes] for r in reads], type=pa.list_(pa.list_(pa.float64()))),
        }
    )
    tables.update(hearing_tables(analysis.hearing))
    texts = text_items_of(analysis)
    if texts:
        vecs = analysis.embed(texts)
        tables["texts.parquet"] = pa.table({"text": pa.array(texts, type=pa.string()), "vector": vectors_column(vecs)})
    files = {}
    for name, t in tables.items():
        write_parquet(t, folder / name, raw=("thumb",))
        files[name] = (folder / name).stat().st_size
    pool = analysis.ocr_pool
    plan = cands.plan
    meta = {
        **keys,
        "created": time.time(),
        "path": str(analysis.path),
        "info": _info_to_json(analysis.info),
        "frame_table": {"time_base": str(table.time_base)},
        "candidates": {
            "count": n,
            "thumb_shape": list(thumbs.shape[1:]),
            "features_dim": int(analysis.features.reshape(n, -1).shape[1]),
            "plan": {"mode": plan.mode, "frames_to_decode": plan.frames_to_decode, "seeks": plan.seeks},
            "frames_decoded": cands.frames_decoded,
            "events_scanned": cands.events_scanned,
            "events_found": cands.events_found,
            "audio_events": cands.audio_events,
            "text_events": cands.text_events,
            "notes": list(cands.notes),
        },
        "subtitles": None if subs is None else {"source": subs.source},
        "hearing": hearing_meta(analysis.hearing),
        "ocr_pool": None
        if pool is None
        else {"max_frames": pool.max_frames, "screened": pool.screened, "read_count": pool.read_count},
        "text_model": "sentence-transformers/all-MiniLM-L6-v2" if texts else None,
        "timings": dict(analysis.timings),
        "notes": list(analysis.notes),
        "files": files,
    }
    tmp = folder / ".meta.json.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    tmp.rename(folder / "meta.json")


def load_analysis(folder: Path, meta: dict[str, Any], path: str) -> Analysis:
    """Rebuild an :class:`~framesift.analysis.Analysis` from a verified entry folder."""

    info = _info_from_json(meta["info"], path)
    ft = read_parquet(folder / "frames.parquet")
    table = FrameTable(
        pts=ft.column("pts").to_numpy(),
        time=ft.column("time").to_numpy(),
        keyframe=ft.column("keyframe").to_numpy(zero_copy_only=False),
        size=ft.column("size").to_numpy(),
        time_base=Fraction(meta["frame_table"]["time_base"]),
    )
    ct = read_parquet(folder / "candidates.parquet")
    cm = meta["candidates"]
    n = ct.num_rows
    shape = tuple(cm["thumb_shape"])
    thumb_col = ct.column("thumb").combine_chunks()
    if n and int(np.prod(shape)):
        buf = np.frombuffer(thumb_col.buffers()[1], dtype=np.uint8)
        width = int(np.prod(shape))
        # a read-only view of the memory-mapped column: no decompression, no copy
        thumbs = buf[thumb_col.offset * width : (thumb_col.offset + n) * width].reshape((n, *shape))
    else:
        thumbs = np.zeros((n, *shape), dtype=np.uint8)
    plan = cm["plan"]
    cands = CandidateSet(
        index=ct.column("index").to_numpy(),
        time=ct.column("time").to_numpy(),
        source=np.asarray(ct.column("source").to_pylist(), dtype="<U8"),
        thumbs=thumbs,
        change=ct.column("change").to_numpy(),
        transient=ct.column("transient").to_numpy(zero_copy_only=False),
        plan=ReadPlan(plan["mode"], int(plan["frames_to_decode"]), int(plan["seeks"])),
        frames_decoded=int(cm["frames_decoded"]),
        events_scanned=bool(cm["events_scanned"]),
        events_found=int(cm["events_found"]),
        audio_events=int(cm.get("audio_events", 0)),
        notes=list(cm["notes"]),
        region=(
            np.asarray(ct.column("region").combine_chunks().flatten(), dtype=np.float32).reshape(n, 4)
            if "region" in ct.column_names
            else None
        ),
        text_events=int(cm.get("text_events", 0)),
    )
    features = vectors_of(ct.column("features"), int(cm["features_dim"]))
    subs = None
    if meta.get("subtitles") is not None:
        st = read_parquet(folder / "subtitles.parquet")
        subs = Subtitles(
            lines=tuple(
                SubtitleLine(float(s), float(e), str(t))
                for s, e, t in zip(
                    st.column("start").to_pylist(), st.column("end").to_pylist(), st.column("text").to_pylist()
                )
            ),
            source=meta["subtitles"]["source"],
        )
    ot = read_parquet(folder / "ocr.parquet")
    boxes_col = ot.column("boxes").to_pylist() if "boxes" in ot.column_names else [[]] * ot.num_rows
    reads = [
        OcrText(
            index=int(i),
            time=float(t),
            lines=tuple(ls),
            confidence=float(c),
            boxes=tuple((float(b[0]), float(b[1]), float(b[2]), float(b[3])) for b in bx or []),
        )
        for i, t, ls, c, bx in zip(
            ot.column("index").to_pylist(),
            ot.column("time").to_pylist(),
            ot.column("lines").to_pylist(),
            ot.column("confidence").to_pylist(),
            boxes_col,
        )
    ]
    pool = None
    if meta.get("ocr_pool") is not None:
        # Only its counters are used after reading (the manifest's signal summary).
        pm = meta["ocr_pool"]
        pool = OcrPool(info, int(pm["max_frames"]))
        pool.screened, pool.read_count = int(pm["screened"]), int(pm["read_count"])
    analysis = Analysis(
        path=path,
        info=info,
        table=table,
        subtitles=subs,
        candidates=cands,
        features=features,
        ocr_reads=reads,
        ocr_pool=pool,
        timings={},
        notes=list(meta.get("notes") or []),
        hearing=load_hearing(folder, meta.get("hearing")),
    )
    if (folder / "texts.parquet").exists():
        tt = read_parquet(folder / "texts.parquet")
        analysis.embed.add(tt.column("text").to_pylist(), vectors_of(tt.column("vector")))
    return analysis
