"""Drop-ins for the places people already sample frames.

* :mod:`framesift.integrations.qwen_vl_utils`: ``process_vision_info`` with qwen-vl-utils'
  signature and return shapes, picking query-aware frames and reporting their true indices;
* :mod:`framesift.integrations.lmms_eval`: lmms-eval models ``framesift_qwen3_vl`` and
  ``framesift_qwen2_5_vl`` (the stock Qwen chat wrappers with that drop-in), registered through
  the ``lmms_eval.models`` entry point.

Nothing here is imported by the rest of framesift (this package sits at the top of the layers).
"""
