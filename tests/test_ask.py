"""``framesift ask``: the zoom loop against OpenAI-compatible endpoints.

The protocol runs against a real ``transformers serve`` with a tiny random LLaVA (its answers are
noise, but request and response are the real wire format). No real model that calls tools runs
on this machine, so the function-calling loop is tested against a *scripted* OpenAI-compatible
server on loopback (``tests/_scripted_openai.py``): real HTTP, replies written by the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from framesift import InputError
from framesift.ask import ask

sys.path.insert(0, str(Path(__file__).parent))
from _llava_server import tiny_llava_server
from _scripted_openai import ScriptedServer, message  # noqa: E402

EXE = Path(sys.executable).with_name("framesift")
QUESTION = "When was the bridge completed?"
CAPTION = re.compile(r"^t=\d+:\d\d\.\d \((\d+\.\d) s\), frame (\d+): ")
OPTS = dict(ocr=False, events=False, cache=False)


def _images(content) -> list[tuple[float, int]]:
    """(time, index) of every image part, read from the caption text part right before it."""
    out = []
    for prev, part in zip(content, content[1:]):
        if part["type"] == "image_url":
            assert part["image_url"]["url"].startswith("data:image/jpeg;base64,")
            m = CAPTION.match(prev["text"])
            assert m, prev
            out.append((float(m.group(1)), int(m.group(2))))
    return out


def test_tool_loop_through_the_cli(needle_video):
    replies = [
        lambda body: message(tool_calls=[("get_words", {"start": 14, "end": 17})]),
        lambda body: message(tool_calls=[("get_frames", {"start": 14, "end": 16, "fps": 2})]),
        lambda body: message("It was finished in 1932 (t=00:15.0)."),
    ]
    with ScriptedServer(replies) as srv:
        r = subprocess.run(
            [str(EXE), "ask", str(needle_video.path), QUESTION, "--vlm-url", srv.url, "--model", "m"]
            + ["--budget", "16", "--ocr", "off", "--no-cache", "--json"],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        first, second, third = srv.requests
    out = json.loads(r.stdout)
    assert out["answer"] == "It was finished in 1932 (t=00:15.0)." and out["mode"] == "tools" and out["turns"] == 3
    # turn 1: the first look, 8 frames each after its true time (24 fps: frame i at i/24 s), and the tools
    assert {t["function"]["name"] for t in first["tools"]} == {"get_frames", "get_words"}
    look = _images(first["messages"][1]["content"])
    assert len(look) == 8 and all(t == pytest.approx(i / 24, abs=0.051) for t, i in look)
    # turn 2: the words came back as the tool's answer
    tool_msg = second["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["tool_call_id"] == "call_0"
    assert "The bridge was finished in 1932, two years late." in tool_msg["content"]
    # turn 3: the zoomed frames, times in the span, none shown before
    assert third["messages"][-2]["role"] == "tool" and third["messages"][-1]["role"] == "user"
    zoom = _images(third["messages"][-1]["content"])
    assert zoom and all(14.0 <= t <= 16.0 for t, _ in zoom)
    assert not {i for _, i in zoom} & {i for _, i in look}
    assert out["spent"] == len(look) + len(zoom) <= 16 and "tools" in third
    assert {f["index"] for f in out["frames"]} == {i for _, i in look + zoom}
    assert [c["name"] for c in out["tool_calls"]] == ["get_words", "get_frames"]


def test_budget_and_turns_are_bounded(needle_video):
    greedy = lambda body: message(tool_calls=[("get_frames", {"start": 0, "end": 30, "max_frames": 8})])  # noqa: E731
    with ScriptedServer([greedy, greedy, lambda body: message("done")]) as srv:
        res = ask(needle_video.path, QUESTION, url=srv.url, budget=10, first_look=8, max_turns=5, **OPTS)
        bodies = srv.requests
    # 8 + 2 frames: the second request already has nothing left, so it is the last, without tools
    assert res.spent == 10 and len(bodies) == 2 and res.answer == ""  # (it asked for tools again: no text)
    assert "tools" in bodies[0] and "tools" not in bodies[1]
    assert bodies[1]["messages"][-1] == {"role": "user", "content": "Answer now from what you have seen."}
    assert len(_images(bodies[1]["messages"][-2]["content"])) == 2  # the zoom was cut to what was left

    loop = lambda body: message(tool_calls=[("get_words", {"start": 0, "end": 5})])  # noqa: E731
    with ScriptedServer([loop, loop, lambda body: message("ok")]) as srv:
        res = ask(needle_video.path, QUESTION, url=srv.url, budget=10, first_look=2, max_turns=3, **OPTS)
        assert len(srv.requests) == 3 and "tools" not in srv.requests[2]
    assert res.turns == 3 and res.answer == "ok"


def test_bad_tool_calls_go_back_to_the_model(needle_video):
    replies = [
        lambda body: message(tool_calls=[("get_frames", {"start": 9, "end": 3}), ("zoom_out", {})]),
        lambda body: message("sorry"),
    ]
    with ScriptedServer(replies) as srv:
        res = ask(needle_video.path, QUESTION, url=srv.url, budget=6, first_look=2, **OPTS)
        tool_msgs = [m for m in srv.requests[1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tool_msgs] == [
        "error: end must be after start (got 9-3 s)",
        "error: unknown tool 'zoom_out' (get_frames, get_words)",
    ]
    assert res.answer == "sorry" and res.spent == 2


def test_one_shot_when_tools_are_refused(needle_video):
    refuse = lambda body: (400, {"error": {"message": "tools are not supported by this server"}})  # noqa: E731
    with ScriptedServer([refuse, lambda body: message("1932")]) as srv:
        res = ask(needle_video.path, QUESTION, url=srv.url, budget=5, first_look=2, **OPTS)
        refused, shot = srv.requests
    assert "tools" in refused and "tools" not in shot
    assert len(_images(shot["messages"][1]["content"])) == 5 - 2  # the first look was spent already
    assert res.mode == "one-shot" and res.answer == "1932" and "refused function calling" in res.notes[0]
    with pytest.raises(InputError, match="ask needs a question"):
        ask(needle_video.path, " ", url="http://127.0.0.1:9/v1", **OPTS)


@pytest.fixture(scope="module")
def transformers_serve(tmp_path_factory):
    with tiny_llava_server(tmp_path_factory.mktemp("tinyllava-ask")) as served:
        yield served


def test_ask_against_transformers_serve(transformers_serve, needle_video):
    url, model = transformers_serve
    r = subprocess.run(
        [str(EXE), "ask", str(needle_video.path), QUESTION, "--vlm-url", url, "--model", model]
        + ["--budget", "3", "--first-look", "2", "--max-side", "56", "--max-tokens", "4", "--ocr", "off", "--json"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # the random model never calls a tool: it answers (noise) on the first turn, having seen 2 frames
    assert out["turns"] == 1 and out["spent"] == 2 and isinstance(out["answer"], str)
    assert out["usage"]["prompt_tokens"] >= 2 * 16  # each 56x56 image is 16 <image> tokens in this LLaVA
