"""Per-candidate signals: low-level visual features, on-screen text (OCR), text embeddings."""

from .lowlevel import FEATURE_DIM, feature_change, visual_features
from .ocr import OcrPool, OcrText, default_ocr_frames
from .visual import VisualEmbeddings

__all__ = [
    "FEATURE_DIM",
    "OcrPool",
    "OcrText",
    "default_ocr_frames",
    "VisualEmbeddings",
    "feature_change",
    "visual_features",
]
