"""Query parsing, rule-based expansion, the LLM rewrite client, and per-video normalisation."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from framesift.scoring.query import expand, parse_query, plan_query, rewrite_with_llm
from framesift.scoring.visual_relevance import Z_FULL, normalise_per_video


@pytest.mark.parametrize(
    "query, question, options",
    [
        (
            "Question: What is the man holding?\nOptions:\n(A) a cup\n(B) a phone\n(C) a red book\n(D) nothing\n"
            "Answer with the option's letter from the given choices directly.",
            "What is the man holding?",
            ("a cup", "a phone", "a red book", "nothing"),
        ),
        (
            "Select the best answer to the following multiple-choice question based on the video. "
            "How many dogs appear? A. one B. two C. three D. four. The best answer is:",
            "How many dogs appear?",
            ("one", "two", "three", "four"),
        ),
        ("What colour is the bus? A) red B) blue", "What colour is the bus?", ("red", "blue")),
        ("When is the goal scored?", "When is the goal scored?", ()),
        # a lone capital letter followed by a dot is not a list of options
        ("Where does Mr. A. Smith sit?", "Where does Mr. A. Smith sit?", ()),
    ],
)
def test_parse_query(query, question, options):
    p = parse_query(query)
    assert p.question == question
    assert p.options == options


@pytest.mark.parametrize(
    "question, first",
    [
        ("When is the goal scored in the video?", "the goal scored"),
        ("What is the man holding?", "the man holding"),
        ("Is there a cat?", "a cat"),
        ("How many times does the red light flash at the end of the clip?", "the red light flash"),
        ("a man playing guitar", "a man playing guitar"),
    ],
)
def test_expand_rules(question, first):
    phrases = expand(question)
    assert phrases[0] == first
    assert all(p and "?" not in p for p in phrases)


def test_plan_groups_options_in_question_context():
    plan = plan_query("What is the man holding? (A) a cup (B) a phone")
    names = [n for n, _ in plan.groups]
    assert names == ["question", "option A", "option B"]
    assert dict(plan.groups)["option B"] == ["a phone", "the man holding a phone"]
    assert plan.source == "rules"
    assert plan_query("What is he holding?", expand_query=False).groups == [("question", ["What is he holding?"])]


class _ChatHandler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        reply = {
            "choices": [
                {
                    "message": {
                        "role": "assistant",
                        "content": "1. a football crossing the goal line\n- players celebrating a goal\n",
                    }
                }
            ]
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def chat_server():
    """A hand-written OpenAI-style chat server (stdlib http.server on loopback, canned reply).

    No real LLM server can run here (no model weights, no network), so this only checks the
    client side of ``--rewrite-url``: the request it sends over real HTTP and how it parses a
    chat-completions reply. It says nothing about the quality of real rewrites.
    """
    _ChatHandler.requests = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


def test_llm_rewrite_over_http(chat_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    lines = rewrite_with_llm("When is the goal scored?", chat_server, model="qwen")
    assert lines == ["a football crossing the goal line", "players celebrating a goal"]
    req = _ChatHandler.requests[-1]
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer sk-test"
    assert req["body"]["model"] == "qwen" and req["body"]["messages"][-1]["content"] == "When is the goal scored?"
    plan = plan_query("Question: When is the goal scored? Answer with the option's letter.", rewrite_url=chat_server)
    assert plan.source == "llm" and plan.groups[0][1][0] == "a football crossing the goal line"
    assert _ChatHandler.requests[-1]["body"]["messages"][-1]["content"] == "When is the goal scored?"


def test_llm_rewrite_failure_falls_back_to_rules_with_a_note():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    plan = plan_query("When is the goal scored?", rewrite_url=f"http://127.0.0.1:{port}/v1")
    assert plan.source == "rules" and plan.groups[0][1][0] == "the goal scored"
    assert plan.notes and "failed" in plan.notes[0]


def test_normalise_per_video():
    rng = np.random.default_rng(0)
    raw = (0.05 + 0.01 * rng.standard_normal(200)).astype(np.float32)
    raw[17] = 0.25  # 20 standard deviations above the rest
    raw[3] = np.nan  # not embedded
    s = normalise_per_video(raw)
    assert s[17] == 1.0 and s[3] == 0.0
    assert np.median(s[np.isfinite(raw)]) < 0.05 and s.min() >= 0.0
    flat = np.full(50, 0.12, np.float32)
    flat[5] += 1e-4  # numerical noise on a static video is not evidence
    assert normalise_per_video(flat).max() < 0.01
    assert Z_FULL > 0


@pytest.mark.parametrize(
    "query",
    [
        "Who picks the given ball up?",
        "Which option is shown on the menu board?",
        "What does the chef select for the following dish?",
    ],
)
def test_ordinary_questions_are_not_boilerplate(query):
    p = parse_query(query)
    assert p.question == query and not p.changed
