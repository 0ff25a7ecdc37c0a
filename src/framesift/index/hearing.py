"""The audio part of a stored analysis: the transcript's words (``speech.parquet``) and a small
JSON record (``meta.json`` ``hearing``) of what was heard, skipped and what it cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..signals.hearing import Hearing
from ..signals.speech import Transcript, Word
from ..video.audio import AudioOnset
from .parquet import read_parquet

__all__ = ["hearing_tables", "hearing_meta", "load_hearing"]


def hearing_tables(hearing: Hearing | None) -> dict[str, Any]:
    import pyarrow as pa

    if hearing is None or hearing.transcript is None:
        return {}
    words = hearing.transcript.words
    return {
        "speech.parquet": pa.table(
            {
                "start": pa.array([w.start for w in words], type=pa.float64()),
                "end": pa.array([w.end for w in words], type=pa.float64()),
                "text": pa.array([w.text for w in words], type=pa.string()),
                "probability": pa.array([w.probability for w in words], type=pa.float32()),
            }
        )
    }


def hearing_meta(hearing: Hearing | None) -> dict[str, Any] | None:
    if hearing is None:
        return None
    tr = hearing.transcript
    return {
        "asr": hearing.asr,
        "audio": hearing.audio,
        "decoded": hearing.decoded,
        "with_video": hearing.with_video,
        "audio_seconds": hearing.audio_seconds,
        "decode_seconds": hearing.decode_seconds,
        "skipped": hearing.skipped,
        "notes": list(hearing.notes),
        "onsets": [[o.time, o.rise_db, o.transient] for o in hearing.onsets],
        "transcript": None
        if tr is None
        else {
            "model": tr.model,
            "language": tr.language,
            "language_probability": tr.language_probability,
            "audio_seconds": tr.audio_seconds,
            "speech_seconds": tr.speech_seconds,
            "seconds": tr.seconds,
            "decode_seconds": tr.decode_seconds,
            "batched": tr.batched,
            "vad": tr.vad,
            "notes": list(tr.notes),
        },
    }


def load_hearing(folder: Path, meta: dict[str, Any] | None) -> Hearing | None:
    if meta is None:
        return None
    tr = None
    if meta.get("transcript") is not None:
        t = meta["transcript"]
        st = read_parquet(folder / "speech.parquet")
        words = tuple(
            Word(float(s), float(e), str(x), float(p))
            for s, e, x, p in zip(
                st.column("start").to_pylist(),
                st.column("end").to_pylist(),
                st.column("text").to_pylist(),
                st.column("probability").to_pylist(),
            )
        )
        tr = Transcript(
            words=words,
            model=t["model"],
            language=t["language"],
            language_probability=float(t["language_probability"]),
            audio_seconds=float(t["audio_seconds"]),
            speech_seconds=float(t["speech_seconds"]),
            seconds=float(t["seconds"]),
            decode_seconds=float(t["decode_seconds"]),
            batched=bool(t["batched"]),
            vad=bool(t["vad"]),
            notes=list(t["notes"]),
        )
    return Hearing(
        asr=meta["asr"],
        transcript=tr,
        onsets=[AudioOnset(float(a), float(b), bool(c)) for a, b, c in meta.get("onsets") or ()],
        audio=bool(meta["audio"]),
        decoded=bool(meta["decoded"]),
        with_video=bool(meta.get("with_video", False)),
        audio_seconds=float(meta["audio_seconds"]),
        decode_seconds=float(meta["decode_seconds"]),
        skipped=meta.get("skipped"),
        notes=list(meta.get("notes") or ()),
    )
