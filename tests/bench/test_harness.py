"""The harness end to end: a generated needle set, grounding on it, and `bench qa` against a real
OpenAI-compatible server (`transformers serve`) on loopback with a tiny random LLaVA.

The server answers noise (random weights) but the protocol is the real one: HTTP, JSON, image
data URLs decoded and run through the model's processor. Cost: the server takes 10-45 s to start (more on a loaded machine).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from framesift.api import select
from framesift.bench.datasets import load_dataset
from framesift.bench.grounding import run_grounding, write_grounding_report
from framesift.bench.needles import make_needles
from framesift.bench.qa import ServerError, chat_completion

sys.path.insert(0, str(Path(__file__).parents[1]))
from _cli import run_cli
from _llava_server import free_port, tiny_llava_server


@pytest.fixture(scope="module")
def needle_set(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("needleset") / "set"
    make_needles(out, videos=1, minutes=0.5, seed=3)
    return out


def test_needle_set_layout(needle_set):
    manifest = json.loads((needle_set / "needles.json").read_text())
    assert manifest["format"] == "framesift-needles" and len(manifest["videos"]) == 1
    items = load_dataset(needle_set)
    assert sorted(i.meta["kind"] for i in items) == ["flash", "subtitle", "text"]
    truth = json.loads((needle_set / manifest["videos"][0]["truth"]).read_text())
    for it in items:
        assert Path(it.video).is_file() and len(it.options) == 4 and it.answer in "ABCD"
        (n,) = [n for n in truth["needles"] if n["question"] == it.question]
        assert it.spans == [(n["start"], n["end"])]
        if it.meta["kind"] != "flash":
            assert it.answer_text == n["content"]
        else:  # options are times; the right one is the flash's start
            m, s = it.answer_text.split(":")
            assert abs(int(m) * 60 + int(s) - n["start"]) <= 0.5
    # no partial folder left behind, and an existing set is not overwritten
    assert not [p for p in needle_set.parent.iterdir() if p.name.endswith(".partial")]
    r = run_cli("bench", "make-needles", needle_set, "--videos", "1", "--minutes", "0.5")
    assert r.returncode == 2 and "already exists" in r.stderr


def test_grounding_on_needles(needle_set, tmp_path):
    items = load_dataset(needle_set)
    res = run_grounding(items, ["topk"], [2, 4], ocr=False)
    assert {(r["strategy"], r["budget"]) for r in res.rows} == {
        ("topk", 2),
        ("topk", 4),
        ("uniform", 2),
        ("uniform", 4),
    }
    assert all(r["questions"] == 3 and 0 <= r["recall"] <= 1 and r["reachable"] == 1.0 for r in res.rows)
    # every per-item row's recall agrees with its own frame times
    for row in res.items:
        times = [float(t) for t in row["times"].split()]
        (it,) = [i for i in items if i.id == row["id"]]
        assert row["recall"] == float(any(s <= t <= e for t in times for s, e in it.spans))
    out = write_grounding_report(res, tmp_path / "rep")
    assert Image.open(out / "grounding.png").size[0] > 300
    assert "| uniform | 4 |" in (out / "grounding.md").read_text()
    assert (out / "grounding.csv").read_text().splitlines()[0].startswith("strategy,budget,questions,recall")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with tiny_llava_server(tmp_path_factory.mktemp("tinyllava")) as served:
        yield served


def test_server_sees_the_images(server, needle_set):
    url, model = server
    (it, *_) = load_dataset(needle_set)
    sel = select(it.video, it.question, 2, strategy="uniform", ocr=False, events=False)
    tokens = []
    for frames in (0, 2):
        sel_k = sel if frames else type(sel)(**{**sel.__dict__, "frames": []})
        body = {"model": model, "messages": sel_k.to_openai_messages(it.prompt()), "max_tokens": 2}
        tokens.append(chat_completion(url, body)["usage"]["prompt_tokens"])
    # each 56x56 image becomes 16 <image> tokens in this LLaVA, plus its timestamp text
    assert tokens[1] - tokens[0] >= 2 * 16


def test_qa_cli_runs_and_resumes(server, needle_set, tmp_path):
    url, model = server
    results = tmp_path / "qa.jsonl"
    args = (
        "bench",
        "qa",
        needle_set,
        "--vlm-url",
        url,
        "--model",
        model,
        "--budget",
        "2",
        "--ocr",
        "off",
        "--results",
        results,
        "--json",
        "--max-tokens",
        "4",
    )
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["total"] == 3 and summary["asked_now"] == 3 and summary["resumed"] == 0
    rows = [json.loads(x) for x in results.read_text().splitlines()]
    assert len(rows) == 3 and all(len(row["frames"]) == 2 and row["usage"]["completion_tokens"] >= 1 for row in rows)
    assert all(row["prediction"] in (None, "A", "B", "C", "D") for row in rows)
    assert summary["correct"] == sum(row["prediction"] == row["answer"] for row in rows)
    # an interrupted run: drop the last line and leave a torn one; the rerun asks only that question
    lines = results.read_text().splitlines()
    results.write_text("\n".join(lines[:2]) + "\n" + lines[2][:20])
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["asked_now"] == 1 and again["resumed"] == 2 and again["total"] == 3


def test_client_errors(server):
    url, model = server
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1, "no_such_field": 1}
    with pytest.raises(ServerError, match="HTTP 422"):  # the server's own validation error: not retried
        chat_completion(url, body, retries=3, sleep=lambda s: pytest.fail("retried a 4xx"))
    waits: list[float] = []
    with pytest.raises(ServerError, match="after 3 attempts"):  # nothing listens there: retried with backoff
        chat_completion(
            f"http://127.0.0.1:{free_port()}/v1",
            {"model": model},
            retries=2,
            backoff=1.0,
            sleep=waits.append,
            timeout=2,
        )
    assert len(waits) == 2 and waits[1] > waits[0]
