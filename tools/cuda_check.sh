#!/usr/bin/env bash
# Compiles CUDA sources one by one with the backend's flags (warnings are
# errors), for one architecture: a quick check while editing a kernel file.
# Usage: tools/cuda_check.sh cutensor_cuda/reduce.cu [more.cu ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in "$@"; do
  nvcc -std=c++17 -arch=sm_80 -I"$root/csrc" -I"$root/cutensor_cuda" -Xcompiler=-fPIC \
    -Werror=all-warnings -Xcompiler=-Wall,-Wextra,-Wno-unused-parameter,-Werror \
    -c "$f" -o "$out/$(basename "$f").o"
  echo "ok: $f"
done
