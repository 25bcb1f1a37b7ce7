#!/usr/bin/env bash
# Incremental developer build of the extension into build/dev-NAME, without
# installing anything. Use the result with:
#   TENSORGEAR_BUILD_DIR=build/dev-NAME PYTHONPATH=pyfrontend .venv/bin/python ...
# Several people can build side by side in one checkout, each under a name.
set -euo pipefail
name=${1:-default}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
dir=$root/build/dev-$name
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE="$py" \
    -Dpybind11_DIR="$("$py" -c 'import pybind11; print(pybind11.get_cmake_dir())')" "$@" >/dev/null
fi
cmake --build "$dir" -- -j2 | grep -v '^\[' || true
test -f "$dir"/_C*.so
