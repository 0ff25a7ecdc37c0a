"""Dataset adapters on annotation files as released (issue 14).

Fixtures under ``tests/fixtures/bench/`` are verbatim excerpts of the official files, quirky rows
included: NExT-GQA ``val.csv`` lines 1 + 2726-2727 and ``test.csv`` lines 1 + 4204-4205 (with
their ``gsub_*.json`` and ``map_vid_vidorID.json`` entries), NExT-QA ``val.csv`` lines 1-3,
MLVU ``data/2_needle.json`` entries 33-35 and ``data/1_plotQA.json`` entries 0, 335, 387, and
the first video of Video-MME's ``evaluation/output_test_template.json`` (trailing commas kept).
Charades' ``Charades_v1_test.csv`` and the LongVideoBench / Video-MME parquets are written here
with the released column names (their rows are not from the releases). Expected values follow
the official loaders and scorers, restated in each test.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from framesift.bench.datasets import load_dataset, parse_time_reference
from framesift.bench.items import LETTERS
from framesift.errors import InputError

FIX = Path(__file__).parent / "fixtures" / "bench"


def _mlvu_official_gold(row: dict) -> str:
    """MLVU ``choice_bench.py`` ``qa_template``: the last equal candidate; -1 (so '@') when none."""
    idx = -1
    for k, c in enumerate(row["candidates"]):
        if c == row["answer"]:
            idx = k
    return chr(ord("A") + idx)


def test_nextgqa_trailing_spaces_and_video_map(tmp_path):
    items = load_dataset(FIX / "nextgqa" / "gsub_val.json")
    by_id = {i.id: i for i in items}
    quirky = by_id["2442307875_5"]  # val.csv line 2727: answer and a4 end in a space
    assert quirky.answer == "E" and quirky.answer_text == "synchronise with her friends"
    assert quirky.spans == [(49.1, 51.0)] and quirky.duration == 52
    # map_vid_vidorID.json: 2442307875 -> 1028/2442307875, under NExTVideo/ beside the CSV
    assert quirky.video == str(FIX / "nextgqa" / "NExTVideo" / "1028" / "2442307875.mp4")
    assert by_id["11587211476_0"].answer == "C"
    test = {i.id: i for i in load_dataset(FIX / "nextgqa" / "test.csv", kind="nextgqa")}
    assert test["2758300055_8"].answer == "C"  # test.csv line 4205, "point his finger towards the baby "
    assert test["2758300055_8"].spans == [(6.7, 10.6), (19.5, 24.4), (42.1, 48.2)]


def test_nextqa_csv_names_the_column_video():
    items = load_dataset(FIX / "nextqa" / "val.csv", kind="nextgqa")
    assert [(i.id, i.answer) for i in items] == [("4010069381_6", "A"), ("4882821564_1", "C")]
    assert items[1].video.endswith("NExTVideo/1104/4882821564.mp4") and items[1].spans == []


def test_mlvu_scored_as_the_official_scorer(tmp_path):
    root = tmp_path / "MLVU"
    shutil.copytree(FIX / "MLVU", root)
    (root / "video" / "2_needle").mkdir(parents=True)  # the HF release keeps the number
    items = load_dataset(root / "json")
    raw = {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in sorted((FIX / "MLVU" / "json").glob("*.json"))}
    assert len(items) == sum(len(v) for v in raw.values())  # nothing dropped
    for it in items:
        task, k = it.id.rsplit("_", 1)
        stem = next(s for s in raw if s.endswith(task))
        gold = _mlvu_official_gold(raw[stem][int(k)])
        if gold in LETTERS:
            assert it.answer == gold
        else:  # answer matches no candidate: kept, no gold letter, counted wrong
            assert it.answer is None and it.meta["answer_unmatched"] == raw[stem][int(k)]["answer"]
    needle = [it for it in items if it.id.startswith("needle_")]
    assert needle[0].video == str(root / "video" / "2_needle" / "needle_29.mp4")
    plot = [it for it in items if it.id.startswith("plotQA_")]
    assert [it.answer for it in plot][1:] == ["C", "C"]  # "Three" at B and C: the last one


def test_mlvu_unmatched_counts_wrong_in_bench_qa():
    # the same rule as run_qa's scoring line: gold None never equals a prediction, even None
    from framesift.bench.qa import parse_answer_letter

    pred = parse_answer_letter("I cannot tell", 4)
    gold = None
    assert pred is None and not (gold is not None and pred == gold)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("00:00-114:16", [(0.0, 114 * 60 + 16.0)]),  # three-digit minutes (videos over 100 min)
        ("101:05-102:30", [(6065.0, 6150.0)]),
        ("12:30-None", [(750.0, 750.0)]),  # no end: a point at the start
        ("None", []),
        (None, []),
        ("00:15-00:19, 01:00-01:05", [(15.0, 19.0), (60.0, 65.0)]),
    ],
)
def test_lvbench_time_reference_as_released(text, want):
    assert parse_time_reference(text) == want


def test_lvbench_garbage_time_reference_is_one_clear_error(tmp_path):
    f = tmp_path / "video_info.meta.jsonl"
    row = {"key": "k", "qa": [{"uid": "1", "question": "q?\n(A) a\n(B) b", "answer": "A", "time_reference": "soon"}]}
    f.write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match="line 1: time_reference 'soon'"):
        load_dataset(f)


def test_videomme_template_as_released_and_hf_layout(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "Video-MME"
    (root / "videomme").mkdir(parents=True)
    shutil.copy(FIX / "videomme" / "output_test_template.json", root / "output_test_template.json")
    with pytest.raises(json.JSONDecodeError):  # not strict JSON as released
        json.loads((root / "output_test_template.json").read_text())
    items = load_dataset(root / "output_test_template.json")
    assert [i.id for i in items] == ["001-1", "001-2", "001-3"] and items[0].answer == "C"
    assert items[0].options[0] == "Apples." and items[0].video == str(root / "data" / "001.mp4")
    # With the HF parquet beside it (columns as released), videoID names the files; .MP4 is found.
    cols = ["video_id", "duration", "domain", "sub_category", "url", "videoID", "question_id", "task_type"]
    row = dict.fromkeys(cols, "")
    row.update(video_id="001", videoID="yt001", question_id="001-1", duration="short")
    table = pa.Table.from_pylist([{**row, "question": "q", "options": ["A. a", "B. b", "C. c", "D. d"], "answer": "C"}])
    pq.write_table(table, root / "videomme" / "test-00000-of-00001.parquet")
    (root / "data").mkdir()
    (root / "data" / "yt001.MP4").write_bytes(b"")
    (root / "subtitle").mkdir()
    (root / "subtitle" / "yt001.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhi\n")
    items = load_dataset(root / "output_test_template.json")
    assert items[0].video == str(root / "data" / "yt001.MP4")
    assert items[0].subtitles == str(root / "subtitle" / "yt001.srt")
    parquet_items = load_dataset(root / "videomme" / "test-00000-of-00001.parquet")
    assert parquet_items[0].video == str(root / "data" / "yt001.MP4")  # data/ beside videomme/


def test_longvideobench_parquet_is_not_videomme(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = {
        "video_id": "86CxyhFV9MI",
        "question": "What is the man doing?",
        "question_wo_referring_query": "What is he doing?",
        "candidates": None,
        "correct_choice": 2,
        "position": [1],
        "topic_category": "NP-News-Programs",
        "question_category": "TOS",
        "level": "L2-Relation",
        "id": "86CxyhFV9MI_0",
        "video_path": "86CxyhFV9MI.mp4",
        "subtitle_path": "86CxyhFV9MI_en.json",
        "duration_group": 600,
        "starting_timestamp_for_subtitles": 0.0,
        "duration": 505.0,
        "view_count": 1,
        "option0": "talking",
        "option1": "eating",
        "option2": "running",
        "option3": "N/A",
        "option4": "N/A",
    }
    row.pop("candidates")
    f = tmp_path / "validation-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([row]), f)
    items = load_dataset(f)  # detected from the columns
    assert items[0].dataset == "longvideobench"
    assert items[0].options == ["talking", "eating", "running"] and items[0].answer == "C"
    assert items[0].video == str(tmp_path / "videos" / "86CxyhFV9MI.mp4")


def test_charades_spans_clamped_to_the_video_length(tmp_path):
    (tmp_path / "charades_sta_test.txt").write_text(
        "3MSZA 24.3 30.4##person turn a light on.\nAO8RW 0.0 6.9##a person is putting a book on a shelf.\n"
    )
    (tmp_path / "Charades_v1_test.csv").write_text(
        "id,subject,scene,quality,relevance,verified,script,objects,descriptions,actions,length\n"
        "3MSZA,S1,Kitchen,6,7,Yes,s,light,d,c104 24.30 30.40,28.50\n"
        "AO8RW,S2,Bedroom,7,7,Yes,s,book,d,c000 0.00 6.90,31.00\n"
    )
    items = load_dataset(tmp_path / "charades_sta_test.txt")
    # the scorers' rule (2D-TAN, TALL): end = min(end, length)
    assert items[0].spans == [(24.3, 28.5)] and items[0].meta["span_clamped_from"] == [24.3, 30.4]
    assert items[0].duration == 28.5
    assert items[1].spans == [(0.0, 6.9)] and "span_clamped_from" not in items[1].meta


def test_qvhighlights_test_split_is_refused_for_grounding(tmp_path):
    from framesift.bench.grounding import run_grounding

    f = tmp_path / "highlight_test_release.jsonl"
    rows = [{"qid": 1, "query": "a man talks", "duration": 150, "vid": "abc_60.0_210.0"}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    items = load_dataset(f)
    with pytest.raises(InputError, match="no relevant_windows"):
        run_grounding(items, ["uniform"], [4])
