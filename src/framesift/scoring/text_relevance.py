"""Query relevance from text: subtitle lines and on-screen text, mapped onto candidate frames.

Each text item (a subtitle cue or the OCR text of a frame) is scored against the query by two
complementary measures, both in [0, 1]:

* **semantic**: cosine of all-MiniLM-L6-v2 sentence embeddings (paraphrases: "When does gate 7
  close?" vs "Gate 7 closes at 9:40");
* **lexical**: the IDF-weighted fraction of the query's content words found in the item. OCR
  often drops spaces ("Gate7closesat9:40") and sentence embedders break on that, so words of 4+
  characters are matched as substrings of the space-less text (which also matches inflections:
  "close" in "closes"); shorter words and numbers must match whole tokens. IDF is computed over
  the video's own items, so words every line shares ("video", "today") count little.

item score = ``semantic + 0.5 * lexical * (1 - semantic)``: the embedding decides, and shared
rare words lift an item towards 1 (OCR text whose embedding broke on missing spaces still scores
~0.6 when it holds the query's words; a paraphrase with no shared word keeps its semantic score). A candidate's channel score is the best score
of the items that cover it: subtitle cues cover their time span (+-0.25 s); OCR text covers the
frame it was read from and the following candidates that still look the same (a static slide is
read once and shared).

Small text read off HD frames loses *every* space ("Sector12hasbeenevacuated"), and then the
embedding carries nothing (cosine 0.0 against "Which area had to be cleared of people?", 0.25
with the spaces back; a paraphrase has no shared word for the lexical match to rescue). So OCR
lines are re-spaced before they are embedded (:func:`respace`): long runs of letters are split
into the fewest words of the text embedder's own vocabulary (a dynamic programme, as in
dictionary word segmentation), kept whole when no such split exists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..signals.ocr import OcrText
from ..video.subtitles import SubtitleLine

__all__ = [
    "TextItem",
    "content_words",
    "score_heard",
    "score_items",
    "score_ocr",
    "subtitle_channel",
    "ocr_channel",
]

_WORD = re.compile(r"[^\W_]+(?:'[^\W\d_]+)?")
_ALNUM_RUN = re.compile(r"[^\W\d_]+|\d+")
_STOP = frozenset(
    """a an the and or but if of to in on at by for with from into onto about as is are was were be been being
    do does did doing done have has had having what which who whom whose when where why how that this these those
    there here it its it's i you he she we they me him her us them my your his our their can could would should
    will shall may might must not no yes any some all each every more most other such only own same so than too
    very just also then once again further up down out over under between during before after above below
    video clip frame frames scene shown show shows see seen say says said tell told please answer question""".split()
)
SUBTITLE_PAD_S = 0.25
PAD_DISCOUNT = 0.9


@dataclass(frozen=True)
class TextItem:
    """A piece of text with the scores it earned against the query."""

    text: str
    semantic: float
    lexical: float

    @property
    def score(self) -> float:
        return self.semantic + 0.5 * self.lexical * (1.0 - self.semantic)


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` without stop words (order kept, duplicates removed)."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(text.lower()):
        w = w.replace("'", "")
        if w and w not in _STOP:
            seen.setdefault(w, None)
    return list(seen)


def _despace(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


@lru_cache(maxsize=1 << 17)
def _text_view(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """What the keyword match needs of a text, computed once per process: the text without
    spaces or punctuation, its raw words, and its tokens (words without apostrophes plus
    alphanumeric runs: "gate7closes" also holds the token "7"). Subtitle and OCR texts are the
    same for every question about a video, so only the first question pays for this."""
    low = text.lower()
    raw = _WORD.findall(low)
    tokens = frozenset(w.replace("'", "") for w in raw) | frozenset(_ALNUM_RUN.findall(low))
    return _despace(text), frozenset(raw), tokens


def _lexical(query_words: Sequence[str], idf: dict[str, float], text: str) -> float:
    if not query_words:
        return 0.0
    flat, _, tokens = _text_view(text)
    total = sum(idf[w] for w in query_words)
    hit = 0.0
    for w in query_words:
        # Stems: "closes"/"closed"/"closing" all contain "clos" when the query has "close".
        stem = w[:-1] if len(w) >= 5 and w.endswith("e") else w
        found = (stem in flat) if len(w) >= 4 else (w in tokens)
        if found:
            hit += idf[w]
    return hit / total if total > 0 else 0.0


def score_items(query: str, texts: Sequence[str], embed) -> list[TextItem]:
    """Score ``texts`` against ``query``; ``embed(list[str]) -> (N, D)`` unit vectors."""
    if not texts:
        return []
    words = content_words(query)
    n = len(texts)
    views = [_text_view(t) for t in texts]
    idf = {}
    for w in words:
        stem = w[:-1] if len(w) >= 5 and w.endswith("e") else w
        df = sum(1 for f, _, _ in views if stem in f) if len(w) >= 4 else sum(1 for _, raw, _ in views if w in raw)
        idf[w] = math.log(1.0 + (n + 1) / (df + 1))
    vecs = embed([query, *texts])
    sims = np.clip(vecs[1:] @ vecs[0], 0.0, 1.0)
    return [TextItem(text=t, semantic=float(s), lexical=_lexical(words, idf, t)) for t, s in zip(texts, sims)]


def score_heard(query: str, texts: Sequence[str], sure: Sequence[str | None], embed) -> list[TextItem]:
    """Speech cues: :func:`score_items`, with each cue's semantic score the better of its full text
    and ``sure[k]``, its text without the words the recogniser was unsure of
    (:meth:`~framesift.signals.speech.Transcript.sure_texts`; None: nothing to drop). The keyword
    match stays on the full text (dropping words can only lose matches)."""
    items = score_items(query, texts, embed)
    alt = [(k, t) for k, t in enumerate(sure) if t]
    if not alt:
        return items
    vecs = embed([query, *(t for _, t in alt)])
    sims = np.clip(vecs[1:] @ vecs[0], 0.0, 1.0)
    for (k, _), s in zip(alt, sims):
        if float(s) > items[k].semantic:
            items[k] = TextItem(text=items[k].text, semantic=float(s), lexical=items[k].lexical)
    return items


_RUN = re.compile(r"[^\W\d_]{10,}")  # a letter run this long without a space is probably merged words
_MAX_WORD = 24


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, float]:
    """Whole words of all-MiniLM-L6-v2's WordPiece vocabulary (it ships with the model), each
    with a Zipf cost ``log(rank * log N)``: BERT's vocabulary lists whole words roughly by
    frequency, so the id is a usable rank."""
    import json
    from pathlib import Path

    from ..signals.text_embedder import _package_model_dir

    try:
        vocab = json.loads((Path(_package_model_dir()) / "tokenizer.json").read_text(encoding="utf-8"))["model"][
            "vocab"
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    words = sorted(
        ((int(i), w) for w, i in vocab.items() if w.isalpha() and w.isascii() and (len(w) >= 2 or w in ("a", "i"))),
    )
    logn = math.log(max(len(words), 2))
    return {w: math.log((rank + 1) * logn) for rank, (_, w) in enumerate(words)}


_SUFFIXES = ("s", "es", "ed", "d", "ing")  # WordPiece keeps these as "##s" etc., not whole words


def _word_cost(w: str, lexicon: dict[str, float]) -> float | None:
    c = lexicon.get(w)
    if c is not None:
        return c
    for suf in _SUFFIXES:
        if len(w) > len(suf) + 2 and w.endswith(suf):
            base = lexicon.get(w[: -len(suf)])
            if base is not None:
                return base + 1.0
    return None


def _split_run(run: str, lexicon: dict[str, float]) -> str:
    low = run.lower()
    n = len(low)
    # best[j] = (cost of the cheapest split of low[:j], start of its last word)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
    for j in range(1, n + 1):
        for i in range(max(0, j - _MAX_WORD), j):
            c = _word_cost(low[i:j], lexicon)
            if c is not None and best[i][0] + c < best[j][0]:
                best[j] = (best[i][0] + c, i)
    if not math.isfinite(best[n][0]):
        return run
    cuts, j = [], n
    while j > 0:
        i = best[j][1]
        cuts.append(run[i:j])
        j = i
    return " ".join(reversed(cuts))


@lru_cache(maxsize=1 << 15)
def respace(text: str) -> str:
    """``text`` with merged words split ("Sheltercapacity:120beds" -> "Shelter capacity: 120 beds")."""
    lexicon = _lexicon()
    if not lexicon:
        return text
    out = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_]:)(?=\w)", " ", text)
    return _RUN.sub(lambda m: _split_run(m.group(0), lexicon), out)


def score_ocr(query: str, reads: Sequence[OcrText], embed) -> list[TextItem]:
    """One item per read frame: its best-scoring text line (or all lines together, when a fact is
    split over lines). Scoring lines separately keeps a caption from being diluted by the slide
    title and the clock that share its frame."""
    texts: list[str] = []
    owner: list[int] = []
    for r, read in enumerate(reads):
        lines = [respace(ln) for ln in read.lines]
        candidates = lines + ([" ".join(lines)] if len(lines) > 1 else [])
        texts.extend(candidates)
        owner.extend([r] * len(candidates))
    items = score_items(query, texts, embed)
    best: list[TextItem | None] = [None] * len(reads)
    for r, item in zip(owner, items):
        cur = best[r]
        if cur is None or item.score > cur.score:
            best[r] = item
    return [b if b is not None else TextItem("", 0.0, 0.0) for b in best]


def subtitle_channel(
    times: np.ndarray, lines: Sequence[SubtitleLine], items: Sequence[TextItem]
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: best score of the cues on screen at its time, and which cue (-1 if none).

    Frames within ``SUBTITLE_PAD_S`` of a cue (speech and cue timing rarely agree exactly) get
    the cue's score discounted by ``PAD_DISCOUNT``, so a frame inside the cue wins the tie.
    """
    score = np.zeros(len(times), dtype=np.float32)
    which = np.full(len(times), -1, dtype=np.int64)
    if not lines:
        return score, which
    starts = np.array([ln.start for ln in lines])
    ends = np.array([ln.end for ln in lines])
    s = np.array([it.score for it in items], dtype=np.float32)
    t_all = np.asarray(times, dtype=np.float64)
    # Candidates x cues in blocks (a per-candidate Python loop cost ~0.1 s for an hour of video,
    # as much as the rest of a warm select); blocks keep the matrix small for long videos.
    step = max(1, 4_000_000 // max(len(lines), 1))
    for a in range(0, len(t_all), step):
        t = t_all[a : a + step, None]
        on = (starts - SUBTITLE_PAD_S <= t) & (t <= ends + SUBTITLE_PAD_S)
        inside = (starts <= t) & (t <= ends)
        eff = np.where(on, s * np.where(inside, 1.0, PAD_DISCOUNT), -1.0)
        best = np.argmax(eff, axis=1)  # first maximum, in cue order, as before
        hit = on.any(axis=1)
        score[a : a + step] = np.where(hit, eff[np.arange(len(best)), best], 0.0)
        which[a : a + step] = np.where(hit, best, -1)
    return score, which


def ocr_channel(
    cand_index: np.ndarray,
    features: np.ndarray,
    reads: Sequence[OcrText],
    items: Sequence[TextItem],
    same_shot: float = 0.92,
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: the OCR score of its own text, or of the last read frame it still looks like.

    Returns ``(score, which)`` where ``which`` indexes ``reads`` (-1 if none applies).
    """
    n = len(cand_index)
    score = np.zeros(n, dtype=np.float32)
    which = np.full(n, -1, dtype=np.int64)
    if not reads:
        return score, which
    pos_of = {int(i): k for k, i in enumerate(cand_index)}
    for r, (read, item) in enumerate(zip(reads, items)):
        k = pos_of.get(read.index)
        if k is None:
            continue
        ref = features[k]
        next_read = reads[r + 1].index if r + 1 < len(reads) else None
        j = k
        while j < n:
            if j != k:
                if int(cand_index[j]) == next_read:
                    break  # the next read frame takes over
                if float(features[j] @ ref) < same_shot:
                    break
            if item.score > score[j]:
                score[j], which[j] = item.score, r
            j += 1
    return score, which
