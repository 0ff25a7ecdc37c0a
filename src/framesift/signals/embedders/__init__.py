"""Dual image-text encoders (SigLIP, SigLIP2, CLIP; transformers / open_clip / ONNX Runtime).

Every backend implements :class:`~framesift.signals.embedders.base.Embedder`. Image embeddings
do not depend on the question, so they are computed once per candidate (and cached by the
index); only the query's text embedding is computed per question. Backends are imported lazily
(torch and onnxruntime are heavy): :func:`load_embedder` picks one from a spec string.
"""

from .base import Embedder
from .preprocess import ImagePrep
from .registry import KNOWN_MODELS, ModelEntry, list_models, load_embedder, local_model_id

__all__ = ["Embedder", "ImagePrep", "KNOWN_MODELS", "ModelEntry", "list_models", "load_embedder", "local_model_id"]
