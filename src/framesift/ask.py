"""Ask a question about a video through any OpenAI-compatible chat endpoint, zooming in with tools.

The loop of the long-video agents (VideoZoomer, arXiv 2512.22315; FrameThinker, arXiv
2509.24304; VideoTemp-o3, arXiv 2602.07801), driven by a :class:`~framesift.session.Session`:

1. a first look: framesift's selection for the question (relevance, momentary events,
   coverage), each frame after a text part with its true time;
2. ``get_frames(start, end, fps | max_frames)`` and ``get_words(start, end)`` offered as
   function-calling tools; the model zooms where the answer seems to be, within one total frame
   budget and a bounded number of turns;
3. the model's answer, with the times of every frame it looked at.

Endpoints without function calling (a 4xx naming ``tools``, or ``tools="off"``) get a one-shot
selection of the whole budget instead. Chat Completions carries images only in user messages,
so frames returned by a tool come as a tool message (their times as text) followed by a user
message with the images.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from ._imaging import encode_jpeg, fit_within
from .analysis import Analysis
from .bench.qa import ServerError, chat_completion
from .errors import InputError
from .frame import SelectedFrame
from .session import Session, frame_caption, time_label

__all__ = ["AskResult", "TOOL_SPECS", "ask"]

ChatFn = Callable[[dict[str, Any]], dict[str, Any]]

#: The function-calling tools offered to the model (OpenAI ``tools`` schema).
TOOL_SPECS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_frames",
            "description": "Look closer: frames inside a time span of the video, each with its true time. "
            "Give fps (frames per second inside the span) or max_frames (spread evenly).",
            "parameters": {
                "type": "object",
                "properties": {
                    "start": {"type": "number", "description": "span start, seconds"},
                    "end": {"type": "number", "description": "span end, seconds"},
                    "fps": {"type": "number", "description": "sampling rate inside the span"},
                    "max_frames": {"type": "integer", "description": "at most this many frames"},
                },
                "required": ["start", "end"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_words",
            "description": "Subtitles, speech and on-screen text in a time span, with times (costs no frames).",
            "parameters": {
                "type": "object",
                "properties": {"start": {"type": "number"}, "end": {"type": "number"}},
                "required": ["start", "end"],
            },
        },
    },
]

_SYSTEM = (
    "You answer questions about a video from frames of it. Each image follows a text line with its time "
    "in the video. To look closer, call get_frames on a time span; to read what is said or written, call "
    "get_words. You have {budget} frames in all ({left} left now). When you know the answer, reply with it "
    "and the time(s) it is based on."
)
_SYSTEM_ONE_SHOT = (
    "You answer questions about a video from frames of it. Each image follows a text line with its time "
    "in the video. Reply with the answer and the time(s) it is based on."
)


@dataclass
class AskResult:
    """The answer, the frames the model saw (index, time), and how the conversation went."""

    answer: str
    frames: list[tuple[int, float]]
    turns: int
    tool_calls: list[dict[str, Any]]
    mode: Literal["tools", "one-shot"]
    spent: int
    budget: int
    usage: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "mode": self.mode,
            "turns": self.turns,
            "frames": [{"index": i, "time": round(t, 3)} for i, t in self.frames],
            "tool_calls": self.tool_calls,
            "spent": self.spent,
            "budget": self.budget,
            "usage": self.usage,
            "notes": self.notes,
        }


def _data_url(img: Image.Image, max_side: int) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(encode_jpeg(fit_within(img, max_side), 85)).decode("ascii")


def _frame_parts(frames: list[SelectedFrame], max_side: int) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for f in frames:
        assert f.image is not None
        parts.append({"type": "text", "text": frame_caption(f)})
        parts.append({"type": "image_url", "image_url": {"url": _data_url(f.image, max_side)}})
    return parts


def _rejects_tools(exc: ServerError) -> bool:
    """A 4xx that names tools: this endpoint has no function calling (vLLM without a tool parser,
    older servers). Anything else is a real failure and is raised."""
    text = str(exc).lower()
    return any(f"http {c}" in text for c in (400, 404, 422, 501)) and "tool" in text


def _message(resp: Any) -> dict[str, Any]:
    """The first choice's message, or a readable error for a reply that is not Chat Completions."""
    try:
        msg = resp["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise ServerError(f"the endpoint's reply is not a chat completion: {str(resp)[:200]}") from None
    if not isinstance(msg, dict):
        raise ServerError(f"the endpoint's reply has no message: {str(resp)[:200]}")
    return msg


def _add_usage(total: dict[str, int], resp: dict[str, Any]) -> None:
    for k, v in (resp.get("usage") or {}).items():
        if isinstance(v, int):
            total[k] = total.get(k, 0) + v


def ask(
    video: str | os.PathLike | Analysis | Session,
    question: str,
    *,
    url: str | None = None,
    model: str = "default",
    chat: ChatFn | None = None,
    api_key: str | None = None,
    budget: int = 32,
    first_look: int = 8,
    max_turns: int = 4,
    max_frames_per_call: int = 8,
    max_side: int = 512,
    max_tokens: int = 512,
    tools: Literal["auto", "on", "off"] = "auto",
    timeout: float = 120.0,
    retries: int = 2,
    cache: Any = True,
    **analysis_options: Any,
) -> AskResult:
    """Answer ``question`` about ``video`` with a model behind an OpenAI-compatible endpoint.

    Args:
        video: a path, an :class:`~framesift.api.Analysis` or a :class:`~framesift.session.Session`
            (whose remaining budget is then the budget).
        url: base URL (``.../v1``) of the endpoint; or ``chat``, a function that takes the request
            body and returns the response (tests, other clients).
        budget: frames in all, first look and zooms together.
        first_look: frames of the first message (the rest of the budget is for zooming).
        max_turns: model replies at most (the last one is asked to answer without tools).
        max_frames_per_call: cap of one ``get_frames`` call.
        tools: ``"auto"`` (offer tools; fall back to one shot if the endpoint refuses them),
            ``"on"`` (refusal is an error) or ``"off"`` (one shot of the whole budget).
    """
    if not isinstance(question, str) or not question.strip():
        raise InputError("ask needs a question", param="question")
    if tools not in ("auto", "on", "off"):
        raise InputError(f"tools must be auto, on or off (got {tools!r})", param="tools")
    for name, v in (("budget", budget), ("first_look", first_look), ("max_turns", max_turns)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InputError(f"{name} must be a whole number >= 1 (got {v!r})", param=name)
    if chat is None:
        if not url:
            raise InputError("ask needs the endpoint's url (or a chat function)", param="url")

        def chat(body: dict[str, Any]) -> dict[str, Any]:
            return chat_completion(url, body, api_key=api_key, timeout=timeout, retries=retries)

    session = (
        video
        if isinstance(video, Session)
        else Session(video, budget=budget, cache=cache, **analysis_options)
        if not isinstance(video, Analysis)
        else Session(video, budget=budget)
    )
    usage: dict[str, int] = {}
    notes: list[str] = []
    calls: list[dict[str, Any]] = []
    info = session.info
    intro = (
        f"Video: {info.duration:.1f} s ({time_label(info.duration)}), {info.fps:g} fps, {info.width}x{info.height}. "
        f"Question: {question}"
    )

    def one_shot(prefix_notes: list[str]) -> AskResult:
        frames = session.select(question, min(session.left, 32), max_side=max_side)
        body = {
            "model": model,
            "max_tokens": max_tokens,
            "messages": [
                {"role": "system", "content": _SYSTEM_ONE_SHOT},
                {"role": "user", "content": [{"type": "text", "text": intro}, *_frame_parts(frames, max_side)]},
            ],
        }
        resp = chat(body)
        _add_usage(usage, resp)
        answer = (_message(resp).get("content") or "").strip()
        return AskResult(answer, session.seen, 1, [], "one-shot", session.spent, session.budget, usage, prefix_notes)

    if tools == "off":
        return one_shot(notes)

    first = session.select(question, min(first_look, session.left), max_side=max_side)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": _SYSTEM.format(budget=session.budget, left=session.left)},
        {"role": "user", "content": [{"type": "text", "text": intro}, *_frame_parts(first, max_side)]},
    ]
    answer = ""
    turns = 0
    while turns < max_turns:
        turns += 1
        final = turns == max_turns or session.left == 0
        body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
        if not final:
            body["tools"] = TOOL_SPECS
        else:
            messages.append({"role": "user", "content": "Answer now from what you have seen."})
        try:
            resp = chat(body)
        except ServerError as exc:
            if turns == 1 and tools == "auto" and _rejects_tools(exc):
                notes.append(f"the endpoint refused function calling ({exc}); answered in one shot")
                return one_shot(notes)
            raise
        _add_usage(usage, resp)
        msg = _message(resp)
        tool_calls = msg.get("tool_calls") or []
        if not tool_calls or final:
            answer = (msg.get("content") or "").strip()
            break
        messages.append({"role": "assistant", "content": msg.get("content") or "", "tool_calls": tool_calls})
        shown: list[SelectedFrame] = []
        for call in tool_calls:
            text, frames = _run_tool(session, call, max_frames_per_call, max_side, calls)
            messages.append({"role": "tool", "tool_call_id": call.get("id", ""), "content": text})
            shown += frames
        if shown:
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"The frames you asked for ({session.left} of the budget left):"},
                        *_frame_parts(shown, max_side),
                    ],
                }
            )
    else:
        notes.append(f"stopped after {max_turns} turns")
    return AskResult(answer, session.seen, turns, calls, "tools", session.spent, session.budget, usage, notes)


def _run_tool(
    session: Session, call: dict[str, Any], cap: int, max_side: int, log: list[dict[str, Any]]
) -> tuple[str, list[SelectedFrame]]:
    """Run one tool call; a bad call becomes an error text the model can read and correct."""
    fn = call.get("function") or {}
    name = fn.get("name")
    try:
        args = json.loads(fn.get("arguments") or "{}")
        if not isinstance(args, dict):
            raise ValueError("arguments are not an object")
    except (ValueError, TypeError) as exc:
        log.append({"name": name, "arguments": fn.get("arguments"), "error": f"bad arguments: {exc}"})
        return f"error: the arguments are not a JSON object ({exc})", []
    entry: dict[str, Any] = {"name": name, "arguments": args}
    log.append(entry)
    try:
        start: Any = args.get("start")
        end: Any = args.get("end")
        if name in ("get_frames", "get_words") and (start is None or end is None):
            raise InputError(f"{name} needs start and end (seconds)")
        if name == "get_frames":
            k = args.get("max_frames")
            fps = args.get("fps")
            if isinstance(k, int) and k > cap:
                raise InputError(f"max_frames {k} is over the limit of {cap} frames per call")
            # no count, or an fps grid denser than the cap: the cap, spread evenly over the span
            frames = session.zoom(start, end, fps=fps, k=cap if k is None else k, max_side=max_side)
            entry["frames"] = [[f.index, round(f.time, 3)] for f in frames]
            lines = [frame_caption(f) for f in frames] or ["no new frames there (all already shown)"]
            tail = f"; {'; '.join(session.notes)}" if session.notes else ""
            return f"{len(frames)} frame(s), {session.left} left{tail}:\n" + "\n".join(lines), frames
        if name == "get_words":
            words = session.words(start, end)
            entry["words"] = len(words)
            if not words:
                return "no subtitle, speech or on-screen text in that span", []
            return "\n".join(f"[{w.start:.1f}-{w.end:.1f} s] {w.channel}: {w.text}" for w in words), []
        raise InputError(f"unknown tool {name!r} (get_frames, get_words)")
    except InputError as exc:
        entry["error"] = str(exc)
        return f"error: {exc}", []
