"""Read users' local copies of benchmark annotations into :class:`BenchItem` lists.

Each adapter reads a dataset's *published* annotation file as it is distributed (the source of
each format is cited in the adapter's docstring) and resolves video paths against a video folder
(``videos``; by default the conventional folder next to the annotations). Videos are not needed
to read annotations; they are needed to run ``bench grounding``/``bench qa``.

:func:`load_dataset` picks the adapter from ``kind`` or, when it is ``None``, from the file's
name and content. A file that is missing, unreadable or not in the expected shape raises
:class:`~framesift.errors.InputError` with one line naming the file and the problem.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError
from .items import LETTERS, BenchItem

__all__ = ["DATASETS", "load_dataset", "parse_time_reference"]

_VIDEO_EXTS = (".mp4", ".mkv", ".webm", ".avi", ".mov")


def _video_path(folder: Path, name: str) -> str:
    """``folder/name``; when ``name`` has no extension, the first existing ``name.<ext>``."""
    p = folder / name
    if p.suffix.lower() in _VIDEO_EXTS or p.exists():
        return str(p)
    for ext in _VIDEO_EXTS:
        if (folder / f"{name}{ext}").exists():
            return str(folder / f"{name}{ext}")
    return str(folder / f"{name}.mp4")


def _read_text(path: Path) -> str:
    """The file as UTF-8 text, or one clear line (exit code 2) saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from exc


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc


def _read_jsonl(path: Path) -> list[Any]:
    rows = []
    lines = _read_text(path).splitlines()
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {n} is not valid JSON ({exc.msg})") from exc
    return rows


def _need(row: Any, keys: tuple[str, ...], path: Path, where: str) -> None:
    if not isinstance(row, dict):
        raise InputError(f"{path}: {where} is not an object")
    missing = [k for k in keys if k not in row]
    if missing:
        raise InputError(f"{path}: {where} lacks {', '.join(missing)}")


def _letter(k: int, n: int, path: Path, where: str) -> str:
    if not 0 <= k < n:
        raise InputError(f"{path}: {where}: answer index {k} outside the {n} options")
    return LETTERS[k]


# --------------------------------------------------------------------------------------------
# Adapters
# --------------------------------------------------------------------------------------------


def load_nextgqa(path: Path, videos: Path | None) -> list[BenchItem]:
    """NExT-GQA: ``gsub_{val,test}.json`` evidence spans + the NExT-QA-style ``{val,test}.csv``.

    Format (doc-doc/NExT-GQA, ``datasets/nextgqa``): the CSV has the header
    ``video_id,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4`` where
    ``answer`` is the correct option's text (NExT-QA's own CSVs hold its index 0-4; both are
    accepted); ``gsub_<split>.json`` maps ``video_id -> {"duration", "fps", "location":
    {qid: [[start, end], ...]}}`` in seconds. ``path`` may be either file; the other one is found
    beside it (``val.csv`` <-> ``gsub_val.json``). Videos: ``<videos>/<video_id>.mp4``.
    """
    if path.suffix == ".json":
        gsub_path = path
        csv_path = path.with_name(path.name.replace("gsub_", "").replace(".json", ".csv"))
    else:
        csv_path = path
        gsub_path = path.with_name(f"gsub_{path.stem}.json")
    if not csv_path.exists():
        raise InputError(f"{path}: NExT-GQA needs its QA file {csv_path.name} beside it")
    gsub = _read_json(gsub_path) if gsub_path.exists() else {}
    if not isinstance(gsub, dict):
        raise InputError(f"{gsub_path}: expected an object keyed by video_id")
    folder = videos or csv_path.parent / "videos"
    items = []
    try:
        with csv_path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{csv_path}: cannot read ({exc})") from exc
    for n, row in enumerate(rows, 2):
        _need(row, ("video_id", "question", "answer", "qid", "a0"), csv_path, f"row {n}")
        opts = [row[f"a{k}"] for k in range(5) if row.get(f"a{k}") not in (None, "")]
        ans = row["answer"].strip()
        if ans.isdigit():
            k = int(ans)
        elif ans in opts:
            k = opts.index(ans)
        else:
            raise InputError(f"{csv_path}: row {n}: answer {ans!r} is none of the options")
        vid = str(row["video_id"])
        ent = gsub.get(vid, {})
        spans = [(float(s), float(e)) for s, e in ent.get("location", {}).get(str(row["qid"]), [])]
        items.append(
            BenchItem(
                id=f"{vid}_{row['qid']}",
                dataset="nextgqa",
                video=_video_path(folder, vid),
                question=row["question"],
                options=opts,
                answer=_letter(k, len(opts), csv_path, f"row {n}"),
                spans=spans,
                duration=float(ent["duration"]) if "duration" in ent else None,
                meta={"type": row.get("type")},
            )
        )
    return items


def load_charades_sta(path: Path, videos: Path | None) -> list[BenchItem]:
    """Charades-STA: ``charades_sta_{train,test}.txt``, one query per line.

    Format (jiyanggao/TALL, the original release): ``<video_id> <start> <end>##<sentence>``, times
    in seconds. Grounding only: no options, no answer. Videos: ``<videos>/<video_id>.mp4``
    (Charades_v1_480 by default).
    """
    folder = videos or path.parent / "Charades_v1_480"
    items = []
    lines = _read_text(path).splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        head, sep, sentence = line.partition("##")
        parts = head.split()
        if not sep or len(parts) != 3:
            raise InputError(f"{path}: line {n} is not '<video> <start> <end>##<sentence>'")
        try:
            s, e = float(parts[1]), float(parts[2])
        except ValueError as exc:
            raise InputError(f"{path}: line {n}: start/end are not numbers") from exc
        items.append(
            BenchItem(
                id=f"{parts[0]}_{n}",
                dataset="charades-sta",
                video=_video_path(folder, parts[0]),
                question=sentence.strip(),
                spans=[(s, e)],
            )
        )
    return items


def load_qvhighlights(path: Path, videos: Path | None) -> list[BenchItem]:
    """QVHighlights: Moment-DETR's ``highlight_{train,val,test}_release.jsonl``.

    Format (jayleicn/moment_detr, ``data/``): one JSON object per line with ``qid, query,
    duration, vid`` (``<youtube id>_<start>_<end>``), ``relevant_windows`` ([[start, end], ...]
    seconds; absent on the test split), ``relevant_clip_ids`` and ``saliency_scores``.
    Grounding only. Videos: ``<videos>/<vid>.mp4``.
    """
    folder = videos or path.parent / "videos"
    items = []
    for n, row in enumerate(_read_jsonl(path), 1):
        _need(row, ("qid", "query", "vid"), path, f"line {n}")
        spans = [(float(s), float(e)) for s, e in row.get("relevant_windows", [])]
        items.append(
            BenchItem(
                id=str(row["qid"]),
                dataset="qvhighlights",
                video=_video_path(folder, row["vid"]),
                question=row["query"],
                spans=spans,
                duration=row.get("duration"),
            )
        )
    return items


_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:\.\d+)?"


def _clock(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs


def parse_time_reference(text: str) -> list[tuple[float, float]]:
    """LVBench ``time_reference`` strings (``"00:15-00:19"``, ``"1:02:03-1:02:10"``, several
    separated by commas) as ``[(start, end), ...]`` seconds; a lone time becomes a point span."""
    spans = []
    for m in re.finditer(rf"({_TIME})\s*(?:-|–|to)?\s*({_TIME})?", text or ""):
        s = _clock(m.group(1))
        e = _clock(m.group(2)) if m.group(2) else s
        spans.append((min(s, e), max(s, e)))
    return spans


def load_lvbench(path: Path, videos: Path | None) -> list[BenchItem]:
    """LVBench: ``video_info.meta.jsonl`` (HF ``THUDM/LVBench``, read by THUDM/LVBench).

    Format: one video per line, ``{"key": <youtube id>, "type", "video_info": {...}, "qa":
    [{"uid", "question", "answer", "question_type": [...], "time_reference": "MM:SS-MM:SS"}]}``
    where ``question`` holds the options as ``\\n(A) ...\\n(B) ...`` and ``answer`` is a letter.
    ``time_reference`` becomes the evidence spans. Videos: ``<videos>/<key>.mp4``.
    """
    folder = videos or path.parent / "videos"
    items: list[BenchItem] = []
    for n, row in enumerate(_read_jsonl(path), 1):
        _need(row, ("key", "qa"), path, f"line {n}")
        for q in row["qa"]:
            _need(q, ("question", "answer"), path, f"line {n} qa")
            stem, *opts = re.split(r"\n\s*\([A-J]\)\s*", q["question"])
            info = row.get("video_info") or {}
            dur = info.get("duration") or (info.get("duration_minutes") and info["duration_minutes"] * 60)
            ans = str(q["answer"]).strip().strip("()")
            if ans not in LETTERS[: len(opts)]:
                raise InputError(f"{path}: line {n}: answer {q['answer']!r} is not one of the option letters")
            items.append(
                BenchItem(
                    id=str(q.get("uid", f"{row['key']}_{len(items)}")),
                    dataset="lvbench",
                    video=_video_path(folder, row["key"]),
                    question=stem.strip(),
                    options=[o.strip() for o in opts],
                    answer=ans,
                    spans=parse_time_reference(q.get("time_reference", "")),
                    duration=float(dur) if dur else None,
                    meta={"question_type": q.get("question_type")},
                )
            )
    return items


def _strip_letter(opt: str) -> str:
    return re.sub(r"^\s*\(?[A-J][\.\):]\s*", "", str(opt)).strip()


def load_videomme(path: Path, videos: Path | None) -> list[BenchItem]:
    """Video-MME: the HF parquet (``lmms-eval/Video-MME``, ``videomme/test-00000-of-00001.parquet``)
    or the official per-video JSON (BradyFU/Video-MME ``evaluation/output_test_template.json``).

    Parquet rows: ``video_id, duration, domain, sub_category, url, videoID, question_id,
    task_type, question, options`` (``["A. ...", ...]``) ``, answer`` (a letter). The JSON is a
    list of videos ``{video_id, duration, domain, sub_category, videoID?, questions: [{question_id,
    task_type, question, options, answer}]}``. No evidence spans. Videos:
    ``<videos>/<videoID>.mp4``; subtitles ``<videos>/../subtitle/<videoID>.srt`` when present.
    """
    folder = videos or path.parent / "data"
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            rows = pq.read_table(path).to_pylist()
        except Exception as exc:  # noqa: BLE001 - any pyarrow failure means the same to the user
            raise InputError(f"{path}: cannot read as parquet ({exc})") from exc
    else:
        data = _read_json(path)
        if not isinstance(data, list):
            raise InputError(f"{path}: expected a list of videos with 'questions'")
        rows = []
        for v in data:
            _need(v, ("video_id", "questions"), path, "a video entry")
            for q in v["questions"]:
                rows.append({**{k: x for k, x in v.items() if k != "questions"}, **q})
    items = []
    for n, row in enumerate(rows, 1):
        _need(row, ("question_id", "question", "options", "answer"), path, f"row {n}")
        vid = row.get("videoID") or row.get("video_id")
        opts = [_strip_letter(o) for o in row["options"]]
        ans = str(row["answer"]).strip() or None
        sub = folder.parent / "subtitle" / f"{vid}.srt"
        items.append(
            BenchItem(
                id=str(row["question_id"]),
                dataset="videomme",
                video=_video_path(folder, str(vid)),
                question=row["question"],
                options=opts,
                answer=ans,
                subtitles=str(sub) if sub.exists() else None,
                meta={"duration_group": row.get("duration"), "task_type": row.get("task_type")},
            )
        )
    return items


def load_longvideobench(path: Path, videos: Path | None) -> list[BenchItem]:
    """LongVideoBench: ``lvb_val.json`` / ``lvb_test_wo_gt.json`` (HF ``longvideobench/LongVideoBench``).

    Format (read by longvideobench/LongVideoBench ``longvideobench_dataset.py``): a list of
    ``{id, video_id, video_path, subtitle_path, duration, starting_timestamp_for_subtitles,
    question, candidates: [...], correct_choice: <int>}`` (no ``correct_choice`` on test). No
    evidence spans. Videos: ``<videos>/<video_path>`` (``videos/`` beside the JSON), subtitles
    ``subtitles/<subtitle_path>`` (JSON, not SRT: passed through in ``meta``).
    """
    folder = videos or path.parent / "videos"
    data = _read_json(path)
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a list of questions")
    items = []
    for n, row in enumerate(data, 1):
        _need(row, ("id", "video_path", "question", "candidates"), path, f"entry {n}")
        opts = [str(c) for c in row["candidates"]]
        cc = row.get("correct_choice")
        ans = _letter(int(cc), len(opts), path, f"entry {n}") if isinstance(cc, int) and cc >= 0 else None
        items.append(
            BenchItem(
                id=str(row["id"]),
                dataset="longvideobench",
                video=str(folder / row["video_path"]),
                question=row["question"],
                options=opts,
                answer=ans,
                duration=row.get("duration"),
                meta={
                    "subtitle_path": row.get("subtitle_path"),
                    "question_category": row.get("question_category"),
                    "starting_timestamp_for_subtitles": row.get("starting_timestamp_for_subtitles"),
                },
            )
        )
    return items


def load_mlvu(path: Path, videos: Path | None) -> list[BenchItem]:
    """MLVU dev: the per-task JSON files of ``MLVU/json/`` (HF ``MVLU/MLVU``, read by
    JUNJIE99/MLVU ``choice_bench.py``), e.g. ``1_plotQA.json``, ``2_needle.json``.

    Format: a list of ``{video, duration, question, candidates: [...], answer: <option text>,
    question_type}``. ``path`` may be one file or the ``json/`` folder (the open-ended
    ``8_sub_scene``/``9_summary`` files, which have no candidates, are skipped). Videos:
    ``<videos>/<video>``, by default ``../video/<task>/`` as MLVU ships them.
    """
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    items = []
    for f in files:
        data = _read_json(f)
        if not isinstance(data, list):
            raise InputError(f"{f}: expected a list of questions")
        task = re.sub(r"^\d+_", "", f.stem)
        if data and isinstance(data[0], dict) and "candidates" not in data[0]:
            continue  # generation task
        folder = videos or f.parent.parent / "video" / task
        for n, row in enumerate(data, 1):
            _need(row, ("video", "question", "candidates", "answer"), f, f"entry {n}")
            opts = [str(c) for c in row["candidates"]]
            if row["answer"] not in opts:
                raise InputError(f"{f}: entry {n}: answer {row['answer']!r} is none of the candidates")
            items.append(
                BenchItem(
                    id=f"{task}_{n - 1}",
                    dataset="mlvu",
                    video=str(folder / row["video"]),
                    question=row["question"],
                    options=opts,
                    answer=LETTERS[opts.index(row["answer"])],
                    duration=row.get("duration"),
                    meta={"question_type": row.get("question_type", task)},
                )
            )
    return items


def load_needles(path: Path, videos: Path | None) -> list[BenchItem]:
    """framesift's own needle set (``framesift bench make-needles``): ``needles.json`` in its folder."""
    from .needles import MANIFEST_NAME, read_needle_items

    manifest = path / MANIFEST_NAME if path.is_dir() else path
    return read_needle_items(manifest, videos)


DATASETS: dict[str, Callable[[Path, Path | None], list[BenchItem]]] = {
    "needles": load_needles,
    "nextgqa": load_nextgqa,
    "charades-sta": load_charades_sta,
    "qvhighlights": load_qvhighlights,
    "lvbench": load_lvbench,
    "videomme": load_videomme,
    "longvideobench": load_longvideobench,
    "mlvu": load_mlvu,
}


def _guess(path: Path) -> str | None:
    name = path.name.lower()
    if path.is_dir():
        if (path / "needles.json").exists():
            return "needles"
        if list(path.glob("*plotQA*.json")) or list(path.glob("*needle*.json")):
            return "mlvu"
        return None
    if name == "needles.json":
        return "needles"
    if name.startswith("gsub_") or (name.endswith(".csv") and path.with_name(f"gsub_{path.stem}.json").exists()):
        return "nextgqa"
    if name.startswith("charades_sta") or (name.endswith(".txt") and "##" in path.read_text(errors="replace")[:2000]):
        return "charades-sta"
    if name.startswith("highlight_") or "qvhighlight" in name:
        return "qvhighlights"
    if name == "video_info.meta.jsonl" or "lvbench" in name and name.endswith(".jsonl"):
        return "lvbench"
    if name.startswith("lvb_"):
        return "longvideobench"
    if name.endswith(".parquet") or "videomme" in name or "video-mme" in name or "output_test_template" in name:
        return "videomme"
    if re.match(r"\d+_\w+\.json$", name):
        return "mlvu"
    return None


def load_dataset(
    path: str | Path, *, kind: str | None = None, videos: str | Path | None = None, limit: int | None = None
) -> list[BenchItem]:
    """Read a benchmark's annotations (``kind``: one of :data:`DATASETS`, or ``None`` to detect)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if kind is None:
        kind = _guess(path)
        if kind is None:
            raise InputError(f"{path}: unknown dataset format (pass kind, one of {', '.join(DATASETS)})", param="kind")
    if kind not in DATASETS:
        raise InputError(f"unknown dataset kind {kind!r} (expected one of {', '.join(DATASETS)})")
    try:
        items = DATASETS[kind](path, Path(videos) if videos else None)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise InputError(f"{path}: malformed {kind} annotations ({type(exc).__name__}: {exc})") from exc
    if not items:
        raise InputError(f"{path}: no questions found in this {kind} file")
    return items[:limit] if limit else items
