"""From a benchmark-style question to what an image-text encoder should be asked.

Video QA prompts carry text that describes no frame: instructions ("Answer with the option's
letter from the given choices directly."), headers ("Question:", "Options:") and option letters.
A dual encoder was trained on captions, not questions, so framesift

1. **parses** the query: boilerplate sentences and headers are removed, multiple-choice options
   ``(A) ...``/``A. ...``/``A) ...`` are split off (letters dropped, texts kept);
2. **expands** the question into a few caption-style phrases. TiFRe (arXiv 2502.08307) and DATE
   (arXiv 2509.09263) rewrite the question into a CLIP-style description with an LLM; the
   built-in :func:`expand` does the offline part of that with rules (drop the interrogative
   and auxiliary words and references to "the video", keep the content; add a "a photo of ..."
   variant, the prompt form CLIP and SigLIP were evaluated with). An OpenAI-compatible chat
   endpoint can do the rewrite instead (:func:`rewrite_with_llm`, ``--rewrite-url``).

The result is a list of phrase *groups*: the question's group, and one group per option (an option
phrased in the question's context). :mod:`framesift.scoring.visual_relevance` documents the pooling.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

__all__ = ["ParsedQuery", "QueryPlan", "expand", "parse_query", "plan_query", "rewrite_with_llm"]

_BOILERPLATE = [
    # instructions about how to answer
    # an imperative sentence ("Answer with ...", "Please select the best option ...") that talks
    # about letters/options/choices; a question that merely contains "pick" is left alone
    re.compile(
        r"(?:^|(?<=[.?!\n]))\s*(?:please\s+)?(?:answer|respond|reply|choose|select|pick)\b[^.?!\n]*"
        r"\b(?:letter|option|options|choice|choices|multiple[- ]choice|following|given)\b[^.?!\n]*[.!:]?",
        re.I,
    ),
    re.compile(r"[^.?!\n]*\bbased on the (?:video|clip|frames?)\b[^.?!\n]*[.!:]", re.I),
    re.compile(r"\bthe (?:best|correct) (?:answer|option) is\s*:?", re.I),
]
_HEADER = re.compile(r"^\s*(?:question|options?|choices?|answer|candidates?)\s*:\s*", re.I | re.M)
_OPTION = re.compile(r"(?:(?<=\s)|^)\(?([A-H])(?:\)|\.|:)\s+")


@dataclass(frozen=True)
class ParsedQuery:
    """The question without boilerplate, and the multiple-choice option texts (letters dropped)."""

    original: str
    question: str
    options: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.question != " ".join(self.original.split()) or bool(self.options)

    def text(self) -> str:
        """Question and options as one plain text (for the subtitle / OCR channels)."""
        return " ".join([self.question, *self.options]).strip()


def _split_options(text: str) -> tuple[str, list[str]]:
    """Split ``text`` at consecutive option markers A, B, C, ... (two or more)."""
    marks = list(_OPTION.finditer(text))
    # keep the longest run that starts at "A" and goes on letter by letter
    best: list[re.Match] = []
    for i, m in enumerate(marks):
        if m.group(1) != "A":
            continue
        run = [m]
        for n in marks[i + 1 :]:
            if ord(n.group(1)) == ord(run[-1].group(1)) + 1:
                run.append(n)
        if len(run) > len(best):
            best = run
    if len(best) < 2:
        return text, []
    options = []
    for k, m in enumerate(best):
        end = best[k + 1].start() if k + 1 < len(best) else len(text)
        raw = text[m.end() : end]
        if k + 1 == len(best):
            raw = raw.strip().split("\n", 1)[0]  # the last option ends at its line (instructions follow)
        opt = " ".join(raw.split()).strip(" ;,")
        if opt:
            options.append(opt.rstrip("."))
    return text[: best[0].start()], options


def parse_query(query: str) -> ParsedQuery:
    """Strip answer-format boilerplate and split off multiple-choice options."""
    text = _HEADER.sub("", query)
    stem, options = _split_options(text)
    if options:
        # An answer instruction after the options ("Answer with the letter.") ends up in the
        # last option; remove it there too.
        last = options[-1]
        for pat in _BOILERPLATE:
            last = pat.sub(" ", last)
        options[-1] = " ".join(last.split()).rstrip(".")
    for pat in _BOILERPLATE:
        stem = pat.sub(" ", stem)
    question = " ".join(stem.split())
    return ParsedQuery(original=query, question=question, options=tuple(o for o in options if o))


_LEAD = re.compile(
    r"^(?:(?:can|could) you (?:tell me |see )?|please |do you know )?(?:(?:is|are|was|were) there\b)?"
    r"(?:how many times|how many|how much|how often|how long|in which|at what (?:time|point)|at which|what kind of|"
    r"what type of|what colou?r (?:is|are|was|were|does|do|did)?|what|which|when|where|who|whom|whose|why|how)?\b\s*",
    re.I,
)
_AUX = re.compile(r"^(?:(?:is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|might)\b\s*)+", re.I)
_VIDEO_REF = re.compile(
    r"\b(?:(?:at|in|near|towards?|during) )?(?:the (?:beginning|start|end|middle) of )?(?:the|this) "
    r"(?:video|clip|footage|recording|movie|film)\b|\bin the frames?\b|\bshown\b|\bappears? on (?:the )?screen\b",
    re.I,
)


def expand(question: str, max_phrases: int = 3) -> list[str]:
    """Caption-style phrases for ``question`` (rule-based, offline). Never empty for non-empty input.

    "When is the goal scored in the video?" -> ["the goal scored", "a photo of the goal scored"].
    """
    q = " ".join(question.split()).strip()
    if not q:
        return []
    core = q.rstrip("?.! ")
    core = _VIDEO_REF.sub(" ", core)
    core = _LEAD.sub("", core, count=1)
    core = _AUX.sub("", core.strip(), count=1)
    core = " ".join(core.split()).strip(" ,;:")
    if len(core.split()) == 0:
        core = q.rstrip("?.! ")
    phrases = [core]
    lead = core.split()[0].lower()
    if lead not in ("a", "an"):
        phrases.append(f"a photo of {core}")
    return phrases[:max_phrases]


_SYSTEM = (
    "You rewrite questions about a video into short visual descriptions for a CLIP-style image search. "
    "Reply with 1 to 4 lines, each a caption (under 15 words) of what a frame answering the question "
    "would show. No numbering, no explanations."
)


def rewrite_with_llm(question: str, url: str, *, model: str = "default", timeout: float = 30.0) -> list[str]:
    """Caption-style rewrites from an OpenAI-compatible ``/chat/completions`` endpoint.

    ``url`` is the server's base (``http://host:8000/v1``) or the full endpoint. The key, if the
    server needs one, comes from ``OPENAI_API_KEY``. Raises ``OSError``/``ValueError`` on failure.
    """
    import urllib.request  # only with --rewrite-url: keeps ~60 ms of http imports off every start

    endpoint = url.rstrip("/")
    if not endpoint.endswith("/chat/completions"):
        endpoint += "/chat/completions"
    body = json.dumps(
        {
            "model": model,
            "temperature": 0,
            "max_tokens": 200,
            "messages": [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": question}],
        }
    ).encode()
    headers = {"Content-Type": "application/json"}
    if os.environ.get("OPENAI_API_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['OPENAI_API_KEY']}"
    req = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - user-given URL by design
        reply = json.loads(resp.read().decode("utf-8"))
    content = reply["choices"][0]["message"]["content"]
    lines = []
    for ln in str(content).splitlines():
        ln = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", ln).strip().strip('"')
        if ln:
            lines.append(ln[:300])
    if not lines:
        raise ValueError("the rewrite endpoint returned no text")
    return lines[:4]


@dataclass
class QueryPlan:
    """What the visual channel embeds: named phrase groups, and how they were made."""

    parsed: ParsedQuery
    groups: list[tuple[str, list[str]]]
    source: str  # "rules", "llm", or "verbatim"
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": self.parsed.question,
            "options": list(self.parsed.options),
            "source": self.source,
            "groups": {name: phrases for name, phrases in self.groups},
        }


def plan_query(
    query: str, *, expand_query: bool = True, rewrite_url: str | None = None, rewrite_model: str = "default"
) -> QueryPlan:
    """Parse ``query`` and build the phrase groups (see module docstring)."""
    parsed = parse_query(query)
    notes: list[str] = []
    question = parsed.question or (parsed.options[0] if parsed.options else "")
    source = "verbatim"
    phrases = [question] if question else []
    if question and rewrite_url:
        try:
            phrases = rewrite_with_llm(question, rewrite_url, model=rewrite_model)
            source = "llm"
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            notes.append(
                f"query rewrite via {rewrite_url} failed ({type(exc).__name__}: {str(exc)[:120]}); "
                "used the built-in rules instead"
            )
            phrases = expand(question) if expand_query else [question]
            source = "rules" if expand_query else "verbatim"
    elif question and expand_query:
        phrases = expand(question)
        source = "rules"
    groups: list[tuple[str, list[str]]] = []
    if phrases:
        groups.append(("question", phrases))
    core = expand(parsed.question)[0] if parsed.question else ""
    for k, opt in enumerate(parsed.options):
        ps = [opt] + ([f"{core} {opt}"] if core else [])
        groups.append((f"option {chr(ord('A') + k)}", ps))
    return QueryPlan(parsed=parsed, groups=groups, source=source, notes=notes)
