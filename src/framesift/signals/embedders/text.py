"""Tokenising queries for a text tower, with chunking instead of silent truncation.

A text encoder sees a fixed context (SigLIP: 64 tokens, CLIP: 77 including start/end). Processors
silently cut longer texts, which drops the end of a long question (often the part that names what
to look for). Here a text that does not fit is split on word boundaries into consecutive chunks
that each fit; the text's embedding is the renormalised mean of its chunks' unit embeddings (the
same pooling CLIP uses for prompt ensembles, Radford et al. 2021, arXiv 2103.00020, sec. 3.1.4).

Padding follows each family's own training: SigLIP pads every text to the full context and its
tower reads the last position, with no attention mask (``padding="max_length"``, as the
``transformers`` docs require for SigLIP); CLIP pads to the longest text and uses the mask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["TextSpec", "TokenBatch", "tokenize", "pool_chunks"]


@dataclass(frozen=True)
class TextSpec:
    """How a family's text tower wants its input."""

    context: int
    padding: Literal["max_length", "longest"]
    use_mask: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextSpec:
        return cls(context=int(d["context"]), padding=d["padding"], use_mask=bool(d["use_mask"]))

    @classmethod
    def for_family(cls, family: str, context: int) -> TextSpec:
        if family == "siglip":
            return cls(context=context, padding="max_length", use_mask=False)
        return cls(context=context, padding="longest", use_mask=True)


@dataclass
class TokenBatch:
    """Token ids of all chunks; ``owner[k]`` is the text chunk ``k`` came from."""

    input_ids: np.ndarray  # (K, L) int64
    attention_mask: np.ndarray  # (K, L) int64
    owner: np.ndarray  # (K,) int64


def _length(tok: Any, text: str) -> int:
    return len(tok(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])


def _chunks(tok: Any, text: str, context: int) -> list[str]:
    """``text`` itself if it fits, else consecutive word runs that each fit ``context`` tokens."""
    if _length(tok, text) <= context:
        return [text]
    words = text.split()
    out: list[str] = []
    cur: list[str] = []
    for w in words:
        trial = " ".join([*cur, w])
        if cur and _length(tok, trial) > context:
            out.append(" ".join(cur))
            cur = [w]
        else:
            cur.append(w)
    if cur:
        out.append(" ".join(cur))
    # A single "word" longer than the context (a URL, a run without spaces) is the one case that
    # is still cut by the tokenizer's truncation below.
    return out


def tokenize(tok: Any, texts: Sequence[str], spec: TextSpec) -> TokenBatch:
    """Token ids for ``texts``; texts longer than the context become several chunks."""
    chunk_texts: list[str] = []
    owner: list[int] = []
    for i, t in enumerate(texts):
        for c in _chunks(tok, t, spec.context):
            chunk_texts.append(c)
            owner.append(i)
    padding: Any = "max_length" if spec.padding == "max_length" else True
    enc = tok(chunk_texts, padding=padding, max_length=spec.context, truncation=True)
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    mask = np.asarray(enc.get("attention_mask", np.ones_like(ids)), dtype=np.int64)
    return TokenBatch(input_ids=ids, attention_mask=mask, owner=np.asarray(owner, dtype=np.int64))


def pool_chunks(vectors: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Mean of each text's unit chunk vectors, renormalised: ``(n, D)`` float32 unit rows."""
    vectors = normalize(vectors)
    out = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    np.add.at(out, owner, vectors)
    return normalize(out)


def normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
