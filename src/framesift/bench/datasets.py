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
    for ext in (*_VIDEO_EXTS, *(e.upper() for e in _VIDEO_EXTS)):
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


_TRAILING_COMMA = re.compile(r",(\s*[\]}])")


def _read_json_lenient(path: Path) -> Any:
    """JSON that may carry trailing commas before ``]``/``}`` (as Video-MME's released template does)."""
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    except Exception as exc:  # noqa: BLE001 - any pyarrow failure means the same to the user
        raise InputError(f"{path}: cannot read as parquet ({exc})") from exc


def _parquet_columns(path: Path) -> set[str]:
    try:
        import pyarrow.parquet as pq

        return set(pq.read_schema(path).names)
    except Exception:  # noqa: BLE001 - unreadable: let the adapter say so
        return set()


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
    beside it (``val.csv`` <-> ``gsub_val.json``). NExT-QA's own CSVs (doc-doc/NExT-QA
    ``dataset/nextqa``) name the column ``video`` and hold no spans.

    As released, ``answer`` and ``a0..a4`` can end in a space (NExT-GQA val.csv line 2727,
    test.csv line 4205: ``"synchronise with her friends "``): both sides are compared stripped.
    Videos: ``map_vid_vidorID.json`` beside the CSV maps ``video_id -> "<group>/<vidorID>"``, and
    the videos are ``<videos>/<group>/<vidorID>.mp4`` (``videos`` default: ``NExTVideo/`` beside
    the CSV, as NExT-QA ships them); without the map, ``<videos>/<video_id>.mp4``.
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
    map_path = csv_path.with_name("map_vid_vidorID.json")
    vid_map = _read_json(map_path) if map_path.exists() else {}
    if not isinstance(vid_map, dict):
        raise InputError(f"{map_path}: expected an object video_id -> 'group/vidorID'")
    default = csv_path.parent / "NExTVideo"
    folder = videos or (default if vid_map or default.is_dir() else csv_path.parent / "videos")
    items = []
    try:
        with csv_path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{csv_path}: cannot read ({exc})") from exc
    for n, row in enumerate(rows, 2):
        if "video_id" not in row and "video" in row:
            row["video_id"] = row["video"]  # NExT-QA's column name
        _need(row, ("video_id", "question", "answer", "qid", "a0"), csv_path, f"row {n}")
        opts = [row[f"a{k}"].strip() for k in range(5) if (row.get(f"a{k}") or "").strip()]
        ans = row["answer"].strip()
        if ans.isdigit():
            k = int(ans)
        elif ans in opts:
            k = opts.index(ans)
        else:
            raise InputError(f"{csv_path}: row {n}: answer {ans!r} is none of the options")
        vid = str(row["video_id"]).strip()
        ent = gsub.get(vid, {})
        spans = [(float(s), float(e)) for s, e in ent.get("location", {}).get(str(row["qid"]), [])]
        items.append(
            BenchItem(
                id=f"{vid}_{row['qid']}",
                dataset="nextgqa",
                video=_video_path(folder, str(vid_map.get(vid, vid))),
                question=row["question"].strip(),
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
    (Charades_v1_480 by default). As released, many spans end after the video; when
    ``Charades_v1_test.csv`` (Charades' own annotations, with ``length`` in seconds) is beside
    the file, such spans are clamped to the video's length (the original end is kept in
    ``meta["span_clamped_from"]``) and the length becomes the item's ``duration``.
    """
    folder = videos or path.parent / "Charades_v1_480"
    lengths = _charades_lengths(path.parent)
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
        length = lengths.get(parts[0])
        meta: dict[str, Any] = {}
        if length is not None and e > length:
            meta["span_clamped_from"] = [s, e]  # as released, many spans end after the video
            e = length
            s = min(s, e)
        items.append(
            BenchItem(
                id=f"{parts[0]}_{n}",
                dataset="charades-sta",
                video=_video_path(folder, parts[0]),
                question=sentence.strip(),
                spans=[(s, e)],
                duration=length,
                meta=meta,
            )
        )
    return items


def _charades_lengths(folder: Path) -> dict[str, float]:
    """Video lengths (seconds) from ``Charades_v1_{test,train}.csv`` beside the file, when present."""
    out: dict[str, float] = {}
    for name in ("Charades_v1_test.csv", "Charades_v1_train.csv"):
        f = folder / name
        if not f.exists():
            continue
        try:
            with f.open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    try:
                        out[str(row["id"]).strip()] = float(row["length"])
                    except (KeyError, TypeError, ValueError):
                        continue
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{f}: cannot read ({exc})") from exc
    return out


def load_qvhighlights(path: Path, videos: Path | None) -> list[BenchItem]:
    """QVHighlights: Moment-DETR's ``highlight_{train,val,test}_release.jsonl``.

    Format (jayleicn/moment_detr, ``data/``): one JSON object per line with ``qid, query,
    duration, vid`` (``<youtube id>_<start>_<end>``), ``relevant_windows`` ([[start, end], ...]
    seconds; absent on the test split), ``relevant_clip_ids`` and ``saliency_scores``.
    Grounding only. Videos: ``<videos>/<vid>.mp4``.
    """
    folder = videos or path.parent / "videos"
    items = []
    rows = _read_jsonl(path)
    withheld = bool(rows) and all("relevant_windows" not in r for r in rows if isinstance(r, dict))
    for n, row in enumerate(rows, 1):
        _need(row, ("qid", "query", "vid"), path, f"line {n}")
        spans = [(float(s), float(e)) for s, e in row.get("relevant_windows", [])]
        meta = (
            {
                "spans_withheld": f"{path}: this QVHighlights split has no relevant_windows (the test "
                "labels are withheld for the leaderboard); ground on highlight_val_release.jsonl"
            }
            if withheld
            else {}
        )
        items.append(
            BenchItem(
                id=str(row["qid"]),
                dataset="qvhighlights",
                video=_video_path(folder, row["vid"]),
                question=row["query"],
                spans=spans,
                duration=row.get("duration"),
                meta=meta,
            )
        )
    return items


# MM:SS or H:MM:SS; minutes may have three digits (LVBench writes "00:00-114:16" for videos
# over 100 minutes), so the leading field is unbounded.
_TIME = r"\d+:\d{2}(?::\d{2})?(?:\.\d+)?"
_RANGE = re.compile(rf"^\s*({_TIME}|None)\s*(?:(?:-|–|to)\s*({_TIME}|None))?\s*$")


def _clock(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return secs


def parse_time_reference(text: str | None) -> list[tuple[float, float]]:
    """LVBench ``time_reference`` strings as ``[(start, end), ...]`` seconds.

    Forms as released: ``"00:15-00:19"``, ``"1:02:03-1:02:10"``, three-digit minutes
    (``"00:00-114:16"``), several ranges separated by commas, a lone time (a point span). A range
    with a ``None`` end (``"12:30-None"``) has no usable end: it becomes the point at its start;
    ``None`` alone, or an empty field, gives no span. Anything else raises ``ValueError`` (the
    adapter turns it into one clear line), instead of silently reading part of it.
    """
    if text is None:
        return []
    spans = []
    for part in str(text).split(","):
        if not part.strip() or part.strip() == "None":
            continue
        m = _RANGE.match(part)
        if not m:
            raise ValueError(f"time_reference {text!r}: {part.strip()!r} is not MM:SS[-MM:SS]")
        a, b = m.group(1), m.group(2)
        if a == "None":
            if b is None or b == "None":
                continue
            a, b = b, None  # "None-12:30": only the end is known, keep it as a point
        s = _clock(a)
        e = _clock(b) if b not in (None, "None") else s
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
                    spans=_lvbench_spans(q.get("time_reference"), path, n),
                    duration=float(dur) if dur else None,
                    meta={"question_type": q.get("question_type")},
                )
            )
    return items


def _lvbench_spans(ref: Any, path: Path, n: int) -> list[tuple[float, float]]:
    try:
        return parse_time_reference(ref)
    except ValueError as exc:
        raise InputError(f"{path}: line {n}: {exc}") from exc


def _strip_letter(opt: str) -> str:
    return re.sub(r"^\s*\(?[A-J][\.\):]\s*", "", str(opt)).strip()


def load_videomme(path: Path, videos: Path | None) -> list[BenchItem]:
    """Video-MME: the HF parquet (``lmms-eval/Video-MME``, ``videomme/test-00000-of-00001.parquet``)
    or the official per-video JSON (BradyFU/Video-MME ``evaluation/output_test_template.json``).

    Parquet rows: ``video_id, duration, domain, sub_category, url, videoID, question_id,
    task_type, question, options`` (``["A. ...", ...]``) ``, answer`` (a letter). The JSON is a
    list of videos ``{video_id, duration, domain, sub_category, questions: [{question_id,
    task_type, question, options, answer, response}]}``; as released it is not strict JSON
    (trailing commas) and has no ``videoID``: the YouTube id that names the video files is taken
    from the parquet when one is found (``videomme/*.parquet`` beside or under the folder), else
    the file is looked up by ``video_id``. No evidence spans.

    Layout (the Hugging Face release): ``<root>/videomme/test-....parquet``, videos in
    ``<root>/data/<videoID>.mp4`` (some ``.MP4``), subtitles ``<root>/subtitle/<videoID>.srt``;
    ``root`` is the parquet's folder's parent when that folder is ``videomme/``, else its folder.
    """
    root = path.parent.parent if path.parent.name == "videomme" else path.parent
    folder = videos or root / "data"
    subs_dir = (videos.parent if videos else root) / "subtitle"
    if path.suffix == ".parquet":
        rows = _read_parquet(path)
    else:
        data = _read_json_lenient(path)
        if not isinstance(data, list):
            raise InputError(f"{path}: expected a list of videos with 'questions'")
        rows = []
        for v in data:
            _need(v, ("video_id", "questions"), path, "a video entry")
            for q in v["questions"]:
                rows.append({**{k: x for k, x in v.items() if k != "questions"}, **q})
        ids = _videomme_ids(root, path)
        for row in rows:
            if not row.get("videoID") and str(row["video_id"]) in ids:
                row["videoID"] = ids[str(row["video_id"])]
    items = []
    for n, row in enumerate(rows, 1):
        _need(row, ("question_id", "question", "options", "answer"), path, f"row {n}")
        vid = row.get("videoID") or row.get("video_id")
        opts = [_strip_letter(o) for o in row["options"]]
        ans = str(row["answer"]).strip() or None
        sub = subs_dir / f"{vid}.srt"
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


def _videomme_ids(root: Path, path: Path) -> dict[str, str]:
    """``video_id -> videoID`` from a Video-MME parquet near the template, if there is one."""
    for cand in (*sorted(root.glob("videomme/*.parquet")), *sorted(path.parent.glob("*.parquet"))):
        if {"video_id", "videoID"} <= _parquet_columns(cand):
            return {str(r["video_id"]): str(r["videoID"]) for r in _read_parquet(cand)}
    return {}


def load_longvideobench(path: Path, videos: Path | None) -> list[BenchItem]:
    """LongVideoBench: ``lvb_val.json`` / ``lvb_test_wo_gt.json`` or the HF parquet
    (``longvideobench/LongVideoBench``: ``validation-00000-of-00001.parquet``, ``test-...``).

    JSON (read by longvideobench/LongVideoBench ``longvideobench_dataset.py``): a list of
    ``{id, video_id, video_path, subtitle_path, duration, starting_timestamp_for_subtitles,
    question, candidates: [...], correct_choice: <int>}`` (no ``correct_choice`` on test). The
    parquet has the same fields with the options as ``option0..option4`` and ``"N/A"`` for a
    missing one (lmms-eval's ``longvideobench`` task drops those, as here). No evidence spans.
    Videos: ``<videos>/<video_path>`` (``videos/`` beside the file). Subtitles are JSON, not
    SRT, with times offset by ``starting_timestamp_for_subtitles``: their path and the offset
    are passed through in ``meta`` (``subtitle_path``, ``starting_timestamp_for_subtitles``).
    """
    folder = videos or path.parent / "videos"
    if path.suffix == ".parquet":
        data: Any = _read_parquet(path)
        for row in data:
            if "candidates" not in row:
                row["candidates"] = [row[f"option{k}"] for k in range(5) if row.get(f"option{k}") not in (None, "N/A")]
    else:
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
    ``<videos>/<video>``, by default ``../video/<file stem>/`` (the Hugging Face release keeps
    the number: ``video/1_plotQA/``), or ``../video/<task>/`` when only that folder exists.

    Answers are scored as MLVU's scorer (``choice_bench.py``, ``qa_template``) does: the gold
    letter is the *last* candidate equal to ``answer`` (``1_plotQA.json`` lists "Three" twice),
    and a question whose ``answer`` is none of the candidates (two in ``2_needle.json``) stays in
    with no gold letter (``answer`` None, ``meta["answer_unmatched"]``) and counts as wrong.
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
        hf, short = f.parent.parent / "video" / f.stem, f.parent.parent / "video" / task
        folder = videos or (short if short.is_dir() and not hf.is_dir() else hf)
        for n, row in enumerate(data, 1):
            _need(row, ("video", "question", "candidates", "answer"), f, f"entry {n}")
            opts = [str(c) for c in row["candidates"]]
            matches = [k for k, c in enumerate(opts) if c == row["answer"]]
            gold = LETTERS[matches[-1]] if matches else None  # the official scorer keeps the last match
            items.append(
                BenchItem(
                    id=f"{task}_{n - 1}",
                    dataset="mlvu",
                    video=str(folder / row["video"]),
                    question=row["question"],
                    options=opts,
                    answer=gold,
                    duration=row.get("duration"),
                    meta={"question_type": row.get("question_type", task)}
                    | ({"answer_unmatched": str(row["answer"])} if gold is None else {}),
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
    if name.endswith(".parquet"):
        # both releases are parquet; LongVideoBench's has option0..option4, Video-MME's options
        return "longvideobench" if "option0" in _parquet_columns(path) else "videomme"
    if "videomme" in name or "video-mme" in name or "output_test_template" in name:
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
