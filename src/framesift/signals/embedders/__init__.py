"""Dual image-text encoders (SigLIP, SigLIP2, CLIP; transformers / open_clip / ONNX Runtime).

Every backend implements :class:`~framesift.signals.embedders.base.Embedder`. Image embeddings
do not depend on the question, so they are computed once per candidate (and cached by the
index); only the query's text embedding is computed per question.
"""

from .base import Embedder

__all__ = ["Embedder"]
