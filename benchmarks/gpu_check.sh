#!/usr/bin/env bash
# Verify framesift's GPU paths on a machine with an NVIDIA GPU (under 5 minutes).
#
#   bash benchmarks/gpu_check.sh [OUT_DIR]
#
# Needs: framesift installed (pip install -e .), onnxruntime-gpu for the ONNX Runtime CUDA
# provider (text embedder, ONNX visual exports, OCR), a CUDA build of torch for the transformers
# path, and PyAV's bundled FFmpeg (it has the CUDA hwaccel). Checks that cannot run (e.g. no
# onnxruntime-gpu) say SKIP and why; exit status 1 if any check FAILs.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || echo "no nvidia-smi"
export FRAMESIFT_CACHE="${FRAMESIFT_CACHE:-$(mktemp -d)}"
timeout 300 python benchmarks/gpu_check.py ${1:+--out "$1"}
