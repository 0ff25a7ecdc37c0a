"""Multiple-choice accuracy through an OpenAI-compatible ``/v1/chat/completions`` endpoint.

For each question: select frames (analysis once per video), build the request with
:func:`framesift.export.openai.openai_messages`, POST it with retries, parse the answer letter
and append one JSON line to the results file. The results file is the run's state: a rerun
with the same file skips the ids already in it, so an interrupted run (or a server that fell
over) continues where it stopped. Lines are appended and flushed one at a time -- a crash can at
most lose the line being written, and a torn last line is ignored on resume.

The HTTP client is the standard library's (no ``openai`` dependency): the request is a plain
JSON POST, which every OpenAI-compatible server (vLLM, SGLang, ``transformers serve``, llama.cpp,
the hosted APIs) accepts.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..api import analyze, select_from
from ..errors import FramesiftError, InputError
from ..selectors import get_strategy
from .items import LETTERS, BenchItem

__all__ = ["QAResult", "parse_answer_letter", "chat_completion", "run_qa", "ServerError"]

_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class ServerError(FramesiftError):
    """The endpoint kept failing (after retries) or refused the request."""


def parse_answer_letter(text: str, n_options: int) -> str | None:
    """The option letter a model answered, or ``None`` when no unambiguous letter is found.

    Accepts the forms models actually produce: ``"B"``, ``"(B)"``, ``"B."``, ``"B) text"``,
    ``"Answer: B"``, ``"The answer is B"``, ``"**B**"`` and a single option letter inside a
    sentence; an option's text without its letter is not guessed at.
    """
    valid = LETTERS[:n_options]
    s = (text or "").strip()
    if not s:
        return None
    # "answer is B", "Answer: (B)", "answer - B"
    m = re.search(rf"answer\s*(?:is|:|-)?\s*[\(\[\*]*([{valid}])\b", s, flags=re.IGNORECASE)
    if m and m.group(1).upper() in valid:
        return m.group(1).upper()
    # A leading letter: "B", "(B)", "B.", "B) ...", "**B**" (not "A cat ...": needs punctuation or the end)
    m = re.match(rf"^[\s\(\[\*]*([{valid}])(?:[\)\]\.:\*,]|$)", s)
    if m:
        return m.group(1)
    # A lone capital option letter somewhere ("I think C") -- only when exactly one appears.
    found = set(re.findall(rf"(?<![A-Za-z])([{valid}])(?![A-Za-z])", s))
    if re.search(r"(?<![A-Za-z])A\s+(?!or\b|and\b)[a-z]", s):
        found.discard("A")  # the article "A ...", not the option
    return found.pop() if len(found) == 1 else None


def chat_completion(
    url: str,
    body: dict[str, Any],
    *,
    api_key: str | None = None,
    timeout: float = 120.0,
    retries: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """POST ``body`` to ``<url>/chat/completions`` (``url`` ending in ``/v1``, or the full path).

    Retries connection errors, timeouts and 408/409/425/429/5xx with exponential backoff and
    jitter (honouring ``Retry-After``); other HTTP errors fail at once with the server's message.
    """
    endpoint = url.rstrip("/")
    if not endpoint.endswith("/chat/completions"):
        endpoint += "/chat/completions"
    data = json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    last = ""
    for attempt in range(retries + 1):
        wait = backoff * (2**attempt) * (0.75 + 0.5 * random.random())
        try:
            req = urllib.request.Request(endpoint, data=data, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300].replace("\n", " ")
            last = f"HTTP {exc.code}: {detail}"
            if exc.code not in _RETRY_STATUS:
                raise ServerError(f"{endpoint}: {last}") from exc
            ra = exc.headers.get("Retry-After") if exc.headers else None
            if ra and ra.strip().isdigit():
                wait = max(wait, float(ra))
        except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
            last = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        if attempt < retries:
            sleep(wait)
    raise ServerError(f"{endpoint}: failed after {retries + 1} attempts ({last})")


def _read_done(path: Path) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line from an interrupted run: that question is asked again
        if isinstance(row, dict) and "id" in row:
            done[str(row["id"])] = row
    return done


@dataclass
class QAResult:
    """Accuracy over the results file (previous runs' lines included)."""

    total: int
    correct: int
    unparsed: int
    asked_now: int
    resumed: int
    by_group: dict[str, tuple[int, int]]
    results_path: Path

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "unparsed": self.unparsed,
            "asked_now": self.asked_now,
            "resumed": self.resumed,
            "by_group": {k: {"correct": c, "total": t} for k, (c, t) in self.by_group.items()},
            "results": str(self.results_path),
        }


def run_qa(
    items: Sequence[BenchItem],
    *,
    url: str,
    model: str,
    results: str | os.PathLike,
    strategy: str = "auto",
    budget: int = 8,
    max_side: int = 768,
    detail: str = "auto",
    max_tokens: int = 16,
    api_key: str | None = None,
    timeout: float = 120.0,
    retries: int = 4,
    fps: float = 1.0,
    ocr: bool | int | str = "auto",
    progress: Callable[[str, int, int], None] | None = None,
) -> QAResult:
    """Ask every multiple-choice item through ``url`` and score the answers (see module docstring)."""

    get_strategy(strategy)
    mc = [it for it in items if it.options and it.answer]
    if not mc:
        raise InputError("the dataset has no multiple-choice questions with answers")
    path = Path(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _read_done(path)
    todo = [it for it in mc if it.id not in done]
    missing = [it for it in todo if not Path(it.video).is_file()]
    if missing:
        raise InputError(f"{missing[0].video}: video not found ({len(missing)} questions lack their video)")
    report = progress or (lambda stage, done_, total: None)
    report("questions", 0, len(todo))
    analyses: dict[str, Any] = {}
    with path.open("a", encoding="utf-8") as fh:
        for k, it in enumerate(todo):
            if it.video not in analyses:
                analyses.clear()  # one video's analysis at a time: items are grouped by video in every adapter
                analyses[it.video] = analyze(it.video, subtitles=it.subtitles, fps=fps, ocr=ocr)  # type: ignore[arg-type]
            sel = select_from(analyses[it.video], it.question, budget, strategy=strategy, fetch=True)
            messages = sel.to_openai_messages(it.prompt(), max_side=max_side, detail=detail)
            body = {"model": model, "messages": messages, "max_tokens": max_tokens, "temperature": 0}
            t0 = time.perf_counter()
            resp = chat_completion(url, body, api_key=api_key, timeout=timeout, retries=retries)
            latency = time.perf_counter() - t0
            try:
                text = resp["choices"][0]["message"]["content"] or ""
            except (KeyError, IndexError, TypeError) as exc:
                raise ServerError(f"{url}: response has no choices[0].message.content: {str(resp)[:200]}") from exc
            pred = parse_answer_letter(text, len(it.options))
            row = {
                "id": it.id,
                "dataset": it.dataset,
                "video": it.video,
                "answer": it.answer,
                "prediction": pred,
                "correct": pred == it.answer,
                "response": text,
                "strategy": strategy,
                "budget": budget,
                "frames": [round(f.time, 3) for f in sel.frames],
                "model": model,
                "latency_s": round(latency, 3),
                "usage": resp.get("usage"),
                "group": str(it.meta.get("kind") or it.meta.get("task_type") or ""),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            done[it.id] = row
            report("questions", k + 1, len(todo))
    ids = {it.id for it in mc}
    rows = [r for i, r in done.items() if i in ids]
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        g = groups[r.get("group") or "all"]
        g[0] += int(bool(r["correct"]))
        g[1] += 1
    return QAResult(
        total=len(rows),
        correct=sum(bool(r["correct"]) for r in rows),
        unparsed=sum(r["prediction"] is None for r in rows),
        asked_now=len(todo),
        resumed=len(rows) - len(todo),
        by_group={k: (v[0], v[1]) for k, v in groups.items()},
        results_path=path,
    )
