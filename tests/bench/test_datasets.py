"""Dataset adapters on tiny files in each benchmark's published annotation format.

Each fixture reproduces the layout the dataset distributes (field names, nesting, how answers and
spans are written); the source of each format is cited in the adapter's docstring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from framesift.bench.datasets import load_dataset, parse_time_reference
from framesift.bench.grounding import span_metrics
from framesift.bench.qa import parse_answer_letter
from framesift.errors import InputError


def test_nextgqa(tmp_path):
    (tmp_path / "val.csv").write_text(
        "video_id,frame_count,width,height,question,answer,qid,type,a0,a1,a2,a3,a4\n"
        "4882821564,1351,640,480,why did the boy pick up one present,to show it,6,CW,"
        "drop it,to show it,put it away,bite it,share with sibling\n"
        "4882821564,1351,640,480,what did the boy do after,jump,7,TN,jump,sit,run,cry,sleep\n"
    )
    (tmp_path / "gsub_val.json").write_text(
        json.dumps(
            {
                "4882821564": {
                    "duration": 45.05,
                    "location": {"6": [[2.2, 8.1], [20.0, 24.5]], "7": [[30.0, 33.0]]},
                    "fps": 30.0,
                }
            }
        )
    )
    items = load_dataset(tmp_path / "gsub_val.json")
    assert [i.id for i in items] == ["4882821564_6", "4882821564_7"]
    assert items[0].answer == "B" and items[0].answer_text == "to show it"
    assert items[0].spans == [(2.2, 8.1), (20.0, 24.5)] and items[0].duration == 45.05
    assert items[1].answer == "A" and items[0].video.endswith("videos/4882821564.mp4")
    assert load_dataset(tmp_path / "val.csv", kind="nextgqa")[1].spans == [(30.0, 33.0)]


def test_charades_sta(tmp_path):
    f = tmp_path / "charades_sta_test.txt"
    f.write_text("3MSZA 24.3 30.4##person turn a light on.\nAO8RW 0.0 6.9##a person is putting a book on a shelf.\n")
    items = load_dataset(f, videos=tmp_path / "v")
    assert [(i.question, i.spans) for i in items] == [
        ("person turn a light on.", [(24.3, 30.4)]),
        ("a person is putting a book on a shelf.", [(0.0, 6.9)]),
    ]
    assert items[0].options == [] and items[0].answer is None and items[0].video == str(tmp_path / "v" / "3MSZA.mp4")


def test_qvhighlights(tmp_path):
    f = tmp_path / "highlight_val_release.jsonl"
    f.write_text(
        json.dumps(
            {
                "qid": 2579,
                "query": "A girl and her mother cooked while talking with each other on facetime.",
                "duration": 150,
                "vid": "NUsG9BgSes0_210.0_360.0",
                "relevant_clip_ids": [13, 14, 15],
                "saliency_scores": [[1, 3, 3], [4, 4, 2], [1, 3, 2]],
                "relevant_windows": [[26, 32], [100, 102]],
            }
        )
        + "\n"
    )
    (item,) = load_dataset(f)
    assert item.id == "2579" and item.spans == [(26.0, 32.0), (100.0, 102.0)] and item.duration == 150
    assert item.video.endswith("NUsG9BgSes0_210.0_360.0.mp4")


def test_lvbench(tmp_path):
    f = tmp_path / "video_info.meta.jsonl"
    f.write_text(
        json.dumps(
            {
                "key": "Cm73ma6Ibcs",
                "type": "documentary",
                "video_info": {"duration_minutes": 79.5, "fps": 30.0, "resolution": {"width": 640, "height": 360}},
                "qa": [
                    {
                        "uid": "1",
                        "question": "What year appears in the opening caption?\n(A) 1636\n(B) 1366\n(C) 1363\n(D) 1633",
                        "answer": "D",
                        "question_type": ["key information retrieval"],
                        "time_reference": "00:15-00:19",
                    },
                    {
                        "uid": "2",
                        "question": "Who speaks last?\n(A) x\n(B) y\n(C) z\n(D) w",
                        "answer": "A",
                        "question_type": ["reasoning"],
                        "time_reference": "1:02:03-1:02:10",
                    },
                ],
            }
        )
        + "\n"
    )
    items = load_dataset(f)
    assert items[0].question == "What year appears in the opening caption?"
    assert items[0].options == ["1636", "1366", "1363", "1633"] and items[0].answer == "D"
    assert items[0].spans == [(15.0, 19.0)] and items[1].spans == [(3723.0, 3730.0)]
    assert items[0].duration == pytest.approx(79.5 * 60)


def test_time_reference_forms():
    assert parse_time_reference("00:15-00:19, 01:00-01:05") == [(15.0, 19.0), (60.0, 65.0)]
    assert parse_time_reference("12:30") == [(750.0, 750.0)]
    assert parse_time_reference("") == []


def test_videomme_parquet_and_template(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = {
        "video_id": "001",
        "duration": "short",
        "domain": "Knowledge",
        "sub_category": "Humanity & History",
        "url": "https://www.youtube.com/watch?v=fFjv93ACGo8",
        "videoID": "fFjv93ACGo8",
        "question_id": "001-1",
        "task_type": "Counting Problem",
        "question": "When demonstrating the Germany modern Christmas tree is "
        "initially decorated with apples, candles and berries, which kind of the decoration has the largest number?",
        "options": ["A. Apples.", "B. Candles.", "C. Berries.", "D. The three kinds are of the same number."],
        "answer": "C",
    }
    pq.write_table(pa.Table.from_pylist([row]), tmp_path / "test-00000-of-00001.parquet")
    (item,) = load_dataset(tmp_path / "test-00000-of-00001.parquet")
    assert item.options == ["Apples.", "Candles.", "Berries.", "The three kinds are of the same number."]
    assert item.answer == "C" and item.video.endswith("data/fFjv93ACGo8.mp4") and item.spans == []
    tpl = tmp_path / "output_test_template.json"
    tpl.write_text(
        json.dumps(
            [
                {
                    "video_id": "001",
                    "duration": "short",
                    "domain": "Knowledge",
                    "sub_category": "Humanity & History",
                    "questions": [{k: row[k] for k in ("question_id", "task_type", "question", "options", "answer")}],
                }
            ]
        )
    )
    assert load_dataset(tpl)[0].answer_text == "Berries."


def test_longvideobench(tmp_path):
    f = tmp_path / "lvb_val.json"
    f.write_text(
        json.dumps(
            [
                {
                    "video_id": "86CxyhFV9MI",
                    "id": "86CxyhFV9MI_0",
                    "video_path": "86CxyhFV9MI.mp4",
                    "subtitle_path": "86CxyhFV9MI_en.json",
                    "duration": 23.63,
                    "starting_timestamp_for_subtitles": 0,
                    "question": "In the video, which subtitles appear at the same time as a man with a beard?",
                    "candidates": ["we have", "the upper", "who", "whose", "the lower"],
                    "correct_choice": 1,
                    "question_category": "T3O",
                    "duration_group": 15,
                }
            ]
        )
    )
    (item,) = load_dataset(f)
    assert item.answer == "B" and len(item.options) == 5 and item.video == str(tmp_path / "videos" / "86CxyhFV9MI.mp4")
    assert "E. the lower" in item.prompt() and item.meta["subtitle_path"] == "86CxyhFV9MI_en.json"


def test_mlvu_folder(tmp_path):
    js = tmp_path / "json"
    js.mkdir()
    (js / "1_plotQA.json").write_text(
        json.dumps(
            [
                {
                    "video": "movie101_66.mp4",
                    "duration": 246,
                    "question": "What color is the main male character in the video?",
                    "candidates": ["Yellow", "Red", "Green", "Blue"],
                    "answer": "Yellow",
                    "question_type": "plotQA",
                }
            ]
        )
    )
    (js / "8_sub_scene.json").write_text(json.dumps([{"video": "x.mp4", "Q": "Describe", "A": "..."}]))
    (item,) = load_dataset(js)
    # the Hugging Face release keeps the number in the folder name (video/1_plotQA/)
    assert item.answer == "A" and item.video == str(tmp_path / "video" / "1_plotQA" / "movie101_66.mp4")


@pytest.mark.parametrize(
    "content,name,match",
    [
        ("{not json", "lvb_val.json", "not valid JSON"),
        ('[{"id": 1}]', "lvb_val.json", "lacks video_path"),
        ("AO8RW 0.0##no end", "charades_sta_test.txt", "is not '<video> <start> <end>##<sentence>'"),
        ("hello", "mystery.dat", "unknown dataset format"),
    ],
)
def test_malformed_files_raise_one_clear_error(tmp_path, content, name, match):
    f = tmp_path / name
    f.write_text(content)
    with pytest.raises(InputError, match=match):
        load_dataset(f)


def test_cli_malformed_exit_2(tmp_path):
    f = tmp_path / "lvb_val.json"
    f.write_text('{"oops": true}')
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    r = subprocess.run(
        [sys.executable, "-m", "framesift.cli", "bench", "grounding", str(f)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "expected a list" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "text,n,want",
    [
        ("B", 4, "B"),
        ("(C)", 4, "C"),
        ("D. because", 4, "D"),
        ("The answer is A.", 4, "A"),
        ("Answer: (B)", 4, "B"),
        ("**C**", 4, "C"),
        ("I think it is C", 4, "C"),
        ("A cat sits, so B", 4, "B"),
        ("E", 4, None),
        ("", 4, None),
        ("no idea", 4, None),
        ("A or B", 4, None),
    ],
)
def test_parse_answer_letter(text, n, want):
    assert parse_answer_letter(text, n) == want


def test_span_metrics():
    m = span_metrics([1.0, 5.0, 9.0], [(4.5, 5.5), (20, 30)])
    assert m == {"recall": 1.0, "coverage": 0.5, "in_evidence": pytest.approx(1 / 3)}
    assert span_metrics([1.0], [(2, 3)])["recall"] == 0.0
    assert span_metrics([3.0], [(2, 3)])["recall"] == 1.0  # closed interval
